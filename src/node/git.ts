// The GitPort, through the one git runner (gitRun.ts). Paths always reach git as arguments or NUL-separated stdin,
// never through a shell, and with literal pathspecs, so names with spaces, leading dashes, glob
// characters or any Unicode mean exactly that file.
//
// Commits use `git commit --only <paths>`: git builds the commit from HEAD plus just those paths'
// working-tree content, in a temporary index of its own, so whatever else the user had staged
// (above all, paths in `exclude`) stays staged and out of Ralph's commit.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { GitPort } from '../core/ports';
import { isAtomicTempFile } from './stores/atomic';
import { sweepDeadTempIndexes } from './gitLocks';
import { GitMissingError } from './environment';
import { git, GitCommandError, gitText, type GitCall } from './gitRun';

export type GitOperation = 'merge' | 'rebase' | 'am' | 'cherry-pick' | 'revert' | 'bisect';

/** One entry of `git status --porcelain=v1 -z`. */
export interface StatusEntry {
  /** Index status letter (X) and work-tree status letter (Y); `??` for untracked. */
  readonly index: string;
  readonly workTree: string;
  readonly path: string;
  /** The source of a rename or copy. */
  readonly from?: string;
}

/** Parses porcelain v1 `-z` output: `XY path\0`, with renames and copies followed by `from\0`. */
export function parseStatusZ(output: string): StatusEntry[] {
  const fields = output.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? '';
    if (field.length < 4) continue;
    const index = field[0] ?? ' ';
    const workTree = field[1] ?? ' ';
    const entryPath = field.slice(3);
    if (index === 'R' || index === 'C' || workTree === 'R' || workTree === 'C') {
      entries.push({ index, workTree, path: entryPath, from: fields[++i] ?? '' });
    } else {
      entries.push({ index, workTree, path: entryPath });
    }
  }
  return entries;
}

function toPosix(p: string): string {
  return p.replace(/\\/g, '/');
}

export class CliGitPort implements GitPort {
  readonly cwd: string;
  private topLevel: string | undefined;

  constructor(cwd: string) {
    this.cwd = path.resolve(cwd);
  }

  private async root(): Promise<string> {
    this.topLevel ??= await gitText(this.cwd, ['rev-parse', '--show-toplevel']);
    return this.topLevel;
  }

  /** `git <args>` at the repository's root, with literal pathspecs; `stdin`, when given, is
   *  written to its standard input. */
  private async run(args: string[], stdin?: string): Promise<string> {
    const call: GitCall = stdin !== undefined ? { input: stdin } : {};
    return (await git(await this.root(), ['--literal-pathspecs', ...args], call)).stdout;
  }

  async isRepository(): Promise<boolean> {
    try {
      // A repository without commits counts: Ralph may make its first commit.
      return (await gitText(this.cwd, ['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
    } catch (error) {
      // No git at all is no answer to "is this a repository".
      if (error instanceof GitMissingError) throw error;
      return false;
    }
  }

  async status(): Promise<StatusEntry[]> {
    return parseStatusZ(await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all']));
  }

  async dirtyPaths(): Promise<string[]> {
    const paths = new Set<string>();
    for (const e of await this.repairIntentToAdd(await this.status())) {
      // Both ends of a rename are changes the user made.
      if (e.from !== undefined) paths.add(e.from);
      paths.add(e.path);
    }
    return [...paths];
  }

  /**
   * Ralph's commits mark new files intent-to-add before `commit --only`, which then puts their
   * committed content in the index. A `git commit` of the user's running at the same moment may
   * write back the index it read before (git reads the index before it locks it), leaving an
   * intent-to-add entry for a file HEAD now holds: `DA` in `git status`, and the user's next
   * commit would delete it. Such entries get HEAD's version back, as `git reset` gives it.
   */
  private async repairIntentToAdd(entries: StatusEntry[]): Promise<StatusEntry[]> {
    const stale = entries.filter((e) => e.index === 'D' && e.workTree === 'A').map((e) => e.path);
    if (stale.length === 0) return entries;
    await this.run(['reset', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul'], stale.join('\0'));
    return this.status();
  }

  async operationInProgress(): Promise<GitOperation | undefined> {
    // `--git-path` finds these where git keeps them, also in linked worktrees.
    const names = ['rebase-merge', 'rebase-apply', 'rebase-apply/applying', 'MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REVERT_HEAD', 'sequencer/todo', 'BISECT_LOG'];
    const out = await gitText(this.cwd, ['rev-parse', ...names.flatMap((n) => ['--git-path', n])]);
    const lines = out.split(/\r?\n/);
    const found = new Set<string>();
    await Promise.all(
      names.map(async (name, i) => {
        const p = lines[i];
        if (p && (await fs.stat(path.resolve(this.cwd, p)).then(() => true, () => false))) found.add(name);
      }),
    );
    if (found.has('rebase-merge')) return 'rebase';
    if (found.has('rebase-apply')) return found.has('rebase-apply/applying') ? 'am' : 'rebase';
    if (found.has('MERGE_HEAD')) return 'merge';
    if (found.has('CHERRY_PICK_HEAD')) return 'cherry-pick';
    if (found.has('REVERT_HEAD')) return 'revert';
    if (found.has('sequencer/todo')) {
      // A cherry-pick or revert of several commits that stopped between two of them.
      const todo = await fs.readFile(path.resolve(this.cwd, lines[names.indexOf('sequencer/todo')] ?? ''), 'utf8').catch(() => '');
      return /^\s*revert\b/.test(todo) ? 'revert' : 'cherry-pick';
    }
    if (found.has('BISECT_LOG')) return 'bisect';
    return undefined;
  }

  async head(): Promise<string> {
    try {
      return (await this.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim();
    } catch {
      return '';
    }
  }

  async commitsSince(base: string): Promise<{ hash: string; message: string }[]> {
    const range = base === '' ? ['HEAD'] : [`${base}..HEAD`];
    const out = await this.run(['log', '--first-parent', '-z', '--format=%H%n%B', ...range, '--']);
    return out
      .split('\0')
      .filter((entry) => entry.trim() !== '')
      .map((entry) => {
        const nl = entry.indexOf('\n');
        return { hash: entry.slice(0, nl).trim(), message: entry.slice(nl + 1) };
      });
  }

  /** Makes a path the caller gave (absolute, `./x`, Windows separators) repo-relative. */
  private async repoRelative(p: string): Promise<string> {
    const root = await this.root();
    const rel = path.isAbsolute(p) ? path.relative(root, p) : p;
    return toPosix(rel).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  }

  async commit(
    message: string,
    options: { readonly exclude: ReadonlySet<string>; readonly only?: readonly string[] },
  ): Promise<string | undefined> {
    if (message.trim() === '') throw new Error('git commit: the commit message is empty');
    const exclude = await Promise.all([...options.exclude].map((p) => this.repoRelative(p)));
    const only = options.only ? await Promise.all(options.only.map((p) => this.repoRelative(p))) : undefined;
    // A listed directory covers the files under it.
    const covers = (list: readonly string[], p: string): boolean => list.some((e) => e === p || e === '' || p.startsWith(`${e}/`));

    const entries = await this.status();
    const chosen = new Set<string>();
    const untracked: string[] = [];
    for (const e of entries) {
      for (const p of e.from !== undefined ? [e.from, e.path] : [e.path]) {
        if (covers(exclude, p) || (only && !covers(only, p))) continue;
        // An atomic write in flight (Ralph's own state, or any tool using the same pattern) is
        // never work to commit, and is usually gone before `git add` would see it.
        if (e.index === '?' && isAtomicTempFile(path.posix.basename(p))) continue;
        chosen.add(p);
        if (e.index === '?' && p === e.path) untracked.push(p);
      }
    }
    // An untracked file that vanished since `status` (a temp file renamed away) would make the
    // pathspec fail; a tracked one that vanished is a deletion and stays.
    const top = await this.root();
    for (const p of untracked.splice(0)) {
      if (await exists(path.join(top, p))) untracked.push(p);
      else chosen.delete(p);
    }
    if (chosen.size === 0) return undefined;

    // `commit --only` takes paths git knows; intent-to-add makes new files known without
    // staging their content, so a failed commit leaves little behind.
    if (untracked.length > 0) await this.run(['add', '--intent-to-add', '--pathspec-from-file=-', '--pathspec-file-nul'], untracked.join('\0'));
    await sweepDeadTempIndexes(path.resolve(top, (await this.run(['rev-parse', '--git-dir'])).trim()));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.run(['commit', '--only', '-m', message, '--pathspec-from-file=-', '--pathspec-file-nul'], [...chosen].join('\0'));
        break;
      } catch (err) {
        // git says some of these on stdout.
        const said = err instanceof GitCommandError ? `${err.stderr}\n${err.stdout}` : String(err);
        // The chosen paths may net to no change against HEAD (edited, then restored).
        if (/nothing to commit|no changes added to commit|nothing added to commit/i.test(said)) return undefined;
        // The user committed between git reading HEAD and moving it: commit again onto the new tip.
        if (attempt < 4 && /cannot lock ref 'HEAD': is at [0-9a-f]+ but expected/.test(said)) continue;
        throw err;
      }
    }
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }
}

/** Whether anything (a file, a folder, a dangling symlink) is at `p`. */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
