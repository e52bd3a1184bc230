// Reads the fields of one task's body (the lines under its task line) from remark's mdast.
// Only bodies are handed to remark, never the whole document: remark-gfm on a whole large
// tasks.md grows quadratically, block by block it is linear.

import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import type { Emphasis, Paragraph, PhrasingContent, Root, RootContent, Strong } from 'mdast';

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
 *  must re-parse one block). Oldest entries go first when full. */
export class BlockCache {
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, ParsedBody>();

  constructor(readonly maxEntries = 50_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** The parsed body of `text`, parsing it only when no entry exists. */
  body(text: string): ParsedBody {
    const key = BODY_CACHE_VERSION + text;
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      // Re-insert so that live blocks stay young and eviction takes stale ones.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    this.misses++;
    const parsed = parseBody(text);
    this.entries.set(key, parsed);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return parsed;
  }

  clear(): void {
    this.entries.clear();
  }
}

// Bump when parseBody's output changes shape, so a long-lived cache never mixes versions.
const BODY_CACHE_VERSION = '1\u0000';

const processor = unified().use(remarkParse).use(remarkGfm).freeze();

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

export function parseBody(text: string): ParsedBody {
  const root = processor.parse(text) as Root;
  const hits: Hit[] = [];
  collect(root.children, root, text, hits);
  hits.sort((a, b) => a.labelStart - b.labelStart);

  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const at = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - (lineStarts[lo] ?? 0) };
  };

  const fields: BodyField[] = [];
  const covered: Array<[number, number]> = [];
  hits.forEach((hit, k) => {
    const next = hits[k + 1];
    let end = hit.valueEnd ?? Math.min(hit.limit, next ? next.labelStart : text.length);
    if (next && end > next.labelStart) end = next.labelStart;
    while (end > hit.valueStart && /\s/.test(text[end - 1] ?? '')) end--;
    const value = text
      .slice(hit.valueStart, Math.max(hit.valueStart, end))
      .split('\n')
      .map((l) => l.trim())
      .join('\n')
      .trim();
    const start = at(hit.labelStart);
    const stop = at(Math.max(end, hit.valueStart));
    fields.push({ label: hit.label, value, start, end: stop });
    covered.push([start.line, stop.line]);
  });

  const details: string[] = [];
  const bodyLines = text.split('\n');
  bodyLines.forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || covered.some(([a, b]) => i >= a && i <= b)) return;
    details.push(trimmed);
  });
  return { fields, details: details.join('\n') };
}

type Parent = { type: string; children: RootContent[]; position?: Root['position'] };

function collect(children: readonly RootContent[], parent: Parent, text: string, hits: Hit[]): void {
  children.forEach((node, index) => {
    if (node.type === 'paragraph') {
      readParagraph(node, index === 0 && parent.type === 'listItem' ? parent : undefined, text, hits);
    } else if (node.type === 'list' || node.type === 'listItem' || node.type === 'blockquote') {
      collect(node.children as RootContent[], node as Parent, text, hits);
    }
  });
}

/** Fields start at the beginning of a line of a paragraph: `**Label**: value`, `**Label:** value`
 *  or `_Label: value_`. A strong field in the first paragraph of a list item reaches to the end of
 *  that item (a `**Do**` with a nested numbered list); one whose paragraph holds nothing after
 *  the label reaches over the following blocks until the next field. */
function readParagraph(paragraph: Paragraph, listItem: Parent | undefined, text: string, hits: Hit[]): void {
  const children = paragraph.children;
  const paragraphEnd = paragraph.position?.end.offset ?? text.length;
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
            : text.length;
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
