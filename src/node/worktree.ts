// Worktree isolation: each task of a run works in a git worktree of its own, on a branch of its
// own, and its work is merged into the user's branch when its turn comes. GitWorktrees is the
// one face of it (the WorktreePort the scheduler drives, and what `ralph clean` asks); each
// decision behind it is made in one module under ./worktrees/:
//
// - paths.ts: where worktrees live (a per-user folder, per repository and spec) and what task
//   branches and folders are called;
// - facts.ts: what git says (the branch tip, whether work is merged, what is uncommitted, the
//   list of worktrees);
// - setup.ts: which worktree a task works in, recycling merged tasks' worktrees as spares, and
//   removing them;
// - merge.ts: committing a task's work and merging it into the user's branch without touching
//   the user's uncommitted changes;
// - leftovers.ts: what runs left behind, for `ralph clean`.
//
// Every git call goes through ./gitRun (`git()`).

import * as path from 'node:path';
import type { MergeHooks, MergeJournal, TaskWorktree, WorktreeMerge, WorktreePort } from '../core/ports';
import { RepoFacts } from './worktrees/facts';
import { findLeftovers, type Leftover } from './worktrees/leftovers';
import { type MergeTestHooks, WorktreeMerger } from './worktrees/merge';
import { refSafeName, SpecFolders } from './worktrees/paths';
import { type SetupTestHooks, WorktreeSetup } from './worktrees/setup';

export type { Leftover } from './worktrees/leftovers';
export { REPO_MARKER, refSafeName, repoFolder, repoFolderName, repoWorktreesRoot, WORKTREES_DIR_ENV, worktreesHome } from './worktrees/paths';

export interface WorktreeOptions {
  /** The main working tree's root. */
  readonly repoDir: string;
  /** The spec folder's name: the middle part of every branch and folder name. */
  readonly specName: string;
  /** Globs (repository-relative) of untracked or ignored files copied into each new worktree,
   *  such as `.env`; they are never committed from the worktree. */
  readonly include?: readonly string[];
  /** Files Ralph edits in the main working tree (tasks.md, .progress.md), absolute. */
  readonly bookkeeping?: readonly string[];
  /** Keep merged tasks' worktrees as spares for the next tasks (default true). */
  readonly recycle?: boolean;
  /** Tests: `beforeStage` runs after the merge commit was made from the working copies of
   *  Ralph's files, before they are staged; `afterMove` once the branch moved, before the index
   *  and working tree follow; `beforeRemove` just before git deletes a worktree's folder. */
  readonly hooks?: MergeTestHooks & SetupTestHooks;
  /** Where to say what set-up did that the user should know of (a folder moved aside). */
  readonly log?: (message: string) => void;
}

export class GitWorktrees implements WorktreePort {
  readonly repoDir: string;
  readonly specName: string;
  readonly bookkeeping: readonly string[];
  private readonly facts: RepoFacts;
  private readonly folders: SpecFolders;
  private readonly setup: WorktreeSetup;
  private readonly merger: WorktreeMerger;

  constructor(options: WorktreeOptions) {
    this.repoDir = path.resolve(options.repoDir);
    this.specName = refSafeName(options.specName);
    this.bookkeeping = (options.bookkeeping ?? []).map((p) => path.resolve(p));
    this.facts = new RepoFacts(this.repoDir);
    this.folders = new SpecFolders(this.repoDir, this.specName);
    this.setup = new WorktreeSetup({
      facts: this.facts,
      folders: this.folders,
      include: options.include ?? [],
      recycle: options.recycle ?? true,
      log: options.log ?? (() => undefined),
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    this.merger = new WorktreeMerger(this.facts, this.bookkeeping, options.hooks ?? {});
  }

  /** `ralph/<spec>/` */
  get branchPrefix(): string {
    return this.folders.branchPrefix;
  }

  branchFor(taskId: string): string {
    return this.folders.branchFor(taskId);
  }

  folderFor(taskId: string): Promise<string> {
    return this.folders.folderFor(taskId);
  }

  /** `<worktrees home>/<repo>-<hash>/<spec>` */
  worktreesRoot(): Promise<string> {
    return this.folders.worktreesRoot();
  }

  /** `<worktrees home>/<repo>-<hash>`; the home is read once, on first use. */
  repoFolder(): Promise<string> {
    return this.folders.repoFolder();
  }

  prepare(taskId: string): Promise<TaskWorktree> {
    return this.setup.prepare(taskId);
  }

  commitWork(worktree: TaskWorktree, message: string): Promise<string> {
    return this.merger.commitWork(worktree, message);
  }

  merge(commit: string, message: string, hooks: MergeHooks): Promise<WorktreeMerge> {
    return this.merger.merge(commit, message, hooks);
  }

  finishMerge(journal: MergeJournal): Promise<boolean> {
    return this.merger.finishMerge(journal);
  }

  remove(worktree: TaskWorktree): Promise<void> {
    return this.setup.remove(worktree);
  }

  /** Removes a worktree folder and its branch, whatever they hold. */
  removeUnchecked(folder: string | undefined, branch: string): Promise<void> {
    return this.setup.removeUnchecked(folder, branch);
  }

  /** Removes the spare worktrees: the run is over. */
  close(): Promise<void> {
    return this.setup.close();
  }

  /** The spec's task branches and worktrees still there, with what each holds; spares too. */
  leftovers(): Promise<Leftover[]> {
    return findLeftovers(this.facts, this.folders, () => this.setup.spareList());
  }

  head(): Promise<string> {
    return this.facts.head();
  }

  /** Everything `commit` brings is in `into` already: merging it would change nothing. */
  isMerged(commit: string, into: string): Promise<boolean> {
    return this.facts.isMerged(commit, into);
  }
}
