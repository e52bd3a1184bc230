// Where a task's body lies in the file and the text remark reads of it. The body is the task's own
// lines under its task line, without its sub-tasks, dedented to the task's content column; its
// cache key says everything the parse depends on and nothing of where the block sits, so a block
// that moved is not parsed again. Field positions remark reports in the body map back to the file
// through placeInDocument.

import type { Position } from '../model';
import { EMPTY_BODY, type BlockCache, type ParsedBody } from './blockBody';
import type { TaskDraft } from './scanTypes';

const BLANK = /^[ \t\uFEFF]*$/;

/** A task's body and what remark read in it. */
export interface TaskBodyRead {
  readonly body: TaskBody;
  readonly parsed: ParsedBody;
}

/** The bodies of `drafts` and their parse, through the cache: one remark call per body not cached. */
export function readBodies(drafts: readonly TaskDraft[], lines: readonly string[], text: string, cache: BlockCache): TaskBodyRead[] {
  const lineOffsets = lineStartOffsets(text, lines);
  const bodies = drafts.map((draft) => bodyOf(draft, lines, text, lineOffsets));
  const parsed = cache.bodies(
    bodies.map((b) => b.key),
    (k) => (bodies[k] ? bodyText(bodies[k], lines) : ''),
  );
  return bodies.map((body, k) => ({ body, parsed: parsed[k] ?? EMPTY_BODY }));
}

/** A task's own lines under its task line: for a body without sub-tasks inside it, the range
 *  `firstLine..lastLine`; otherwise the listed lines, with one blank line where a sub-task was cut
 *  out (`-1`). */
export interface TaskBody {
  /** The cache key: what the body's parse depends on and nothing of where it sits. Empty for a
   *  task without body. */
  readonly key: string;
  readonly contentCol: number;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly sourceLines?: readonly number[];
  readonly fallbackLine: number;
}

/** A body without sub-tasks inside it is a plain slice of the file, so its key costs one
 *  substring; remark sees it dedented to the task's content column. */
function bodyOf(draft: TaskDraft, lines: readonly string[], text: string, lineOffsets: readonly number[]): TaskBody {
  const bodyLines = draft.bodyLines;
  const firstLine = bodyLines[0];
  const lastLine = bodyLines[bodyLines.length - 1];
  const base = { contentCol: draft.contentCol, fallbackLine: draft.line };
  if (firstLine === undefined || lastLine === undefined) return { ...base, key: '', firstLine: 0, lastLine: -1 };
  if (draft.firstChildLine === undefined || lastLine < draft.firstChildLine) {
    const end = (lineOffsets[lastLine] ?? 0) + (lines[lastLine] ?? '').length;
    return { ...base, key: `${draft.contentCol}\u0000${text.slice(lineOffsets[firstLine] ?? 0, end)}`, firstLine, lastLine };
  }
  const sourceLines: number[] = [];
  let previous = -1;
  for (const n of bodyLines) {
    if (previous >= 0 && n > previous + 1) {
      let onlyBlank = true;
      for (let k = previous + 1; k < n && onlyBlank; k++) onlyBlank = BLANK.test(lines[k] ?? '');
      if (onlyBlank) for (let k = previous + 1; k < n; k++) sourceLines.push(k);
      // A sub-task lay here: one blank line keeps the parent's paragraphs apart.
      else sourceLines.push(-1);
    }
    sourceLines.push(n);
    previous = n;
  }
  const body = { ...base, key: '', firstLine, lastLine, sourceLines };
  return { ...body, key: `d\u0000${draft.contentCol}\u0000${bodyText(body, lines)}` };
}

function bodyText(body: TaskBody, lines: readonly string[]): string {
  const out: string[] = [];
  if (body.sourceLines) {
    for (const n of body.sourceLines) out.push(n < 0 ? '' : dedentedLine(lines[n] ?? '', body.contentCol));
  } else {
    for (let n = body.firstLine; n <= body.lastLine; n++) out.push(dedentedLine(lines[n] ?? '', body.contentCol));
  }
  return out.join('\n');
}

export function placeInDocument(body: TaskBody, lines: readonly string[], p: { line: number; character: number }): Position {
  const docLine = body.sourceLines ? (body.sourceLines[p.line] ?? -1) : body.firstLine + p.line;
  const source = lines[docLine];
  if (docLine < 0 || source === undefined) return { line: body.fallbackLine, character: 0 };
  return { line: docLine, character: Math.min(source.length, p.character + dedentLength(source, body.contentCol)) };
}

function dedentedLine(line: string, contentCol: number): string {
  // A lone CR is a line break to remark but not to our line numbering.
  return line.slice(dedentLength(line, contentCol)).replace(/\r/g, ' ');
}

function lineStartOffsets(text: string, lines: readonly string[]): number[] {
  const offsets: number[] = new Array(lines.length);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    offsets[i] = offset;
    offset += (lines[i] ?? '').length;
    offset += text.charCodeAt(offset) === 13 ? 2 : 1;
  }
  return offsets;
}

/** How many leading whitespace characters to cut so that `contentCol` columns are gone. */
function dedentLength(line: string, contentCol: number): number {
  let col = 0;
  let k = 0;
  while (k < line.length && col < contentCol) {
    const c = line.charCodeAt(k);
    if (c === 32) col++;
    else if (c === 9) col = (Math.floor(col / 4) + 1) * 4;
    else if (c !== 0xfeff) break;
    k++;
  }
  return k;
}
