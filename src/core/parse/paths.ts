// The paths a person writes for a task, read as that person meant them. Every reader of a task's
// files (the `**Files**` field, spec-kit task prose, a manifest's `file_scope`) and the planner's
// file scopes ask here, so a path means the same thing to all of them. The decisions:
//
// - Brackets. `[id]`, `[...slug]`, `[[...opt]]`, `[[lang]]`, `[slug=matcher]` are route folders
//   and files of Next.js, SvelteKit, Nuxt and Astro (`app/[locale]/page.tsx`, `pages/[id].tsx`,
//   `users-[group]/`): a bracket group is such a literal name when it holds a parameter name (a
//   letter or `_`, then letters, digits, `_`, `-`; `...` before, `=matcher` after, allowed), stands
//   at the start of its segment or after a `-`, ends it or is followed by `.` or `-`, and its
//   segment holds no other glob syntax. Anything else is a glob character class a person meant:
//   `*.[jt]s`, `*.[ch]`, `v[0-9]`, `[!_]*`, `[a-z]` (a hyphen beside a single character reads as a
//   range). The one reading this leaves ambiguous, a bare `src/[abc].ts`, is a route folder; write
//   `src/{a,b,c}.ts` for the glob.
// - Parentheses. `(group)` is a route group folder (`app/(auth)/login/page.tsx`), never a pattern,
//   unless it follows an extglob sign (`@(a|b)`, `!(x)`, `+(x)`, `*(x)`, `?(x)`).
// - Braces. `src/{a,b}.ts` is two files and is read as `src/a.ts` and `src/b.ts` (nested lists
//   too), so each is compared as a plain path; a list that would give more than
//   MAX_BRACE_EXPANSION paths, or a range such as `{1..3}`, stays one glob for picomatch, which
//   matches braces but has no call that lists them.
// - `**Files**` values. Backticked spans are the paths; a parenthesised remark after a path,
//   `` `src/x/` (whole folder, renamed) ``, is no path; commas inside braces or backticks do not
//   separate.
// - Prose (spec-kit task lines). A word is a path only where a person would read one: backticked
//   and path-like, or with a directory part and a file-like last segment (`src/models/user.py`,
//   `app/[id]/route.ts`), or a file name with a known extension or a known name (`package.json`,
//   `Dockerfile`, `.env`). Not: a bare folder (`in backend/`), the spec's own documents
//   (`per research.md`), a word after "per" or "see", an extension (`.ics generation`), slash words
//   (`and/or`, `N/A`, `I/O`, `TCP/IP`), abbreviations (`e.g.`), routes (`/api/users`), URLs,
//   versions and product names (`Node.js`).

import { MAX_FILE_PATTERN_LENGTH } from './limits';
import { codeSpanRanges } from './values';

// ---------------------------------------------------------------------------------------------
// Brackets and parentheses: which parts of a path are glob syntax

/** A path as a glob: whether it is one, its pattern for picomatch (literal brackets and
 *  parentheses escaped) and the segments before its first glob segment. */
export interface PathPattern {
  readonly isGlob: boolean;
  readonly pattern: string;
  /** Leading segments without glob syntax (all of them when `isGlob` is false). */
  readonly base: readonly string[];
}

const PARAM_NAME = String.raw`(?:\.\.\.)?[A-Za-z_][\w-]*(?:=[A-Za-z_][\w-]*)?`;
const ROUTE_PARAM = new RegExp(String.raw`\[\[${PARAM_NAME}\]\]|\[${PARAM_NAME}\]`, 'y');
const EXTGLOB_OPEN = /[@!+*?]\(/;
const GLOB_SIGNS = /[*?{[]/;

/** Where the route parameters of `segment` stand, or undefined when it holds glob syntax. */
function routeParams(segment: string): Array<[number, number]> | undefined {
  const params: Array<[number, number]> = [];
  let rest = '';
  for (let i = 0; i < segment.length; ) {
    if (segment[i] === '[' && (i === 0 || segment[i - 1] === '-')) {
      ROUTE_PARAM.lastIndex = i;
      const m = ROUTE_PARAM.exec(segment);
      const end = m ? i + m[0].length : -1;
      const next = segment[end];
      if (m && (next === undefined || next === '.' || next === '-') && !readsAsRange(m[0])) {
        params.push([i, end]);
        i = end;
        continue;
      }
    }
    rest += segment[i];
    i++;
  }
  return GLOB_SIGNS.test(rest) || EXTGLOB_OPEN.test(rest) ? undefined : params;
}

/** `[a-z]`, `[a-zA-Z]`, `[x-y]`: a hyphen beside a single character. */
function readsAsRange(group: string): boolean {
  const pieces = group.replace(/^\[+(?:\.\.\.)?|\]+$/g, '').replace(/=.*$/, '').split('-');
  return pieces.length > 1 && pieces.some((p) => p.length === 1);
}

const SPECIAL = /[[\](){}*?!@+|^$]/g;

/** `segments` (normalised: no empty, `.` or backslash) as a picomatch pattern. */
export function pathPattern(segments: readonly string[]): PathPattern {
  const parts: string[] = [];
  let globAt = -1;
  segments.forEach((segment, index) => {
    const params = routeParams(segment);
    if (params) {
      parts.push(segment.replace(SPECIAL, '\\$&'));
      return;
    }
    if (globAt < 0) globAt = index;
    // Glob syntax stays; parentheses stay only when an extglob uses them.
    parts.push(EXTGLOB_OPEN.test(segment) ? segment : segment.replace(/[()]/g, '\\$&'));
  });
  if (globAt < 0) return { isGlob: false, pattern: parts.join('/'), base: segments };
  return { isGlob: true, pattern: parts.join('/'), base: segments.slice(0, globAt) };
}

// ---------------------------------------------------------------------------------------------
// Braces

/** More paths than this from one brace list, and the list stays a glob. */
export const MAX_BRACE_EXPANSION = 64;

/** The first `{…}` of `text` with a comma at its own level: its offsets and its alternatives. */
function firstBraceList(text: string): { open: number; close: number; items: string[] } | undefined {
  for (let open = text.indexOf('{'); open >= 0; open = text.indexOf('{', open + 1)) {
    let depth = 0;
    let itemStart = open + 1;
    const items: string[] = [];
    for (let i = open; i < text.length; i++) {
      const c = text[i];
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          if (items.length === 0) break;
          items.push(text.slice(itemStart, i).trim());
          return { open, close: i, items };
        }
      } else if (c === ',' && depth === 1) {
        items.push(text.slice(itemStart, i).trim());
        itemStart = i + 1;
      }
    }
    // Unclosed: no later `{` closes either.
    if (depth > 0) return undefined;
  }
  return undefined;
}

/** `src/{a,b}.ts` → `src/a.ts`, `src/b.ts`; nested lists too. A path without a list, one over
 *  the length limit, or one that would give more than MAX_BRACE_EXPANSION paths comes back alone. */
export function expandBraces(path: string): string[] {
  if (!path.includes('{') || path.length > MAX_FILE_PATTERN_LENGTH) return [path];
  const done: string[] = [];
  const pending = [path];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const list = firstBraceList(next);
    if (!list) {
      done.push(next);
      continue;
    }
    if (done.length + pending.length + list.items.length > MAX_BRACE_EXPANSION) return [path];
    const before = next.slice(0, list.open);
    const after = next.slice(list.close + 1);
    for (let k = list.items.length - 1; k >= 0; k--) pending.push(before + (list.items[k] as string) + after);
  }
  return [...new Set(done)];
}

// ---------------------------------------------------------------------------------------------
// `**Files**` values

const NO_FILES = /^(?:none|n\/a|-|—|–|tbd)\.?$/i;

/** For each offset of `text`, the offset its code span ends at, or the offset itself outside
 *  code spans. */
function spanEnds(text: string): Int32Array {
  const jump = new Int32Array(text.length + 1);
  for (let i = 0; i <= text.length; i++) jump[i] = i;
  for (const span of codeSpanRanges(text)) for (let i = span.start; i < span.end; i++) jump[i] = span.end;
  return jump;
}

/** `text` without parenthesised remarks: a `(` at the start or after a space, its matching `)`
 *  followed by the end, a space or punctuation. Parentheses inside code spans or inside a path
 *  (`app/(auth)/x`) are kept. */
export function withoutRemarks(text: string): string {
  if (!text.includes('(')) return text;
  const jump = spanEnds(text);
  // Each `(`'s matching `)`, found in one pass with a stack (code spans skipped).
  const closeOf = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (jump[i] !== i) {
      i = (jump[i] as number) - 1;
      continue;
    }
    if (text[i] === '(') open.push(i);
    else if (text[i] === ')' && open.length) closeOf.set(open.pop() as number, i);
  }
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const close = closeOf.get(i);
    if (close !== undefined && (i === 0 || /\s/.test(text[i - 1] as string)) && (close + 1 === text.length || /[\s,;.:!?]/.test(text[close + 1] as string))) {
      i = close;
      continue;
    }
    out += text[i];
  }
  return out;
}

/** `text` cut at commas, semicolons and line breaks outside code spans and brace lists. */
function splitItems(text: string): string[] {
  const jump = spanEnds(text);
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (jump[i] !== i) {
      i = (jump[i] as number) - 1;
      continue;
    }
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === '\n' || (depth === 0 && (c === ',' || c === ';'))) {
      items.push(text.slice(start, i));
      start = i + 1;
      depth = c === '\n' ? 0 : depth;
    }
  }
  items.push(text.slice(start));
  return items;
}

/** The paths of a `**Files**` value: comma or line separated, backticked or not, brace lists
 *  expanded, remarks left out; prose ("None (existing specs)") names no file. */
export function readFilesField(raw: string): string[] {
  const files: string[] = [];
  for (const rawItem of splitItems(withoutRemarks(raw))) {
    const item = rawItem.trim().replace(/^(?:[-*+]|\d+[.)])\s+/, '');
    if (!item) continue;
    const spans = codeSpanRanges(item);
    if (spans.length) {
      for (const span of spans) if (span.content.trim()) files.push(...expandBraces(span.content.trim()));
      continue;
    }
    if (NO_FILES.test(item)) continue;
    // `src/{a, b}.ts`: spaces inside a brace list are not a sentence.
    const word = item.replace(/\{[^{}]*\}/g, (list) => list.replace(/\s+/g, ''));
    if (/\s/.test(word)) files.push(...pathsInProse(word, { folders: true }));
    else files.push(...expandBraces(word));
  }
  return [...new Set(files)];
}

// ---------------------------------------------------------------------------------------------
// Prose

const FILE_EXTENSIONS = new Set(
  ('py ts tsx js jsx mjs cjs json jsonc md mdx yaml yml toml ini cfg conf env go rs java kt kts rb php cs fs ' +
    'c h cc cpp hpp m mm swift sh bash zsh ps1 css scss sass less html htm vue svelte astro sql txt csv xml ' +
    'lock gradle proto dart ex exs erl lua r scala clj graphql gql tf hcl dockerfile ipynb pyi rst prisma')
    .split(' '),
);

// File names without an extension that a person reads as files.
const KNOWN_NAMES = new Set(
  ['Dockerfile', 'Containerfile', 'Makefile', 'makefile', 'GNUmakefile', 'Procfile', 'Gemfile', 'Rakefile', 'Jenkinsfile',
    'Vagrantfile', 'Brewfile', 'Justfile', 'justfile', 'Pipfile', 'Caddyfile', 'LICENSE', 'CODEOWNERS'],
);

// Dot files, as opposed to a bare extension (`.ics`, `.json`) that names a kind of file.
const DOT_FILE = /^\.(?:env(?:\.[\w-]+)*|[\w-]*ignore|[\w-]+rc(?:\.(?:js|cjs|mjs|json|ya?ml|toml))?|editorconfig|gitattributes|gitmodules|gitkeep|node-version|python-version|ruby-version|tool-versions|htaccess|mailmap)$/;

// Product names that look like file names in prose.
const NOT_FILES = /^(?:node|next|vue|nuxt|three|d3|express|nest|chart|ember|backbone|angular|react|solid|alpine)\.js$/i;

// The spec's own documents: named in a task to point at them, not as files the task writes.
const SPEC_DOCUMENTS = new Set(['spec.md', 'plan.md', 'research.md', 'data-model.md', 'quickstart.md', 'tasks.md', 'constitution.md', 'checklist.md']);

// Words before a file named for reference only.
const REFERENCE_WORDS = new Set(['per', 'see', 'cf']);

const SLASH_WORDS = new Set(['and/or', 'either/or', 'input/output', 'read/write', 'client/server', 'true/false', 'yes/no', 'on/off', 'i/o', 'n/a']);
const PATH_SEGMENT = /^[\w.@~$()[\]{}*?,=+!-]+$/;

/** A last segment a person reads as a file: a name with an extension, a known name, a dot file or
 *  a glob. With a directory before it, any extension of two or more letters will do. */
function isFileLike(segment: string, afterDirectory: boolean): boolean {
  if (KNOWN_NAMES.has(segment) || DOT_FILE.test(segment)) return true;
  if (afterDirectory && /[*?]/.test(segment)) return true;
  if (NOT_FILES.test(segment)) return false;
  const ext = /^[^.].*\.([A-Za-z][A-Za-z0-9]*)$/.exec(segment)?.[1];
  if (ext === undefined) return false;
  return FILE_EXTENSIONS.has(ext.toLowerCase()) || (afterDirectory && ext.length >= 2 && ext.length <= 10);
}

function isPath(token: string, how: { backticked: boolean; folders: boolean }): boolean {
  if (token.length < 2 || /\s/.test(token) || token.includes('://') || token.startsWith('/')) return false;
  if (/^v?\d+(?:\.\d+)+$/.test(token) || /^[\d./]+$/.test(token)) return false;
  if (SPEC_DOCUMENTS.has(token)) return false;
  if (!token.includes('/')) return isFileLike(token, false);
  if (SLASH_WORDS.has(token.toLowerCase())) return false;
  const segments = token.split('/');
  const isFolder = token.endsWith('/');
  if (isFolder) segments.pop();
  if (!segments.every((s) => s !== '' && PATH_SEGMENT.test(s))) return false;
  if (isFolder) return how.backticked || how.folders;
  return how.backticked || isFileLike(segments[segments.length - 1] as string, true);
}

const OPENING_QUOTES = '\'"<';
const CLOSING_MARKS = '\'">,;:!?.';

/** A prose word without the quotes, punctuation and unmatched brackets around it. Every step
 *  cuts a character, and the bracket counts are kept as it goes, so a long word costs one pass. */
function cleanWord(word: string): string {
  let start = 0;
  let end = word.length;
  const open = { '(': count(word, '('), '[': count(word, '[') };
  const close = { ')': count(word, ')'), ']': count(word, ']') };
  for (let cut = true; cut && start < end; ) {
    cut = false;
    const from = start;
    const to = end;
    while (start < end && OPENING_QUOTES.includes(word.charAt(start))) start++;
    while (end > start && CLOSING_MARKS.includes(word.charAt(end - 1))) end--;
    cut = start !== from || end !== to;
    const first = word.charAt(start);
    if ((first === '(' && open['('] > close[')']) || (first === '[' && open['['] > close[']'])) {
      open[first]--;
      start++;
      cut = true;
    }
    const last = word.charAt(end - 1);
    if (end > start && ((last === ')' && close[')'] > open['(']) || (last === ']' && close[']'] > open['[']))) {
      close[last]--;
      end--;
      cut = true;
    }
  }
  const token = word.slice(start, end);
  // Emphasis around a word (`**src/a.ts**`), not a glob's own stars.
  const emphasis = /^(\*\*|__|\*|_)(.+)\1$/.exec(token);
  return emphasis && !emphasis[2]?.includes('/*') ? (emphasis[2] as string) : token;
}

function count(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) n++;
  return n;
}

/**
 * The paths named in a sentence (a spec-kit task line), in order, brace lists expanded: see the
 * rules at the top of this file. With `folders`, a bare `src/x/` counts too (inside a Files field,
 * where naming a folder is what the field is for).
 */
export function pathsInProse(text: string, options: { folders?: boolean } = {}): string[] {
  const found: string[] = [];
  const folders = options.folders === true;
  let previous = '';
  const take = (token: string, backticked: boolean): void => {
    if (!REFERENCE_WORDS.has(previous) && isPath(token, { backticked, folders })) found.push(...expandBraces(token));
    previous = token.toLowerCase().replace(/\.$/, '');
  };
  const words = (chunk: string): void => {
    for (const word of chunk.split(/\s+/)) if (word) take(cleanWord(word), false);
  };
  let at = 0;
  for (const span of codeSpanRanges(text)) {
    words(text.slice(at, span.start));
    take(span.content.trim(), true);
    at = span.end;
  }
  words(text.slice(at));
  return [...new Set(found)];
}
