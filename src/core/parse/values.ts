// Readers of single field values. Pure string work, shared by the markdown and manifest readers.

import { range, type Range } from '../model';

/** The content of each inline code span in `raw`, in order (CommonMark: a run of n backticks
 *  closed by a run of exactly n; one space of padding on both sides is dropped). */
export function codeSpans(raw: string): string[] {
  return codeSpanRanges(raw).map((span) => span.content);
}

export interface CodeSpan {
  /** Offset of the opening backticks in the text. */
  readonly start: number;
  /** Offset just past the closing backticks. */
  readonly end: number;
  readonly content: string;
}

/** Each inline code span in `raw` with where it stands, in order (see codeSpans). */
export function codeSpanRanges(raw: string): CodeSpan[] {
  const spans: CodeSpan[] = [];
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('`', i);
    if (open < 0) break;
    let n = open;
    while (raw[n] === '`') n++;
    const runLength = n - open;
    let search = n;
    let closed = false;
    while (search < raw.length) {
      const close = raw.indexOf('`', search);
      if (close < 0) break;
      let e = close;
      while (raw[e] === '`') e++;
      if (e - close === runLength) {
        let content = raw.slice(n, close).replace(/\n/g, ' ');
        if (content.length > 2 && content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '') {
          content = content.slice(1, -1);
        }
        spans.push({ start: open, end: e, content });
        i = e;
        closed = true;
        break;
      }
      search = e;
    }
    if (!closed) i = n;
  }
  return spans;
}

/** The shell command of a `Verify` field: its first inline code span. Real files write
 *  "`grep -q x f` exits 0"; prose without a code span ("Manual check") is no command. */
export function extractVerifyCommand(raw: string): string | undefined {
  for (const span of codeSpans(raw)) {
    const command = span.trim();
    if (command) return command;
  }
  return undefined;
}

const UNIT_MINUTES: Record<string, number> = {
  m: 1, min: 1, mins: 1, minute: 1, minutes: 1,
  h: 60, hr: 60, hrs: 60, hour: 60, hours: 60,
  d: 480, day: 480, days: 480,
};

/** `15m`, `1h`, `1.5h`, `90 min`, `2 hours`, `1h 30m`, a bare number (minutes).
 *  undefined when the text is not an estimate. */
export function parseEstimateMinutes(raw: string): number | undefined {
  const text = raw.trim().replace(/^~|^about\s+/i, '').toLowerCase();
  if (!text) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*/y;
  let total = 0;
  let i = 0;
  while (i < text.length) {
    part.lastIndex = i;
    const m = part.exec(text);
    if (!m) return undefined;
    const perUnit = UNIT_MINUTES[m[2] ?? ''];
    if (perUnit === undefined) return undefined;
    total += Number(m[1]) * perUnit;
    i = part.lastIndex;
  }
  return Math.round(total * 100) / 100;
}

// Each alternative reads its token one way only: `[A-Za-z_-]*\d` finds the first digit where
// `[A-Za-z0-9_-]*\d` tried every digit against the rest, quadratic in a long token.
const ID_TOKEN = /^(?:\d+[a-wyz]?(?:\.(?:\d+[a-wyz]?|[A-Za-z]))*|[A-Za-z][A-Za-z_-]*\d[A-Za-z0-9_.-]*|VF|[A-Z][A-Z0-9_]*--[A-Za-z0-9_.-]+)$/;

export type DependsValue = { readonly kind: 'ids'; readonly ids: string[] } | { readonly kind: 'none' } | { readonly kind: 'malformed' };

/** `1.2, 1.3`, `T012 and T013`, `none`, `-`. */
export function parseDependsList(raw: string): DependsValue {
  const text = raw.replace(/`/g, '').trim();
  if (/^(?:none|n\/a|-|—|–)\.?$/i.test(text)) return { kind: 'none' };
  if (!text) return { kind: 'malformed' };
  const ids: string[] = [];
  for (const token of text.split(/\s*(?:,|;|\band\b|\s)\s*/)) {
    const id = trimEndOf(token.replace(/^task\s*/i, ''), '.)').replace(/^\(/, '');
    if (!id) continue;
    if (!ID_TOKEN.test(id)) return { kind: 'malformed' };
    ids.push(id);
  }
  return ids.length ? { kind: 'ids', ids } : { kind: 'malformed' };
}

/** `FR-1, FR-2` / `1.1, 2.3`. */
export function parseRequirementList(raw: string): string[] {
  return dedupe(
    raw
      .replace(/`/g, '')
      .split(/[,;\n]/)
      .map((s) => s.trim().replace(/\.$/, ''))
      .filter((s) => s.length > 0),
  );
}

// The opening of a spec-kit clause. The list and its `)` are found apart: one regex for the whole
// clause tried every `(depends on` of a line against the rest of it, quadratic when none closes.
const DEPENDS_OPEN = /\(\s*depends\s+on\s*:?\s*/gi;

/** spec-kit `(depends on T012, T013)`: the first such clause that is closed. */
export function extractDependsClause(description: string): string[] | undefined {
  DEPENDS_OPEN.lastIndex = 0;
  const open = DEPENDS_OPEN.exec(description);
  if (!open) return undefined;
  // A later opening would close at the same `)` or at none, so the first one decides.
  const listStart = open.index + open[0].length;
  const close = description.indexOf(')', listStart);
  if (close < 0) return undefined;
  const parsed = parseDependsList(description.slice(listStart, close));
  return parsed.kind === 'ids' ? parsed.ids : parsed.kind === 'none' ? [] : undefined;
}

// Trailing characters are cut by hand: a regex such as `/[.)]+$/` tries every position of a long
// run of them against the rest of the text, quadratic in the run.

/** `text` without the characters of `chars` at its end. */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text.charAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text` without spaces and tabs at its end (other white space is content, as in CommonMark). */
export function trimEndSpaceTab(text: string): string {
  return trimEndOf(text, ' \t');
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

/** Offsets of the first character of every line of `text` (split at \n). */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The line holding `offset` (0-based), by binary search over `lineStartsOf`. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Offsets in `text` (as jsonc-parser gives them) as positions and ranges. */
export interface OffsetRanges {
  readonly lineCount: number;
  position(offset: number): { line: number; character: number };
  /** From one offset to another. */
  spanOf(start: number, end: number): Range;
  /** The whole line holding the offset. */
  lineOf(offset: number): Range;
}

export function offsetRanges(text: string): OffsetRanges {
  const lineStarts = lineStartsOf(text);
  const lines = text.split(/\r?\n/);
  const position = (offset: number) => {
    const line = lineAt(lineStarts, offset);
    return { line, character: Math.min((lines[line] ?? '').length, offset - (lineStarts[line] ?? 0)) };
  };
  return {
    lineCount: lines.length,
    position,
    spanOf(start, end) {
      const s = position(start);
      const e = position(end);
      return range(s.line, s.character, e.line, e.character);
    },
    lineOf(offset) {
      const p = position(offset);
      return range(p.line, 0, p.line, (lines[p.line] ?? '').length);
    },
  };
}
