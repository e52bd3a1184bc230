// File scopes: when two tasks may touch the same file. A scope is a path (`src/a.ts`), a
// directory (`src/`, or any path another one lies inside) or a glob (`src/**/*.ts`). The answer
// errs on the side of "overlap": a false conflict costs some parallelism, a missed one costs a
// broken merge.

import picomatch from 'picomatch';

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

// Parentheses alone do not make a glob: `app/(auth)/page.tsx` is an ordinary Next.js path.
const GLOB_CHARS = /[*?[{]/;

export function toFileScope(raw: string): FileScope {
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
  const scan = picomatch.scan(text);
  const isGlob = scan.isGlob && GLOB_CHARS.test(text);
  if (!isGlob) return { raw, path: text, segments, isDirectory, isGlob: false, base: segments };
  const base = scan.base.split('/').filter((s) => s !== '' && s !== '.');
  const matcher = picomatch(text, { dot: true });
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

/**
 * Every pair of owners (e.g. tasks) whose scopes overlap. Overlap needs one scope's key (path or
 * glob base) to be a prefix of the other's, so scopes are filed in a trie of path segments and each
 * scope is compared only with those on its own path from the root: the work follows the number of
 * overlapping pairs, not the square of the number of tasks.
 */
export function overlappingOwners(owners: readonly (readonly string[] | undefined)[]): ScopeOverlap[] {
  const scopes: FileScope[] = [];
  const ownerOf: number[] = [];
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
      scopes.push(scope);
      ownerOf.push(owner);
    }
  });

  const seen = new Set<number>();
  const found: ScopeOverlap[] = [];
  const ownerCount = owners.length;
  scopes.forEach((scope, s) => {
    const owner = ownerOf[s] as number;
    let node: TrieNode | undefined = root;
    for (let depth = 0; node; depth++) {
      for (const other of node.scopes) {
        const otherOwner = ownerOf[other] as number;
        if (otherOwner === owner) continue;
        const [a, b] = otherOwner < owner ? [otherOwner, owner] : [owner, otherOwner];
        const key = a * ownerCount + b;
        if (seen.has(key)) continue;
        const otherScope = scopes[other] as FileScope;
        if (!scopesOverlap(scope, otherScope)) continue;
        seen.add(key);
        const [fileA, fileB] = a === owner ? [scope.raw, otherScope.raw] : [otherScope.raw, scope.raw];
        found.push({ a, b, fileA, fileB });
      }
      const seg = scope.base[depth];
      node = seg === undefined ? undefined : node.children.get(seg);
    }
  });
  return found;
}
