// Recognises a task's first line by hand: GFM knows neither Kiro's `[-]` nor `[ ]*`, and the id,
// the markers and the checkbox offsets must be exact for targeted edits of the file.

import type { CheckState } from '../model';

export interface TaskLineMatch {
  readonly id: string;
  readonly check: CheckState;
  readonly optional: boolean;
  readonly idStart: number;
  readonly idEnd: number;
  readonly checkboxStart: number;
}

// Id shapes, most specific first:
//   dotted numbers `1.2`, `4.3.1`, placeholder segments `1.X`;
//   a bare number only when followed by a dot (Kiro `2.`), so "- [ ] 3 apples" is not a task;
//   letter prefix + number `T014`, `V4`, `VE1`;
//   `VF`, the one letters-only id ralph-specum writes (words such as "A" or "OK" are not ids).
const ID_CORE = String.raw`\d+(?:\.(?:\d+|[A-Za-z]))+|\d+(?=\.)|[A-Z]{1,3}\d+(?:\.\d+)*|VF`;

const TASK_LINE = new RegExp(
  String.raw`^\uFEFF?[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX-])\](\*?)[ \t]+(${ID_CORE})(\.?)(?=[ \t:]|$)`,
);

export function matchTaskLine(line: string): TaskLineMatch | undefined {
  // Cheap rejection first: the check-off updater calls this on every line of big files.
  if (line.indexOf('[') < 0) return undefined;
  const m = TASK_LINE.exec(line);
  if (!m) return undefined;
  const box = m[1] ?? ' ';
  const id = m[3] ?? '';
  const trailingDot = m[4] ?? '';
  const idEnd = m[0].length - trailingDot.length;
  const idStart = idEnd - id.length;
  return {
    id,
    check: box === ' ' ? 'todo' : box === '-' ? 'in-progress' : 'done',
    optional: m[2] === '*',
    idStart,
    idEnd,
    checkboxStart: m[0].indexOf('['),
  };
}

export interface MarkerMatch {
  readonly name: string;
  readonly arg?: string;
  readonly start: number;
  readonly end: number;
}

// One blank, then the argument with any blanks around it (trimmed below): `[ \t]+`, a lazy
// argument and `[ \t]*` could split a run of blanks in every way, cubic in a `[P` left open.
const MARKER = /\[([A-Za-z][A-Za-z0-9_-]*)(?:[ \t]([^\][]*))?\]/y;

/** The bracketed tags directly after the id, and where the title starts. A tag later in the
 *  title ("Add [P] marker detection") is prose, not a marker. */
export function readMarkers(line: string, afterId: number): { markers: MarkerMatch[]; titleStart: number } {
  const markers: MarkerMatch[] = [];
  let i = afterId;
  // `1.2. Title` and `1.2: Title` put punctuation between the id and what follows.
  if (line[i] === '.' || line[i] === ':') i++;
  for (;;) {
    let j = i;
    while (line[j] === ' ' || line[j] === '\t') j++;
    if (line[j] !== '[') {
      i = j;
      break;
    }
    MARKER.lastIndex = j;
    const m = MARKER.exec(line);
    if (!m) {
      i = j;
      break;
    }
    const arg = m[2]?.trim();
    markers.push({
      name: (m[1] ?? '').toUpperCase(),
      ...(arg ? { arg } : {}),
      start: j,
      end: j + m[0].length,
    });
    i = j + m[0].length;
  }
  return { markers, titleStart: i };
}
