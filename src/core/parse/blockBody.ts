// Reads the fields of one task's body (the lines under its task line) from remark's mdast.
// Only bodies are handed to remark, never the whole document: remark-gfm on a whole large
// tasks.md grows quadratically, block by block it is linear.

import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import type { Emphasis, Paragraph, PhrasingContent, Root, RootContent, Strong } from 'mdast';
import { lineAt, lineStartsOf } from './values';

/** A field found in a body. Positions are relative to the body text (line in the body, UTF-16
 *  character in that dedented line), so a cached body is reusable wherever the block moved. */
export interface BodyField {
  /** Lower-case label: `do`, `files`, `done when`, `verify`, `requirements`, … */
  readonly label: string;
  readonly value: string;
  /** From the label to the end of the value. */
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
}

export interface ParsedBody {
  readonly fields: readonly BodyField[];
  /** Body lines that belong to no field (Kiro's detail bullets), trimmed, blank lines dropped. */
  readonly details: string;
}

/** Parsed bodies by their text. Counters make cache behaviour observable (an edit of one line
 *  must re-parse one block). When full, the oldest entries go first (a block still in use is
 *  parsed again once). */
export class BlockCache {
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, ParsedBody>();

  constructor(readonly maxEntries = 50_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** The parsed bodies for `keys`, in order; `textOf(i)` gives the body text behind `keys[i]`
   *  (the same key must always mean the same text). An empty key is an empty body. Each miss
   *  gets its own remark call: joining bodies into one call was measured slower (remark's cost
   *  grows faster than the text). */
  bodies(keys: readonly string[], textOf: (index: number) => string): ParsedBody[] {
    const result: ParsedBody[] = new Array(keys.length);
    const pending = new Map<string, number[]>();
    keys.forEach((key, i) => {
      if (key === '') {
        result[i] = EMPTY_BODY;
        return;
      }
      const cached = this.entries.get(key);
      if (cached) {
        this.hits++;
        result[i] = cached;
        return;
      }
      const waiting = pending.get(key);
      if (waiting) waiting.push(i);
      else pending.set(key, [i]);
    });
    const missed = [...pending.entries()];
    this.misses += missed.length;
    const texts = missed.map(([, indexes]) => textOf(indexes[0] ?? 0));
    texts.map(parseBody).forEach((parsed, k) => {
      const [key, indexes] = missed[k] ?? ['', []];
      for (const i of indexes) result[i] = parsed;
      this.entries.set(key, parsed);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return result;
  }

  clear(): void {
    this.entries.clear();
  }
}

export const EMPTY_BODY: ParsedBody = { fields: [], details: '' };

// Made on first use: freezing runs remark-gfm's attacher, and the extension loads remark-gfm only
// when a body needs it (scripts/bundles.mjs).
let gfm: ReturnType<typeof plainOnly> | undefined;
const plainOnly = () => unified().use(remarkParse).freeze();
const gfmProcessor = (): ReturnType<typeof plainOnly> => (gfm ??= unified().use(remarkParse).use(remarkGfm).freeze() as unknown as ReturnType<typeof plainOnly>);
// remark-gfm roughly doubles the cost of a body (its autolink pass walks every text node), and
// most bodies contain nothing it reads.
const plainProcessor = plainOnly();

/**
 * Whether `text` has a character sequence that a GFM construct starts from or depends on: `|`
 * (tables), `:-`/`-:` (a table delimiter row needs a colon or a pipe), `~` (strikethrough, also an
 * attention marker), `@`, `www.`, `http://`/`https://` (autolink literals, matched case-blind),
 * `[` before whitespace, `x`, `X` (task list items) or `^` (footnotes). Without any of them the GFM
 * extensions tokenize nothing and their transforms replace nothing, so plain remark-parse gives the
 * same tree.
 */
export function needsGfm(text: string): boolean {
  return GFM_TRIGGER.test(text);
}

const GFM_TRIGGER = /[|~@]|:-|-:|www\.|https?:\/\/|\[[\s xX^]/i;

const LABEL = /^[A-Za-z][A-Za-z0-9 /&'-]{0,40}$/;
const EMPHASIS_LABEL = /^\s*([A-Za-z][A-Za-z0-9 /&'-]{0,40}?)\s*:[ \t]*/;

interface Hit {
  label: string;
  labelStart: number;
  valueStart: number;
  /** Fixed end (emphasis fields end with their closing delimiter). */
  valueEnd?: number;
  /** How far a strong field may reach when nothing follows it. */
  limit: number;
}

/** Reads one body: by hand when it is a plain list of one-line fields, else with remark. */
export function parseBody(text: string): ParsedBody {
  return readFieldList(text) ?? parseBodyWithRemark(text);
}

/** Parses one body with its own remark call. */
export function parseBodyWithRemark(text: string): ParsedBody {
  const root = (needsGfm(text) ? gfmProcessor() : plainProcessor).parse(text) as Root;
  return readBody(root.children, text, 0, text.length);
}

// `- **Label**: value`. The label holds no character that means anything inline and ends in a
// letter or digit, so the two `**` runs pair with each other whatever the value holds: the closing
// run is the first one that can close, and the opening run the only one before it.
const STRONG_FIELD_LINE = /^- \*\*([A-Za-z](?:[A-Za-z0-9 /'-]{0,39}[A-Za-z0-9])?)\*\*:/;
// `- _Label: value_`, with nothing inside that could open, close or contain another construct.
const EMPHASIS_FIELD_LINE = /^- _([A-Za-z][A-Za-z0-9 ,.:;/()'#+=-]*[^ ])_$/;
// A line of a strong field's item below its first line (a `**Do**:` with numbered steps). Without
// `*` and `_` it holds no field of its own; without `|` and lines of only `=`, `-`, `:` it cannot
// turn the field's paragraph into a setext heading or a table.
const CONTINUATION_LINE = /^ {2}[^*_|<\t]*$/;
const UNDERLINE_LIKE = /^[ =:-]*$/;
// A fence or an HTML block left open in the item (so `<` is kept out too) makes remark end the
// item one character into the next line.
const FENCE_LIKE = /^\s*(?:```|~~~)/;
const BLANK_LINE = /^[ \t]*$/;

/**
 * The fields of a body that is nothing but a list of field items (what ralph-specum writes), read
 * without remark; undefined for anything else. For such a body remark's tree is known in advance:
 * one list, one item per field, each starting with a paragraph that starts with the label, and
 * nothing else that could hold a field. What follows is what readBody makes of that tree; a
 * property test holds the two readings to each other.
 */
export function readFieldList(text: string): ParsedBody | undefined {
  const fields: BodyField[] = [];
  const lineStarts: number[] = [];
  // A strong field reaches to the end of its item: it is finished when the next field starts.
  let open: { label: string; line: number; valueStart: number } | undefined;
  let openIsEmphasis = false;
  const position = (offset: number) => {
    let line = lineStarts.length - 1;
    while (line > 0 && (lineStarts[line] as number) > offset) line--;
    return { line, character: offset - (lineStarts[line] as number) };
  };
  const finish = (end: number) => {
    if (!open) return;
    let stop = end;
    while (stop > open.valueStart && /\s/.test(text[stop - 1] ?? '')) stop--;
    const value = text
      .slice(open.valueStart, stop)
      .split('\n')
      .map((l) => l.trim())
      .join('\n')
      .trim();
    fields.push({ label: open.label, value, start: { line: open.line, character: 2 }, end: position(stop) });
    open = undefined;
  };
  let start = 0;
  while (start <= text.length) {
    const line = lineStarts.length;
    lineStarts.push(start);
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const source = text.slice(start, end);
    const strong = source.charCodeAt(2) === 42 ? STRONG_FIELD_LINE.exec(source) : null;
    if (strong) {
      finish(start);
      open = { label: (strong[1] as string).toLowerCase(), line, valueStart: start + strong[0].length };
      openIsEmphasis = false;
    } else if (source.charCodeAt(2) === 95 && EMPHASIS_FIELD_LINE.test(source)) {
      finish(start);
      const m = EMPHASIS_LABEL.exec(source.slice(3, -1));
      if (!m) return undefined;
      const valueStart = 3 + m[0].length;
      let stop = source.length - 1;
      while (stop > valueStart && /\s/.test(source[stop - 1] ?? '')) stop--;
      fields.push({
        label: (m[1] ?? '').toLowerCase(),
        value: source.slice(valueStart, Math.max(valueStart, stop)).trim(),
        start: { line, character: 2 },
        end: { line, character: Math.max(stop, valueStart) },
      });
      openIsEmphasis = true;
    } else if (line === 0) {
      return undefined;
    } else if (!BLANK_LINE.test(source)) {
      if (openIsEmphasis || !CONTINUATION_LINE.test(source) || UNDERLINE_LIKE.test(source) || FENCE_LIKE.test(source)) return undefined;
    }
    start = end + 1;
  }
  finish(text.length);
  return fields.length ? { fields, details: '' } : undefined;
}

/** Reads the fields of the body that spans `[base, end)` of `source`, whose top-level nodes are
 *  `nodes`. Positions come out relative to the body. */
function readBody(nodes: readonly RootContent[], source: string, base: number, end: number): ParsedBody {
  const hits: Hit[] = [];
  collect(nodes, { type: 'root', children: nodes as RootContent[] }, source, end, hits);
  hits.sort((a, b) => a.labelStart - b.labelStart);

  const text = source.slice(base, end);
  const lineStarts = lineStartsOf(text);
  const at = (absolute: number) => {
    const offset = absolute - base;
    const line = lineAt(lineStarts, offset);
    return { line, character: offset - (lineStarts[line] ?? 0) };
  };

  const fields: BodyField[] = [];
  const covered: Array<[number, number]> = [];
  hits.forEach((hit, k) => {
    const next = hits[k + 1];
    let stop = hit.valueEnd ?? Math.min(hit.limit, next ? next.labelStart : end);
    if (next && stop > next.labelStart) stop = next.labelStart;
    while (stop > hit.valueStart && /\s/.test(source[stop - 1] ?? '')) stop--;
    const value = source
      .slice(hit.valueStart, Math.max(hit.valueStart, stop))
      .split('\n')
      .map((l) => l.trim())
      .join('\n')
      .trim();
    const from = at(hit.labelStart);
    const to = at(Math.max(stop, hit.valueStart));
    fields.push({ label: hit.label, value, start: from, end: to });
    covered.push([from.line, to.line]);
  });

  const details: string[] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || covered.some(([a, b]) => i >= a && i <= b)) return;
    details.push(trimmed);
  });
  return { fields, details: details.join('\n') };
}

type Parent = { type: string; children: RootContent[]; position?: Root['position'] };

function collect(children: readonly RootContent[], parent: Parent, text: string, end: number, hits: Hit[]): void {
  children.forEach((node, index) => {
    if (node.type === 'paragraph') {
      readParagraph(node, index === 0 && parent.type === 'listItem' ? parent : undefined, text, end, hits);
    } else if (node.type === 'list' || node.type === 'listItem' || node.type === 'blockquote') {
      collect(node.children as RootContent[], node as Parent, text, end, hits);
    }
  });
}

/** Fields start at the beginning of a line of a paragraph: `**Label**: value`, `**Label:** value`
 *  or `_Label: value_`. A strong field in the first paragraph of a list item reaches to the end of
 *  that item (a `**Do**` with a nested numbered list); one whose paragraph holds nothing after
 *  the label reaches over the following blocks until the next field. */
function readParagraph(paragraph: Paragraph, listItem: Parent | undefined, text: string, end: number, hits: Hit[]): void {
  const children = paragraph.children;
  const paragraphEnd = paragraph.position?.end.offset ?? end;
  let atLineStart = true;
  for (let k = 0; k < children.length; k++) {
    const child = children[k] as PhrasingContent;
    if (atLineStart && child.type === 'strong') {
      const hit = strongField(child, children[k + 1], text);
      if (hit) {
        const restOfParagraph = text.slice(hit.valueStart, paragraphEnd).trim();
        const limit = listItem
          ? (listItem.position?.end.offset ?? paragraphEnd)
          : restOfParagraph
            ? paragraphEnd
            : end;
        hits.push({ ...hit, limit });
      }
    } else if (atLineStart && child.type === 'emphasis') {
      const hit = emphasisField(child, text);
      if (hit) hits.push(hit);
    }
    atLineStart = child.type === 'text' ? /\n[ \t]*$/.test(child.value) : child.type === 'break';
  }
}

function strongField(strong: Strong, next: PhrasingContent | undefined, text: string): Omit<Hit, 'limit'> | undefined {
  const start = strong.position?.start.offset;
  const end = strong.position?.end.offset;
  if (start === undefined || end === undefined) return undefined;
  let label = plainText(strong).trim();
  let valueStart: number;
  if (label.endsWith(':')) {
    label = label.slice(0, -1).trim();
    valueStart = end;
  } else if (next?.type === 'text' && /^[ \t]*:/.test(next.value)) {
    valueStart = end + next.value.indexOf(':') + 1;
  } else {
    return undefined;
  }
  if (!LABEL.test(label)) return undefined;
  return { label: label.toLowerCase(), labelStart: start, valueStart };
}

function emphasisField(emphasis: Emphasis, text: string): Hit | undefined {
  const start = emphasis.position?.start.offset;
  const end = emphasis.position?.end.offset;
  if (start === undefined || end === undefined || end - start < 3) return undefined;
  const inner = text.slice(start + 1, end - 1);
  const m = EMPHASIS_LABEL.exec(inner);
  if (!m) return undefined;
  return {
    label: (m[1] ?? '').toLowerCase(),
    labelStart: start,
    valueStart: start + 1 + m[0].length,
    valueEnd: end - 1,
    limit: end - 1,
  };
}

function plainText(node: PhrasingContent): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as PhrasingContent[]).map(plainText).join('');
  return '';
}
