// What the repository says about itself and its worktrees: the user's branch tip, whether a
// commit's work is in it already, what a worktree has uncommitted, git's list of worktrees (the
// record of every task's worktree, wherever it is) and which files Ralph copied into one. Read
// only, except the record of copied-in files, which set-up writes and these readings honour.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { exists } from '../git';
import { git, gitText } from '../gitRun';

/** One entry of `git worktree list`. */
export interface WorktreeEntry {
  readonly path: string;
  readonly head?: string;
  readonly branch?: string;
  readonly prunable: boolean;
  /** Still locked by `git worktree add` while it fills the folder: a kill left it half checked out. */
  readonly initializing?: boolean;
}

/** The list of files copied in, kept in the worktree's private git folder (not in its tree). */
const INCLUDED_LIST = 'ralph-included';

/** Written in a worktree's private git folder just before its folder is deleted. `git worktree
 *  remove` deletes the files first and the `.git` file last: a kill in between leaves a worktree
 *  git still lists, on its branch, with files missing, and this mark says those are the removal's
 *  doing, never work. */
const REMOVING_MARK = 'ralph-removing';

export class RepoFacts {
  constructor(readonly repoDir: string) {}

  async head(): Promise<string> {
    try {
      return await gitText(this.repoDir, ['rev-parse', '--verify', 'HEAD^{commit}']);
    } catch {
      throw new Error(`${this.repoDir}: the repository has no commit yet; worktree isolation needs one to branch from`);
    }
  }

  /** Everything `commit` brings is in `into` already: merging it would change nothing. */
  async isMerged(commit: string, into: string): Promise<boolean> {
    if ((await git(this.repoDir, ['merge-base', '--is-ancestor', commit, into], { ok: [0, 1] })).code === 0) return true;
    const computed = await git(this.repoDir, ['merge-tree', '--write-tree', '--no-messages', into, commit], { ok: [0, 1] });
    if (computed.code !== 0) return false;
    return computed.stdout.split('\n')[0] === (await gitText(this.repoDir, ['rev-parse', `${into}^{tree}`]));
  }

  /** Paths with uncommitted changes in a worktree, the files Ralph copied in not counted. */
  async uncommittedIn(folder: string): Promise<string[]> {
    // Half deleted by a removal a kill cut short: nothing in it is anyone's.
    if (await this.beingRemoved(folder)) return [];
    const included = await this.includedIn(folder);
    const status = (await git(folder, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout.split('\0');
    const paths: string[] = [];
    for (let i = 0; i < status.length; i++) {
      const field = status[i] ?? '';
      if (field.length < 4) continue;
      const p = field.slice(3);
      if (/[RC]/.test(field.slice(0, 2))) i++;
      if (!(field.startsWith('??') && included.has(p))) paths.push(p);
    }
    return paths;
  }

  /** The files Ralph copied into a worktree (see recordIncluded). */
  async includedIn(folder: string): Promise<Set<string>> {
    try {
      const privateDir = path.resolve(folder, await gitText(folder, ['rev-parse', '--git-dir']));
      return new Set((await fs.readFile(path.join(privateDir, INCLUDED_LIST), 'utf8')).split('\0').filter(Boolean));
    } catch {
      return new Set();
    }
  }

  /** Records the files Ralph copied into a worktree, in its private git folder. */
  async recordIncluded(folder: string, copied: readonly string[]): Promise<void> {
    const privateDir = path.resolve(folder, await gitText(folder, ['rev-parse', '--git-dir']));
    await fs.writeFile(path.join(privateDir, INCLUDED_LIST), copied.join('\0'));
  }

  /** Marks a worktree as being removed (see REMOVING_MARK), before its files go. */
  async markRemoving(folder: string): Promise<void> {
    const privateDir = await privateDirOf(folder);
    if (privateDir === undefined) return;
    try {
      await fs.writeFile(path.join(privateDir, REMOVING_MARK), '');
    } catch (error) {
      // Its private folder is gone already: git no longer sees a worktree there to work in.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** A removal of this worktree began and was cut short (by a kill): what is missing from it is
   *  the removal's doing. */
  async beingRemoved(folder: string): Promise<boolean> {
    const privateDir = await privateDirOf(folder);
    return privateDir !== undefined && (await exists(path.join(privateDir, REMOVING_MARK)));
  }

  async mergeBase(a: string, b: string): Promise<string> {
    return gitText(this.repoDir, ['merge-base', a, b]).catch(() => a);
  }

  async branchTip(branch: string): Promise<string | undefined> {
    const r = await git(this.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { ok: [0, 1] });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async list(): Promise<WorktreeEntry[]> {
    const fields = (await git(this.repoDir, ['worktree', 'list', '--porcelain', '-z'])).stdout.split('\0');
    const entries: WorktreeEntry[] = [];
    let current: { path: string; head?: string; branch?: string; prunable: boolean; initializing?: boolean } | undefined;
    for (const field of fields) {
      if (field === '') {
        if (current) entries.push(current);
        current = undefined;
      } else if (field.startsWith('worktree ')) {
        current = { path: field.slice('worktree '.length), prunable: false };
      } else if (current && field.startsWith('HEAD ')) {
        current.head = field.slice(5);
      } else if (current && field.startsWith('branch ')) {
        current.branch = field.slice(7);
      } else if (current && field.startsWith('prunable')) {
        current.prunable = true;
      } else if (current && field === 'locked initializing') {
        current.initializing = true;
      }
    }
    if (current) entries.push(current);
    return entries;
  }
}

/** A worktree's private git folder, read from its `.git` file; never found by walking up from a
 *  folder without one, which may lie inside some other repository. */
async function privateDirOf(folder: string): Promise<string | undefined> {
  try {
    const link = /^gitdir: (.+)$/m.exec(await fs.readFile(path.join(folder, '.git'), 'utf8'));
    return link?.[1] === undefined ? undefined : path.resolve(folder, link[1].trim());
  } catch {
    return undefined;
  }
}

/** Up to five file names for a message, and how many more. */
export function listFiles(files: readonly string[]): string {
  if (files.length === 0) return '(no file named)';
  const shown = files.slice(0, 5).join(', ');
  return files.length > 5 ? `${shown} and ${files.length - 5} more` : shown;
}

/** The repository-relative `paths` that exist under `root`. */
export async function existing(root: string, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (await exists(path.join(root, p))) out.push(p);
  return out;
}
