// Committing a task's work on its branch, and merging it into the user's branch: the one place
// that writes the user's branch, index and working tree.
//
// How a merge works (git 2.38+): `git merge-tree --write-tree` computes the merge of the user's
// branch tip and the task's commit without touching any index or working tree. Ralph then folds
// its own bookkeeping (tasks.md check-off, .progress.md) into that tree, makes one commit whose
// single parent is the tip (a cherry-pick of the task onto the branch: linear history, one
// commit per task), moves the branch with `git update-ref <ref> <new> <old>` (a compare-and-swap:
// a commit the user made meanwhile is never lost), and brings the working tree up to date with
// `git read-tree -m -u <old> <new>`, which rewrites only the files the merge changed and refuses
// to touch a file with uncommitted changes. From the move to the index following it, git's own
// `index.lock` is held and the index is written through a private copy, as git writes it. Before
// any of that, a merge that would change a file the user has uncommitted changes in (or an
// untracked or ignored file in the way) is refused as a conflict, so the user's own work is never
// touched. A branch that moved meanwhile, or Ralph's own file saved during the merge, means
// merging again (a few rounds); a kill between the move and the working tree is finished by
// finishMerge from the run's journal.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MergeHooks, MergeJournal, TaskWorktree, WorktreeMerge } from '../../core/ports';
import { isAtomicTempFile } from '../stores/atomic';
import { exists } from '../git';
import { ralphLockContent, withStaleLockRecovery } from '../gitLocks';
import { git, GitCommandError, gitText } from '../gitRun';
import { existing, listFiles, type RepoFacts } from './facts';

/** Tests: `beforeStage` runs after the merge commit was made from the working copies of Ralph's
 *  files, before they are staged; `afterMove` once the branch moved, before the index and working
 *  tree follow. */
export interface MergeTestHooks {
  readonly beforeStage?: () => Promise<void>;
  readonly afterMove?: () => Promise<void>;
}

export class WorktreeMerger {
  private readonly repoDir: string;

  /** `bookkeeping`: the files Ralph edits in the main working tree, absolute. */
  constructor(
    private readonly facts: RepoFacts,
    private readonly bookkeeping: readonly string[],
    private readonly hooks: MergeTestHooks,
  ) {
    this.repoDir = facts.repoDir;
  }

  async commitWork(worktree: TaskWorktree, message: string): Promise<string> {
    const folder = worktree.path;
    await git(folder, ['add', '--all']);
    // Copies of the user's untracked files (`.env`) must never reach a commit.
    const included = await this.facts.includedIn(folder);
    const added = (await git(folder, ['diff', '--cached', '--name-only', '--diff-filter=A', '-z'])).stdout.split('\0').filter(Boolean);
    const unstage = added.filter((p) => included.has(p) || isAtomicTempFile(path.posix.basename(p)));
    if (unstage.length > 0) {
      await git(folder, ['rm', '--cached', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: unstage.join('\0') });
    }
    const staged = await git(folder, ['diff', '--cached', '--quiet'], { ok: [0, 1] });
    // Hooks are the user's check on their own commits; a task's Verify is its check.
    if (staged.code === 1) await git(folder, ['commit', '--quiet', '--no-verify', '-F', '-'], { input: message });
    return gitText(folder, ['rev-parse', 'HEAD']);
  }

  async merge(commit: string, message: string, hooks: MergeHooks): Promise<WorktreeMerge> {
    const repo = this.repoDir;
    const own = await this.bookkeepingInRepo();
    for (let round = 0; round < 5; round++) {
      const ref = (await git(repo, ['symbolic-ref', '--quiet', 'HEAD'], { ok: [0, 1] })).stdout.trim() || 'HEAD';
      const ours = await this.facts.head();
      const computed = await git(repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', ours, commit], { ok: [0, 1] });
      const [tree = '', ...rest] = computed.stdout.split('\n');
      if (computed.code === 1) {
        const files = unique(rest.filter((l) => l.length > 0));
        return { kind: 'conflict', files, reason: `merge conflict in ${listFiles(files)}` };
      }
      const diff = (await git(repo, ['diff-tree', '-r', '--name-status', '--no-renames', '-z', ours, tree])).stdout.split('\0');
      const changed: string[] = [];
      const added = new Set<string>();
      for (let i = 0; i + 1 < diff.length; i += 2) {
        const p = diff[i + 1] ?? '';
        changed.push(p);
        if (diff[i] === 'A') added.add(p);
      }
      const ownChanged = changed.filter((p) => own.includes(p));
      if (ownChanged.length > 0) {
        return { kind: 'conflict', files: ownChanged, reason: `the task changed ${listFiles(ownChanged)}, which Ralph keeps up to date in the main working tree` };
      }
      const inTheWay = await this.userChangesIn(changed, added);
      if (inTheWay.length > 0) {
        return {
          kind: 'conflict',
          files: inTheWay,
          reason: `the main working tree has uncommitted changes in ${listFiles(inTheWay)}, which the merge would change`,
        };
      }
      await hooks.beforeCommit?.();
      const overlay = await this.committable(own.filter((p) => !hooks.exclude.has(p)));
      const finalTree = overlay.length > 0 ? await this.withWorkingCopies(tree, overlay) : tree;
      if (hooks.accept && overlay.length > 0) {
        const committed = new Map<string, string>();
        for (const [i, rel] of own.entries()) {
          const file = this.bookkeeping[i];
          if (file === undefined || !overlay.includes(rel)) continue;
          const blob = await git(repo, ['cat-file', 'blob', `${finalTree}:${rel}`], { ok: [0, 128] });
          if (blob.code === 0) committed.set(file, blob.stdout);
        }
        if (!hooks.accept(committed)) {
          // The check-off went missing from the working copy (an editor saved over it): again.
          await new Promise((resolve) => setTimeout(resolve, 20 * (round + 1)));
          continue;
        }
      }
      if (finalTree === (await gitText(repo, ['rev-parse', `${ours}^{tree}`]))) return { kind: 'unchanged' };
      const next = await gitText(repo, ['commit-tree', finalTree, '-p', ours, '-F', '-'], { input: message });
      await hooks.beforeMove?.({ ref, from: ours, to: next });
      // From moving the branch to the index following it, git's own lock on the index is held,
      // as git commands hold it: a `git commit` of the user's in that window would otherwise be
      // made from an index that does not hold the merge yet, and undo the task's work.
      const step = await this.withIndexLocked(async (env) => {
        // The index must already hold what the new commit holds for these, or read-tree would see
        // them as local changes in the way.
        await this.hooks.beforeStage?.();
        const present = await existing(repo, overlay);
        if (present.length > 0) await git(repo, ['add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input: present.join('\0') });
        const moved = await git(repo, ['update-ref', '-m', `ralph: merge ${commit.slice(0, 12)}`, ref, next, ours], { ok: [0, 1, 128] });
        // The user committed meanwhile: merge again onto the new tip.
        if (moved.code !== 0) return { result: 'again' as const, commit: false };
        try {
          await this.hooks.afterMove?.();
          await git(repo, ['read-tree', '-m', '-u', ours, next], { env });
          return { result: 'merged' as const, commit: true };
        } catch (error) {
          // A file changed under us between the check and now: put the branch back as it was.
          await git(repo, ['update-ref', ref, ours, next], { ok: [0, 1, 128] });
          return { result: error, commit: false };
        }
      });
      if (step === 'again') continue;
      if (step !== 'merged') {
        const detail = step instanceof GitCommandError ? step.stderr.trim() : String(step);
        const inTheWay = entriesInTheWay(detail);
        if (inTheWay.length > 0 && inTheWay.every((p) => own.includes(p))) {
          // The user saved tasks.md (or .progress.md) just now: merge again from their text.
          await new Promise((resolve) => setTimeout(resolve, 20 * (round + 1)));
          continue;
        }
        return { kind: 'conflict', files: inTheWay, reason: `the main working tree changed during the merge: ${detail}` };
      }
      return { kind: 'merged', commit: next, files: changed };
    }
    throw new Error('the branch or tasks.md kept changing while Ralph merged into it; try again');
  }

  /**
   * Runs `work` holding the main working tree's `index.lock`, taken the way git takes it (created
   * exclusively; one a killed git left is recovered, one a running git holds is waited for). The
   * work gets the environment of a private copy of the index; when it says so, that copy becomes
   * the index, through the lock file, as git itself replaces it.
   */
  private async withIndexLocked<T>(work: (env: Record<string, string>) => Promise<{ result: T; commit: boolean }>): Promise<T> {
    const index = path.resolve(this.repoDir, await gitText(this.repoDir, ['rev-parse', '--git-path', 'index']));
    const lock = `${index}.lock`;
    await withStaleLockRecovery(
      this.repoDir,
      async () => {
        try {
          await fs.writeFile(lock, ralphLockContent(), { flag: 'wx' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`Unable to create '${lock}': File exists.`);
          throw error;
        }
      },
      (e) => (e instanceof Error ? e.message : String(e)),
    );
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ralph-index-'));
    const temp = path.join(dir, 'index');
    let replaced = false;
    try {
      if (await exists(index)) await fs.copyFile(index, temp);
      const { result, commit } = await work({ GIT_INDEX_FILE: temp });
      if (commit) {
        await fs.copyFile(temp, lock);
        await fs.rename(lock, index);
        replaced = true;
      }
      return result;
    } finally {
      if (!replaced) await fs.rm(lock, { force: true });
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Ralph's own files, repository-relative. The spec path may have come through a symlink
   *  (macOS's /var, a linked home folder) while git reports real paths: compare real paths. */
  private async bookkeepingInRepo(): Promise<string[]> {
    const real = async (p: string) => path.join(await fs.realpath(path.dirname(p)).catch(() => path.dirname(p)), path.basename(p));
    const repo = await fs.realpath(this.repoDir).catch(() => this.repoDir);
    return Promise.all(this.bookkeeping.map(async (p) => toPosix(path.relative(repo, await real(p)))));
  }

  async finishMerge(journal: MergeJournal): Promise<boolean> {
    const repo = this.repoDir;
    const now = (await git(repo, ['rev-parse', '--verify', '--quiet', journal.ref], { ok: [0, 1] })).stdout.trim();
    if (now === journal.to) {
      // The branch moved; the working tree may not have followed, or only partly (files written,
      // index not yet): files that already hold the new content count as up to date.
      await this.indexFilesAlreadyAt(journal.from, journal.to);
      await git(repo, ['read-tree', '-m', '-u', journal.from, journal.to]);
      return true;
    }
    if (now === journal.from || now === '') return false;
    const contained = await git(repo, ['merge-base', '--is-ancestor', journal.to, now], { ok: [0, 1] });
    return contained.code === 0;
  }

  /** Before read-tree finishes a merge after a kill: the index entries of the files the merge
   *  changes are set for the working copies as they are now. A file already written with the new
   *  content is staged as it is; one changed since the merge began (the user's editor saved
   *  tasks.md after the kill) gets the merge's content in the index and keeps the user's text on
   *  disk, or read-tree would refuse it as not up to date and leave the index behind the branch:
   *  the merged files would show as deleted and untracked. */
  private async indexFilesAlreadyAt(from: string, to: string): Promise<void> {
    const raw = (await git(this.repoDir, ['diff-tree', '-r', '--no-renames', '-z', from, to])).stdout.split('\0');
    const upToDate: string[] = [];
    const mergedOnly: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const [, mode = '', before = '', blob = ''] = (raw[i] ?? '').split(' ');
      const p = raw[i + 1] ?? '';
      if (!(await exists(path.join(this.repoDir, p)))) continue;
      const onDisk = (await git(this.repoDir, ['hash-object', '--', p], { ok: [0, 128] })).stdout.trim();
      if (onDisk === blob) upToDate.push(p);
      else if (onDisk !== before) mergedOnly.push(`${/^0+$/.test(blob) ? '0' : mode} ${blob}\t${p}`);
    }
    if (upToDate.length > 0) await git(this.repoDir, ['update-index', '--add', '-z', '--stdin'], { input: upToDate.join('\0') });
    if (mergedOnly.length > 0) await git(this.repoDir, ['update-index', '-z', '--index-info'], { input: mergedOnly.join('\0') + '\0' });
  }

  /** Changed paths the user has uncommitted changes in, or an untracked or ignored file where
   *  the merge would add one. */
  private async userChangesIn(changed: readonly string[], added: ReadonlySet<string>): Promise<string[]> {
    if (changed.length === 0) return [];
    const dirty = new Set<string>();
    const status = (await git(this.repoDir, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout.split('\0');
    for (let i = 0; i < status.length; i++) {
      const field = status[i] ?? '';
      if (field.length < 4) continue;
      dirty.add(field.slice(3));
      if (/[RC]/.test(field.slice(0, 2))) dirty.add(status[++i] ?? '');
    }
    const inTheWay: string[] = [];
    for (const p of changed) {
      if (dirty.has(p) || (added.has(p) && (await exists(path.join(this.repoDir, p))))) inTheWay.push(p);
    }
    return inTheWay;
  }

  /** Paths inside the repository that git does not ignore. */
  private async committable(paths: readonly string[]): Promise<string[]> {
    const inside = paths.filter((p) => p !== '' && !p.startsWith('../') && !path.isAbsolute(p));
    if (inside.length === 0) return [];
    const ignored = (await git(this.repoDir, ['check-ignore', '-z', '--stdin'], { input: inside.join('\0'), ok: [0, 1] })).stdout.split('\0');
    return inside.filter((p) => !ignored.includes(p));
  }

  /** `tree` with the working-tree content of `paths` (deleted ones removed), via a temporary
   *  index so the user's index is not touched. */
  private async withWorkingCopies(tree: string, paths: readonly string[]): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ralph-index-'));
    const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
    try {
      await git(this.repoDir, ['read-tree', tree], { env });
      const present = await existing(this.repoDir, paths);
      const gone = paths.filter((p) => !present.includes(p));
      if (present.length > 0) await git(this.repoDir, ['add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input: present.join('\0') });
      if (gone.length > 0) await git(this.repoDir, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: gone.join('\0') });
      return await gitText(this.repoDir, ['write-tree'], { env });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** The paths `git read-tree -m -u` names as being in its way ("Entry 'x' not uptodate. Cannot
 *  merge.", "Entry 'x' would be overwritten by merge. Cannot merge."). */
function entriesInTheWay(stderr: string): string[] {
  return unique([...stderr.matchAll(/Entry '(.+?)' (?:not uptodate|would be overwritten by merge)/g)].map((m) => m[1] ?? ''));
}
