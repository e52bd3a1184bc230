// What a worktree run left behind (failed tasks' branches, merge conflicts, a killed run's
// worktrees, folders moved aside), found and removed for a spec. One place for the CLI's
// `ralph clean` and the extension's Clean Worktrees command: both get data back and say it in
// their own way. Merged and clean ones go at once; anything holding work that is not in the
// current branch goes only when `confirmDrop` says so.

import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RUN_LOCK_FILE } from '../core/run';
import { acquireSpecLock } from './stores/lock';
import { GitWorktrees, type Leftover } from './worktree';
import { gitTopLevel } from './gitRun';
import type { LoadedSpec } from './specFiles';

export type { Leftover };

export interface CleanOutcome {
  /** `no-repository`: the spec is not in a git repository; `never-ran`: a Task Master tag with
   *  no run yet (no folder of its own); `clean`: nothing was left. */
  readonly kind: 'no-repository' | 'never-ran' | 'clean' | 'found';
  /** The branch prefix of the spec's task branches (`ralph/auth/`). */
  readonly branchPrefix?: string;
  readonly found: readonly Leftover[];
  /** Removed, and whether its work was already in the current branch. */
  readonly removed: readonly { readonly leftover: Leftover; readonly merged: boolean }[];
  /** Left in place because the user did not agree to drop them (or was not asked). */
  readonly kept: readonly Leftover[];
  /** The user was not asked (no way to ask) and unmerged work was kept. */
  readonly unconfirmed: boolean;
}

export interface CleanOptions {
  /** Told what was found before anything is removed. */
  readonly onFound?: (found: readonly Leftover[], branchPrefix: string) => void;
  /** Asked once, with the leftovers that hold work not in the current branch; undefined when
   *  there is no one to ask (then they are kept). */
  readonly confirmDrop?: (holding: readonly Leftover[], found: readonly Leftover[]) => Promise<boolean>;
}

/** Finds a spec's leftovers and removes them (see the module comment), under the spec's lock:
 *  a run of the spec may be using its worktrees right now. */
export async function cleanLeftovers(loaded: LoadedSpec, options: CleanOptions = {}): Promise<CleanOutcome> {
  const none = { found: [], removed: [], kept: [], unconfirmed: false } as const;
  // A Task Master tag that never ran has no folder of its own yet, and so nothing left behind.
  if (!existsSync(loaded.specDir)) return { kind: 'never-ran', ...none };
  const top = await gitTopLevel(loaded.specDir);
  if (top === undefined) return { kind: 'no-repository', ...none };
  const release = acquireSpecLock(join(loaded.specDir, RUN_LOCK_FILE));
  try {
    const worktrees = new GitWorktrees({ repoDir: top, specName: basename(loaded.specDir) });
    const branchPrefix = worktrees.branchPrefix;
    const found = await worktrees.leftovers();
    if (found.length === 0) return { kind: 'clean', branchPrefix, ...none };
    options.onFound?.(found, branchPrefix);
    const removed: { leftover: Leftover; merged: boolean }[] = [];
    const safe = found.filter((l) => l.merged && l.uncommitted.length === 0);
    const holding = found.filter((l) => !safe.includes(l));
    for (const l of safe) {
      await worktrees.removeUnchecked(l.path, l.branch);
      removed.push({ leftover: l, merged: true });
    }
    const drop = holding.length > 0 && options.confirmDrop !== undefined ? await options.confirmDrop(holding, found) : false;
    if (drop) {
      for (const l of holding) {
        await worktrees.removeUnchecked(l.path, l.branch);
        removed.push({ leftover: l, merged: false });
      }
    }
    return { kind: 'found', branchPrefix, found, removed, kept: drop ? [] : holding, unconfirmed: holding.length > 0 && options.confirmDrop === undefined };
  } finally {
    release();
  }
}

/** A leftover's name: its branch, else what kind of folder it is (and, `withPath`, where). */
export function leftoverName(l: Leftover, withPath = false): string {
  if (l.branch) return l.branch;
  const kind = l.orphaned ? 'moved-aside folder' : 'spare worktree';
  return withPath && l.path ? `${kind} ${l.path}` : kind;
}

/** What a leftover holds, in one line. */
export function describeLeftover(l: Leftover): string {
  // Found where a task's worktree belonged, unknown to git: what is in it is no one's known work.
  if (l.orphaned) return "NOT A WORKTREE: found where a task's worktree belonged and moved aside; may hold edits of an agent of a killed run";
  const parts: string[] = [l.merged ? 'merged' : 'NOT MERGED: has commits whose changes are not in the current branch'];
  if (l.uncommitted.length > 0) {
    const shown = l.uncommitted.slice(0, 3).join(', ');
    parts.push(`uncommitted changes in ${shown}${l.uncommitted.length > 3 ? ` and ${l.uncommitted.length - 3} more` : ''}`);
  }
  if (!l.path) parts.push('no worktree');
  return parts.join('; ');
}
