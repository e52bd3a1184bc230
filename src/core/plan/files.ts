// File scopes: when two tasks may touch the same file. A scope is a path (`src/a.ts`), a
// directory (`src/`, or any path another one lies inside) or a glob (`src/**/*.ts`; what is glob
// syntax and what a literal route folder such as `app/[id]/` is decided in parse/paths). The answer
// errs on the side of "overlap": a false conflict costs some parallelism, a missed one costs a
// broken merge.

import picomatch from 'picomatch';
import { MAX_FILE_PATTERN_LENGTH } from '../parse/limits';
import { pathPattern } from '../parse/paths';

export interface FileScope {
  /** As the author wrote it (for messages). */
  readonly raw: string;
  /** Normalised: forward slashes, no `./`, no trailing slash, `..` folded where possible. */
  readonly path: string;
  readonly segments: readonly string[];
  /** Written with a trailing slash: certainly a directory. */
  readonly isDirectory: boolean;
  readonly isGlob: boolean;
  /** For a glob, the segments of its static base (`src/**\/*.ts` → `src`); else `segments`. */
  readonly base: readonly string[];
  readonly matches?: (path: string) => boolean;
}

// Scopes are immutable and re-planning reads the same spellings again on every keystroke, so they
// are kept across plans; the bound keeps a stream of distinct spellings from growing it forever.
const knownScopes = new Map<string, FileScope>();
const KNOWN_SCOPES_MAX = 20_000;

export function toFileScope(raw: string): FileScope {
  const known = knownScopes.get(raw);
  if (known) return known;
  const scope = readFileScope(raw);
  if (knownScopes.size >= KNOWN_SCOPES_MAX) knownScopes.clear();
  knownScopes.set(raw, scope);
  return scope;
}

function readFileScope(raw: string): FileScope {
  let text = raw.trim().replace(/\\/g, '/');
  const isDirectory = /\/$/.test(text);
  const segments: string[] = [];
  for (const seg of text.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && segments.length > 0 && segments[segments.length - 1] !== '..') {
      segments.pop();
      continue;
    }
    segments.push(seg);
  }
  text = segments.join('/');
  // Which brackets, parentheses and braces are glob syntax is decided in parse/paths, for the
  // readers and the planner alike: `app/[id]/route.ts` is a path, `src/*.[jt]s` a glob.
  const { isGlob, pattern, base } = pathPattern(segments);
  if (!isGlob) return { raw, path: text, segments, isDirectory, isGlob: false, base: segments };
  // The readers leave such patterns out of a task's files; should one come here all the same,
  // picomatch would throw on it, and everything under its base is the answer that errs on the
  // side of overlap.
  if (pattern.length > MAX_FILE_PATTERN_LENGTH) {
    return { raw, path: text, segments, isDirectory, isGlob: true, base, matches: (p) => isPrefix(base, p.split('/')) };
  }
  const matcher = picomatch(pattern, { dot: true });
  return { raw, path: text, segments, isDirectory, isGlob: true, base, matches: (p) => matcher(p) };
}

function isPrefix(outer: readonly string[], inner: readonly string[]): boolean {
  if (outer.length > inner.length) return false;
  for (let i = 0; i < outer.length; i++) if (outer[i] !== inner[i]) return false;
  return true;
}

export function scopesOverlap(a: FileScope, b: FileScope): boolean {
  if (a.path === b.path) return true;
  if (!a.isGlob && !b.isGlob) return isPrefix(a.segments, b.segments) || isPrefix(b.segments, a.segments);
  // Two globs: whether their patterns can match a common file is costly to decide exactly; nested
  // static bases are the cheap, conservative answer.
  if (a.isGlob && b.isGlob) return isPrefix(a.base, b.base) || isPrefix(b.base, a.base);
  const glob = a.isGlob ? a : b;
  const literal = a.isGlob ? b : a;
  // The literal path contains the glob's whole tree, or is one of its files, or is a directory the
  // glob reaches into.
  if (isPrefix(literal.segments, glob.base)) return true;
  if (glob.matches?.(literal.path)) return true;
  return literal.isDirectory && isPrefix(glob.base, literal.segments);
}

/** Whether two file scopes (paths, directories or globs) may name a common file. */
export function filesOverlap(a: string, b: string): boolean {
  return scopesOverlap(toFileScope(a), toFileScope(b));
}

export interface ScopeOverlap {
  /** Positions of the two owners, `a < b`. */
  readonly a: number;
  readonly b: number;
  /** The first pair of overlapping scopes found, as written. */
  readonly fileA: string;
  readonly fileB: string;
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  readonly scopes: number[];
}

export interface OverlapOrder {
  /** Whether owner `a` must finish before owner `b` starts (an ancestor in the DAG). */
  readonly isAncestor: (a: number, b: number) => boolean;
  /** Position of each owner in an order where it comes after everything it is known to wait for. */
  readonly rank: readonly number[];
  /** Owners that wait for every owner ranked before them. */
  readonly isCut: (owner: number) => boolean;
}

/**
 * Every pair of owners (e.g. tasks) whose scopes overlap. Overlap needs one scope's key (path or
 * glob base) to be a prefix of the other's, so scopes are filed in a trie of path segments and each
 * scope is compared only with those on its own path from the root.
 *
 * With `order`, pairs where one owner waits for the other are left out, and the scan of owners that
 * share a path stops at the first one that both waits for everything ranked before it and is an
 * ancestor of the owner at hand: every earlier owner is then an ancestor too. A file touched by a
 * thousand tasks in a row thus costs a few steps per task, not a thousand.
 */
export function overlappingOwners(owners: readonly (readonly string[] | undefined)[], order?: OverlapOrder): ScopeOverlap[] {
  const scopes: FileScope[] = [];
  const ownerOf: number[] = [];
  const nodeOf: TrieNode[] = [];
  const root: TrieNode = { children: new Map(), scopes: [] };
  owners.forEach((files, owner) => {
    for (const raw of files ?? []) {
      const scope = toFileScope(raw);
      let node = root;
      for (const seg of scope.base) {
        let next = node.children.get(seg);
        if (!next) {
          next = { children: new Map(), scopes: [] };
          node.children.set(seg, next);
        }
        node = next;
      }
      node.scopes.push(scopes.length);
      nodeOf.push(node);
      scopes.push(scope);
      ownerOf.push(owner);
    }
  });
  const rank = (s: number): number => (order ? (order.rank[ownerOf[s] as number] as number) : (ownerOf[s] as number));
  const slot = new Int32Array(scopes.length);
  // A path of many thousand segments makes as deep a trie: walked with a list, not recursion.
  const unsorted: TrieNode[] = [root];
  for (let node = unsorted.pop(); node; node = unsorted.pop()) {
    node.scopes.sort((x, y) => rank(x) - rank(y) || x - y);
    node.scopes.forEach((s, k) => (slot[s] = k));
    for (const child of node.children.values()) unsorted.push(child);
  }

  const seen = new Set<number>();
  const found: ScopeOverlap[] = [];
  const ownerCount = owners.length;
  const consider = (s: number, other: number): void => {
    const owner = ownerOf[s] as number;
    const otherOwner = ownerOf[other] as number;
    if (otherOwner === owner) return;
    const [a, b] = otherOwner < owner ? [otherOwner, owner] : [owner, otherOwner];
    const key = a * ownerCount + b;
    if (seen.has(key)) return;
    const scope = scopes[s] as FileScope;
    const otherScope = scopes[other] as FileScope;
    if (!scopesOverlap(scope, otherScope)) return;
    if (order && (order.isAncestor(a, b) || order.isAncestor(b, a))) return;
    seen.add(key);
    const [fileA, fileB] = a === owner ? [scope.raw, otherScope.raw] : [otherScope.raw, scope.raw];
    found.push({ a, b, fileA, fileB });
  };

  scopes.forEach((scope, s) => {
    const own = nodeOf[s] as TrieNode;
    let node: TrieNode | undefined = root;
    for (let depth = 0; node && node !== own; depth++) {
      // A scope higher up the trie (a directory or a glob base): compared with all of them.
      for (const other of node.scopes) consider(s, other);
      const seg = scope.base[depth];
      node = seg === undefined ? undefined : node.children.get(seg);
    }
    // Scopes on the same key: each pair is looked at from its later-ranked side only.
    const owner = ownerOf[s] as number;
    for (let k = (slot[s] as number) - 1; k >= 0; k--) {
      const other = own.scopes[k] as number;
      const otherOwner = ownerOf[other] as number;
      if (order && otherOwner !== owner && order.isCut(otherOwner) && order.isAncestor(otherOwner, owner)) break;
      consider(s, other);
    }
  });
  return found;
}
