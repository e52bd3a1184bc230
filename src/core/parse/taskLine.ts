// Recognises a task's first line by hand: GFM knows neither Kiro's `[-]` nor `[ ]*`, and the id,
// the markers and the checkbox offsets must be exact for targeted edits of the file.

import type { CheckState } from '../model';

export interface TaskLineMatch {
  readonly id: string;
  readonly check: CheckState;
  /** The character in the box as written: ' ', 'x', 'X', '-', '~', '/', … */
  readonly mark: string;
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
// A numbered segment may carry one lower-case letter (`1.18a`, `T105a`): a task slipped in
// between two others after the list was written. Not `x`: `- [ ] 1.5x faster` is a factor.
const ID_CORE = String.raw`\d+(?:\.(?:\d+[a-wyz]?|[A-Za-z]))+|\d+(?=\.)|[A-Z]{1,3}\d+[a-wyz]?(?:\.\d+[a-wyz]?)*|VF`;

// Any one character in the box makes a task line: authors mark states GFM does not know (`[~]`
// partial, `[/]` started, `[-]` Kiro's in progress), and a line the parser skipped would vanish
// from the plan without a word. A letter or digit other than x (`[y]`, `[1]`) reads as a label,
// and brackets or a backslash (`[[]`, `[\]`) are not boxes.
/** A list item's marker and checkbox, with the box's character (1) and Kiro's optional `*` (2).
 *  Shared with the reading of checklists without ids (idless.ts). */
export const CHECKBOX_ITEM = String.raw`^\uFEFF?[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX]|(?![\p{L}\p{N}\][\\\s])[^\ud800-\udfff])\](\*?)`;
const TASK_LINE = new RegExp(String.raw`${CHECKBOX_ITEM}[ \t]+(${ID_CORE})(\.?)(?=[ \t:]|$)`, 'u');

/** What a box says. Only `x`/`X` (or a tick, `✓` `✔`) is done: every other mark (partial, started, unknown) is work
 *  that is not finished, so the task runs. */
export function checkStateOf(mark: string): CheckState {
  if (mark === 'x' || mark === 'X' || mark === '\u2713' || mark === '\u2714') return 'done';
  if (mark === ' ') return 'todo';
  return 'in-progress';
}

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
    check: checkStateOf(box),
    mark: box,
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
    // A status glyph some authors put before the tags (`T050 ✅ [P]`) does not hide them.
    const k = afterGlyphs(line, j);
    if (line[k] !== '[') {
      i = j;
      break;
    }
    MARKER.lastIndex = k;
    const m = MARKER.exec(line);
    if (!m) {
      i = j;
      break;
    }
    j = k;
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

// Emoji and other symbols (✅ ⚠️ 🚧 ★), with their variation selectors and joiners.
const GLYPH = /[\p{Extended_Pictographic}\p{So}\uFE0E\uFE0F\u200D]/uy;

/** Past a run of symbol glyphs and the blanks between them, starting at `from`. */
function afterGlyphs(line: string, from: number): number {
  let k = from;
  for (;;) {
    GLYPH.lastIndex = k;
    const g = GLYPH.exec(line);
    if (!g) return k;
    k += g[0].length;
    while (line[k] === ' ' || line[k] === '\t') k++;
  }
}
