// Readers of single field values. Pure string work, shared by the markdown and manifest readers.

import { range, type Range } from '../model';

/** The content of each inline code span in `raw`, in order (CommonMark: a run of n backticks
 *  closed by a run of exactly n; one space of padding on both sides is dropped). */
export function codeSpans(raw: string): string[] {
  const spans: string[] = [];
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
        spans.push(content);
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

/** A `**Files**` value: comma or line separated, backticked or not; prose ("None (existing specs)")
 *  names no file. */
export function parseFilesList(raw: string): string[] {
  const files: string[] = [];
  for (const rawPart of raw.split(/,|\n/)) {
    const part = rawPart.trim().replace(/^(?:[-*+]|\d+[.)])\s+/, '');
    if (!part) continue;
    const spans = codeSpans(part);
    if (spans.length) {
      for (const span of spans) if (span.trim()) files.push(span.trim());
      continue;
    }
    const bare = withoutTrailingParenthetical(part).trim();
    if (!bare || /\s/.test(bare) || /^(?:none|n\/a|-|—|–|tbd)\.?$/i.test(bare)) continue;
    files.push(bare);
  }
  return dedupe(files);
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

const FILE_EXTENSIONS = new Set(
  ('py ts tsx js jsx mjs cjs json jsonc md mdx yaml yml toml ini cfg conf env go rs java kt kts rb php cs fs ' +
    'c h cc cpp hpp m mm swift sh bash zsh ps1 css scss sass less html htm vue svelte sql txt csv xml ' +
    'lock gradle proto dart ex exs erl lua r scala clj graphql gql tf hcl dockerfile ipynb pyi rst')
    .split(' '),
);

// Product names that look like file names in prose.
const NOT_FILES = /^(?:node|next|vue|nuxt|three|d3|express|nest|chart|ember|backbone|angular|react|solid|alpine)\.js$/i;
const SLASH_WORDS = new Set(['and/or', 'either/or', 'input/output', 'read/write', 'client/server', 'true/false', 'yes/no', 'on/off', 'i/o']);

/** File paths named in a spec-kit task description: path-ish words with a `/` or a known file
 *  extension; not URLs, abbreviations ("e.g."), version numbers or product names. */
export function extractDescriptionPaths(description: string): string[] {
  const found: string[] = [];
  for (const rawToken of description.split(/\s+/)) {
    const token = trimEndOf(trimEndOf(rawToken.replace(/^[`'"(\[<]+/, ''), '`\'")]>,;:!?'), '.');
    if (token.length < 3 || token.includes('://') || /^(?:e\.g|i\.e|etc|vs)$/i.test(token)) continue;
    if (/^v?\d+(?:\.\d+)+$/.test(token) || /^[\d.]+$/.test(token)) continue;
    if (token.includes('/')) {
      if (SLASH_WORDS.has(token.toLowerCase())) continue;
      if (/^[\w.@~*$-]+(?:\/[\w.@*$[\]-]+)+\/?$/.test(token) || /^\/?[\w.@-]+(?:\/[\w.@*-]+)*\/$/.test(token)) {
        found.push(token);
      }
      continue;
    }
    if (NOT_FILES.test(token)) continue;
    const ext = /^\.?[\w@-][\w.@-]*\.([A-Za-z0-9]+)$/.exec(token);
    if (ext && FILE_EXTENSIONS.has((ext[1] ?? '').toLowerCase())) {
      found.push(token);
      continue;
    }
    // Dot files such as `.env`, `.gitignore`.
    if (/^\.[a-z][\w-]+(?:\.[\w-]+)*$/.test(token)) found.push(token);
  }
  return dedupe(found);
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

/** `src/a.ts (new)` → `src/a.ts `: a last parenthetical remark, with no `)` inside, cut off. */
function withoutTrailingParenthetical(part: string): string {
  const end = part.trimEnd();
  if (!end.endsWith(')')) return part;
  const previousClose = end.length >= 2 ? end.lastIndexOf(')', end.length - 2) : -1;
  const open = end.indexOf('(', previousClose + 1);
  return open < 0 ? part : part.slice(0, open);
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
