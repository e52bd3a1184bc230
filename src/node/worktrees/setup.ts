// Setting a task's worktree up, and taking it down: which worktree a task works in (the one it
// left, one an earlier version left inside `.git`, a recycled spare, or a new one), what happens
// to a folder in the way, and when a merged task's worktree is kept as a spare or removed.
//
// Setting a task up means checking out the whole tree, and removing it deleting it again: on a
// big repository that is most of what isolation costs. So the worktree of a merged task (clean,
// at a commit already in the user's branch) is detached and kept as a spare, and the next task's
// set-up moves a spare into place and switches it to the new branch, which rewrites only the
// files that differ. Spares are removed when the run ends (`close`), by `ralph clean`, or adopted
// by the next run if a kill left them. Git's own list of worktrees is the record of them all, so
// a resume finds a task's worktree wherever it is, including the ones an earlier version set up
// in `<git common dir>/ralph-worktrees/<spec>/<task>` (moved to the new place, or worked in where
// they are if they cannot be).

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { TaskWorktree } from '../../core/ports';
import { isAtomicTempFile } from '../stores/atomic';
import { exists } from '../git';
import { git } from '../gitRun';
import { listFiles, type RepoFacts } from './facts';
import { ORPHANED_PREFIX, refSafeName, samePath, SPARE_PREFIX, type SpecFolders } from './paths';

/** More spares than this are removed rather than kept: each is a full checkout on disk. */
const MAX_SPARES = 8;

/** Tests: `beforeRemove` runs just before git deletes a worktree's folder (where a kill leaves a
 *  folder half deleted). */
export interface SetupTestHooks {
  readonly beforeRemove?: (folder: string) => Promise<void>;
}

export interface SetupOptions {
  readonly facts: RepoFacts;
  readonly folders: SpecFolders;
  /** Globs (repository-relative) of untracked or ignored files copied into each new worktree. */
  readonly include: readonly string[];
  /** Keep merged tasks' worktrees as spares for the next tasks. */
  readonly recycle: boolean;
  readonly log: (message: string) => void;
  readonly hooks?: SetupTestHooks;
}

export class WorktreeSetup {
  private readonly repoDir: string;
  private readonly facts: RepoFacts;
  private readonly folders: SpecFolders;
  private readonly include: readonly string[];
  private readonly recycle: boolean;
  private readonly log: (message: string) => void;
  private readonly hooks: SetupTestHooks;
  /** Spare worktrees (folders), loaded once from git's list so a killed run's are adopted. */
  private spares: Promise<string[]> | undefined;

  constructor(options: SetupOptions) {
    this.facts = options.facts;
    this.repoDir = options.facts.repoDir;
    this.folders = options.folders;
    this.include = options.include;
    this.recycle = options.recycle;
    this.log = options.log;
    this.hooks = options.hooks ?? {};
  }

  async prepare(taskId: string): Promise<TaskWorktree> {
    const branch = this.folders.branchFor(taskId);
    const head = await this.facts.head();
    const folder = await this.fromLegacy(taskId, await this.folders.folderFor(taskId));
    let entry = (await this.facts.list()).find((e) => samePath(e.path, folder));
    if (entry?.initializing) {
      // `git worktree add` was killed while checking out: a half-filled folder must never be
      // worked in (its missing files would be committed as deletions). Nothing of a task's is in
      // it yet, so it goes, and the set-up starts over.
      await this.removeUnchecked(folder, '');
      entry = undefined;
    }
    if (entry && !entry.prunable && (await this.facts.beingRemoved(folder))) {
      // Its removal (to start again from the tip, or after its merge) was cut short by a kill:
      // files are missing from it, and working there would commit them as deletions. The removal
      // is finished; the branch stays, carried on from below if it holds unmerged work.
      await this.removeUnchecked(folder, '');
      entry = undefined;
    }
    if (entry && !entry.prunable && entry.branch === undefined && (await exists(folder))) {
      // A recycle cut short by a kill: the spare (detached at a merged task's commit) was moved
      // here but not yet switched to the task's branch, or the switch was half done. No agent
      // ever worked in it — one starts only once its branch is checked out — so what differs in
      // it is the checkout's, not work: set up afresh. Detached anywhere else, it is kept.
      const clean = (await this.facts.uncommittedIn(folder).catch(() => ['?'])).length === 0;
      if (clean || (entry.head !== undefined && (await this.facts.isMerged(entry.head, head)))) {
        if (!clean) this.log(`${folder} was a spare worktree being switched to ${branch} when a run was killed; it is set up afresh`);
        await this.removeUnchecked(folder, '');
        entry = undefined;
      }
    }
    if (entry && !entry.prunable && (await exists(folder))) {
      if (entry.branch !== `refs/heads/${branch}`) {
        throw new Error(`${folder} is a worktree of ${entry.branch ?? 'a detached HEAD'}, not of ${branch}; remove it (ralph clean) and run again`);
      }
      // A leftover whose work is all in the user's branch is stale: start again from the tip.
      if ((await this.facts.uncommittedIn(folder)).length === 0 && (await this.facts.isMerged(entry.head ?? branch, head))) {
        await this.removeUnchecked(folder, branch);
      } else {
        await this.copyIncluded(folder);
        return { path: folder, branch, base: await this.facts.mergeBase(head, branch) };
      }
    } else if (entry) {
      await git(this.repoDir, ['worktree', 'prune']);
    }
    if (await exists(folder)) await this.moveAside(taskId, folder);
    await this.folders.makeRoot();
    await fs.mkdir(path.dirname(folder), { recursive: true });
    const tip = await this.facts.branchTip(branch);
    if (tip !== undefined && !(await this.facts.isMerged(tip, head))) {
      // Unmerged work on the branch (a kept conflict, a killed run): carry on from it.
      await git(this.repoDir, ['worktree', 'add', '--quiet', folder, branch]);
      await this.copyIncluded(folder);
      return { path: folder, branch, base: await this.facts.mergeBase(head, branch) };
    }
    if (tip !== undefined) await git(this.repoDir, ['branch', '-D', '--', branch]);
    if (!(await this.fromSpare(folder, branch, head))) {
      await git(this.repoDir, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, folder, head]);
    }
    await this.copyIncluded(folder, true);
    return { path: folder, branch, base: head };
  }

  /** A worktree an earlier version set up for the task inside `.git`, where agents refuse to
   *  write: moved to `folder`; used where it is if it cannot be moved (another file system, a
   *  lock). Returns the folder to work with. */
  private async fromLegacy(taskId: string, folder: string): Promise<string> {
    const legacy = path.join(await this.folders.legacyRoot(), refSafeName(taskId));
    const entries = await this.facts.list();
    const old = entries.find((e) => samePath(e.path, legacy));
    if (old === undefined) return folder;
    if (old.prunable || !(await exists(legacy))) {
      await git(this.repoDir, ['worktree', 'prune']);
      return folder;
    }
    if (old.initializing) {
      await this.removeUnchecked(legacy, '');
      return folder;
    }
    if (entries.some((e) => samePath(e.path, folder)) || (await exists(folder))) return legacy;
    try {
      await this.folders.makeRoot();
      await git(this.repoDir, ['worktree', 'move', legacy, folder]);
    } catch {
      return legacy;
    }
    await this.folders.removeEmptyFolders(legacy);
    return folder;
  }

  /** A folder where the task's worktree belongs that git does not know: an agent of a killed run
   *  wrote into it after its worktree was removed, and so made it again. What it holds is no one's
   *  known work, so it is neither worked in nor deleted: it goes aside, next to the worktrees,
   *  where `ralph clean` lists it, and the task is set up afresh. */
  private async moveAside(taskId: string, folder: string): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (let n = 0; ; n++) {
      const aside = path.join(path.dirname(folder), `${ORPHANED_PREFIX}${refSafeName(taskId)}-${stamp}${n === 0 ? '' : `-${n}`}`);
      // rename() would replace an empty folder in the way: never reuse a name.
      if (await exists(aside)) continue;
      await fs.rename(folder, aside);
      this.log(`${folder} is not a worktree git knows (an agent of a killed run makes it again by writing into it): moved it aside to ${aside} and set up the worktree of ${taskId} afresh; 'ralph clean' lists and removes it`);
      return;
    }
  }

  /** The spec's spare worktrees; the same array every time, so taking one is seen by all. */
  spareList(): Promise<string[]> {
    this.spares ??= (async () => {
      const spares: string[] = [];
      for (const e of await this.facts.list()) {
        if (!e.prunable && e.branch === undefined && path.basename(e.path).startsWith(SPARE_PREFIX) && (await this.folders.isSpecFolder(path.dirname(e.path)))) {
          // One whose removal a kill cut short is half deleted: finished off, never reused.
          if (await this.facts.beingRemoved(e.path)) await this.removeUnchecked(e.path, '').catch(() => undefined);
          else spares.push(e.path);
        }
      }
      return spares;
    })();
    return this.spares;
  }

  /** Moves a spare worktree to `folder` and puts it on a new `branch` at `head`. */
  private async fromSpare(folder: string, branch: string, head: string): Promise<boolean> {
    if (!this.recycle) return false;
    // Taken synchronously after the one await, so two set-ups never get the same spare.
    const spare = (await this.spareList()).pop();
    if (spare === undefined) return false;
    // Someone changed files in it: not ours to reuse or delete (ralph clean lists it).
    if ((await this.facts.uncommittedIn(spare).catch(() => ['?'])).length > 0) return false;
    let moved = false;
    try {
      await git(this.repoDir, ['worktree', 'move', spare, folder]);
      moved = true;
      await git(folder, ['checkout', '--quiet', '--no-track', '-B', branch, head]);
      // A previous task's untracked files are committed or copies; ignored ones (build output,
      // dependencies) stay, as they would in the user's own checkout.
      await git(folder, ['clean', '-d', '--force', '--quiet']);
      return true;
    } catch {
      // Not usable: out of the way with it, and a fresh worktree instead.
      await this.removeUnchecked(moved ? folder : spare, moved ? branch : '').catch(() => undefined);
      return false;
    }
  }

  /** Removes the spare worktrees: the run is over. */
  async close(): Promise<void> {
    // Also the spares a killed run left, when this run set nothing up and never looked for them.
    const spares = this.recycle ? await this.spareList() : [];
    for (const spare of spares.splice(0)) {
      if ((await this.facts.uncommittedIn(spare).catch(() => ['?'])).length === 0) await this.removeUnchecked(spare, '');
    }
  }

  /** Copies the configured untracked files into a worktree: all of them into a new one (a
   *  recycled one may hold an older copy), the missing ones into one a task is carrying on in. */
  private async copyIncluded(folder: string, fresh = false): Promise<void> {
    if (this.include.length === 0) return;
    const isIncluded = picomatch([...this.include], { dot: true });
    // Untracked and ignored files both (no --exclude-standard): `.env` is usually ignored. The
    // pathspecs keep git out of folders no pattern can reach (node_modules, build output).
    const pathspecs = this.include.map((g) => `:(glob)${g}`);
    const listed = (await git(this.repoDir, ['ls-files', '--others', '-z', '--', ...pathspecs])).stdout.split('\0').filter(Boolean);
    const copied: string[] = [];
    for (const rel of listed) {
      if (!isIncluded(rel) || isAtomicTempFile(path.posix.basename(rel))) continue;
      const target = path.join(folder, rel);
      if (fresh || !(await exists(target))) {
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.copyFile(path.join(this.repoDir, rel), target);
      }
      copied.push(rel);
    }
    await this.facts.recordIncluded(folder, copied);
  }

  // -------------------------------------------------------------------------------------------
  // Removing.

  async remove(worktree: TaskWorktree): Promise<void> {
    const uncommitted = (await exists(worktree.path)) ? await this.facts.uncommittedIn(worktree.path) : [];
    if (uncommitted.length > 0) throw new Error(`${worktree.path} has uncommitted changes in ${listFiles(uncommitted)}; not removed`);
    const tip = await this.facts.branchTip(worktree.branch);
    if (tip !== undefined && !(await this.facts.isMerged(tip, await this.facts.head()))) {
      throw new Error(`${worktree.branch} holds work that is not in the current branch; not removed`);
    }
    // One whose removal a kill cut short is half deleted: no spare for the next task.
    const whole = (await exists(worktree.path)) && !(await this.facts.beingRemoved(worktree.path));
    if (this.recycle && whole && (await this.keepAsSpare(worktree))) return;
    await this.removeUnchecked(worktree.path, worktree.branch);
  }

  private async keepAsSpare(worktree: TaskWorktree): Promise<boolean> {
    const spares = await this.spareList();
    if (spares.length >= MAX_SPARES) return false;
    try {
      await git(worktree.path, ['checkout', '--quiet', '--detach']);
      const spare = path.join(await this.folders.makeRoot(), `${SPARE_PREFIX}${randomBytes(4).toString('hex')}`);
      await git(this.repoDir, ['worktree', 'move', worktree.path, spare]);
      spares.push(spare);
      // From an earlier version's folder in `.git`: nothing left there.
      await this.folders.removeEmptyFolders(worktree.path);
    } catch {
      return false;
    }
    if ((await this.facts.branchTip(worktree.branch)) !== undefined) await git(this.repoDir, ['branch', '-D', '--', worktree.branch]);
    return true;
  }

  /** Removes a worktree folder and its branch, whatever they hold. */
  async removeUnchecked(folder: string | undefined, branch: string): Promise<void> {
    if (folder !== undefined) {
      const registered = (await this.facts.list()).some((e) => samePath(e.path, folder));
      if (registered) {
        // git deletes the files first, the `.git` file last: a kill in between must not leave
        // what looks like a worktree with its files deleted by an agent.
        await this.facts.markRemoving(folder);
        await this.hooks.beforeRemove?.(folder);
        await git(this.repoDir, ['worktree', 'remove', '--force', '--force', folder]);
      }
      await fs.rm(folder, { recursive: true, force: true });
      await git(this.repoDir, ['worktree', 'prune']);
      await this.folders.removeEmptyFolders(folder);
    }
    if (branch !== '' && (await this.facts.branchTip(branch)) !== undefined) await git(this.repoDir, ['branch', '-D', '--', branch]);
  }
}
