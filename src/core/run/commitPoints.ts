// Commit points. Without isolation every agent edits the same working tree, so work is committed
// only at quiescent points (no agent running): per task or per batch, each commit taking the files
// its tasks declared, never the user's own changes nor what an unfinished task left. A journal on
// disk before each commit lets a resumed run find a commit a kill interrupted, so none is made
// twice. With worktrees, only Ralph's bookkeeping is committed here; the work comes in by merges.

import type { Task } from '../model';
import type { RalphTaskRecord } from '../ports';
import { STATE_FILE_NAME } from '../state';
import type { Bookkeeping } from './bookkeeping';
import { batchCommitMessage, commitMessageNames, declaredFileMatcher, relativeTo, singleTaskCommitMessage } from './commits';
import { RUN_LOCK_FILE, worktreePortOf, type RunContext } from './context';
import type { TaskEndings } from './endings';
import { joinPath } from './prompt';
import { messageOf, oneLine } from './text';
import { commonOf } from './recordFields';

export class CommitPoints {
  /** What was dirty before the run: the user's own changes, never committed by Ralph. */
  preexistingDirty: readonly string[] = [];
  /** Shared tree, at the end: what the agents changed that no commit took. */
  leftUncommitted: readonly string[] = [];
  private excludeCache: Set<string> | undefined;
  private ralphsFilesCache: Set<string> | undefined;
  private notRepositoryLogged = false;

  /** `isDoneBefore`: the task was done before this run (checked, or recorded a success). */
  constructor(
    private readonly ctx: RunContext,
    private readonly bookkeeping: Bookkeeping,
    private readonly endings: TaskEndings,
    private readonly isDoneBefore: (id: string) => boolean,
  ) {}


  /** `last`: the end of the run, where check-offs and notes that no merge took along (failed
   *  tasks' notes, containers) are committed in worktree mode; until then a merge may. */
  async quiescentPoint(last = false): Promise<void> {
    const toMerge = this.ctx.relations.inFileOrder([...this.ctx.records.needsMerge]);
    if (toMerge.length > 0) {
      await this.bookkeeping.mergeProgress(toMerge);
      if (this.ctx.isolated) this.bookkeeping.dirty = true;
    }
    if (this.ctx.options.commit === 'none') {
      await this.bookkeeping.noteCompletions();
      return;
    }
    const toCommit = this.ctx.relations.inFileOrder([...this.ctx.records.needsCommit]);
    // Only where .progress.md is committed anyway (with the tasks' work, or as the bookkeeping of
    // notes merged here), so the lines go in with the work they list, and adding a hash never
    // costs a commit of its own.
    if (this.ctx.isolated ? toMerge.length > 0 : toCommit.length > 0) await this.bookkeeping.noteCompletions();
    const bookkeeping = this.ctx.isolated && this.bookkeeping.dirty && last;
    if (toCommit.length === 0 && !bookkeeping) return;
    const { git } = this.ctx.ports;
    try {
      if (!(await git.isRepository())) {
        if (!this.notRepositoryLogged) this.ctx.log(`${this.ctx.ports.cwd} is not a git repository: nothing is committed`);
        this.notRepositoryLogged = true;
        return;
      }
      const operation = await git.operationInProgress();
      if (operation !== undefined) {
        if (last && !this.ctx.isolated && toCommit.length > 0) {
          await this.commitFailed(toCommit, `a ${operation} is in progress in the working tree`);
          return;
        }
        this.ctx.log(`a ${operation} is in progress: the commit of ${toCommit.join(', ')} waits for the next quiescent point`);
        return;
      }
      const exclude = this.excludedPaths();
      if (bookkeeping) {
        // Check-offs and notes of tasks that did not merge (failed, containers): only Ralph's
        // own files, since in worktree mode nothing else in the main tree is Ralph's doing.
        this.bookkeeping.dirty = false;
        const only = worktreePortOf(this.ctx.ports).bookkeeping;
        await git.commit('ralph: update tasks.md and progress notes', { exclude, only });
      }
      if (toCommit.length === 0) return;
      const tasks = toCommit.map((id) => this.ctx.relations.byId.get(id)).filter((t): t is Task => t !== undefined);
      const changed = (await git.dirtyPaths()).filter((p) => !exclude.has(p));
      // What an unfinished task changed (a killed attempt's half work) is not these tasks' work.
      const notOurs = this.unfinishedWork(changed, tasks);
      const commitExclude = notOurs.length > 0 ? new Set([...exclude, ...notOurs]) : exclude;
      if (this.ctx.options.commit === 'batch') {
        await this.journalCommit(toCommit);
        const hash = await git.commit(batchCommitMessage(tasks), { exclude: commitExclude });
        this.recordCommit(toCommit, hash);
      } else {
        const claimed = new Set<string>();
        for (const [i, task] of tasks.entries()) {
          const last = i === tasks.length - 1;
          const message = singleTaskCommitMessage(task);
          await this.journalCommit([task.id]);
          if (last) {
            this.recordCommit([task.id], await git.commit(message, { exclude: commitExclude }));
            continue;
          }
          const owns = declaredFileMatcher(task.files);
          const only = changed.filter((p) => !claimed.has(p) && !commitExclude.has(p) && owns(p));
          only.forEach((p) => claimed.add(p));
          this.recordCommit([task.id], only.length > 0 ? await git.commit(message, { exclude: commitExclude, only }) : undefined);
        }
      }
    } catch (error) {
      this.ctx.log(`committing ${toCommit.join(', ')} failed: ${messageOf(error)}`);
      // A task whose work could not be committed has not succeeded (shared tree: in worktree
      // mode only Ralph's bookkeeping is committed here).
      if (!this.ctx.isolated) await this.commitFailed(toCommit.filter((id) => this.ctx.records.needsCommit.has(id)), messageOf(error));
    } finally {
      this.ctx.sync();
    }
  }

  /** Shared tree: before a commit, the tip it goes onto, on disk, so a resume can tell whether it
   *  happened. */
  private async journalCommit(ids: readonly string[]): Promise<void> {
    const head = await this.ctx.ports.git.head?.();
    if (head === undefined) return;
    for (const id of ids) this.ctx.records.patch(id, { committing: head });
    this.ctx.sync();
    await this.ctx.flush();
  }

  /** Shared tree, after a kill: a commit that was being made is found by its message, so it is
   *  never made a second time. */
  async recover(rememberAsBefore: (id: string, record: RalphTaskRecord) => void): Promise<void> {
    const { git } = this.ctx.ports;
    for (const [id, record] of this.ctx.records.entries()) {
      if (record.status !== 'success' || record.committing === undefined) continue;
      let found: { hash: string } | undefined;
      if (record.commit === undefined && record.commitHandled !== true && git.commitsSince) {
        try {
          found = (await git.commitsSince(record.committing)).find((c) => commitMessageNames(c.message, id));
        } catch (error) {
          this.ctx.log(`could not look for the commit of ${id} made before the kill: ${messageOf(error)}`);
        }
      }
      const { committing: _journal, ...rest } = record;
      const current: RalphTaskRecord = found ? { ...rest, commit: found.hash, commitHandled: true } : rest;
      this.ctx.records.set(id, current);
      rememberAsBefore(id, current);
    }
  }

  /** The commit of these tasks' work failed: they have not succeeded; the work stays in the tree. */
  private async commitFailed(ids: readonly string[], why: string): Promise<void> {
    const now = this.ctx.ports.clock.now();
    for (const id of ids) {
      const run = this.ctx.runs.get(id);
      const before = this.ctx.records.get(id);
      if (!run || !before) continue;
      // Checked by this run or by a killed one: either way its work is not on the branch.
      await this.bookkeeping.unmark(id);
      const reason = `its work could not be committed: ${oneLine(why, 300)}; the changes are left in the working tree`;
      run.state = { status: 'failed', reason };
      this.ctx.records.set(id, { ...commonOf(before), status: 'failed', reason });
      this.endings.emitFinished(run, 'failed', before.durationMs ?? 0, now);
      if (!this.ctx.token.isCancellationRequested) this.endings.blockDependents(id, 'failed');
    }
    this.ctx.sync();
  }

  /** Changed paths that belong to a task of the spec that has not succeeded, and to none of
   *  `committing`'s declared files. */
  private unfinishedWork(changed: readonly string[], committing: readonly Task[]): string[] {
    const ours = committing.map((t) => declaredFileMatcher(t.files));
    const theirs = [...this.ctx.relations.byId.values()]
      .filter((t) => !this.ctx.relations.containers.has(t.id) && !committing.includes(t) && t.files.length > 0 && !this.hasSucceeded(t.id))
      .map((t) => declaredFileMatcher(t.files));
    if (theirs.length === 0) return [];
    return changed.filter((p) => theirs.some((owns) => owns(p)) && !ours.some((owns) => owns(p)));
  }

  private hasSucceeded(id: string): boolean {
    const run = this.ctx.runs.get(id);
    if (run) return run.state.status === 'succeeded' || run.state.status === 'skipped';
    return this.isDoneBefore(id);
  }

  /** Shared tree: the user's uncommitted changes (from before the run) in the task's files. */
  usersChangesIn(task: Task): string[] {
    if (task.files.length === 0 || this.preexistingDirty.length === 0) return [];
    const owns = declaredFileMatcher(task.files);
    const ralphs = this.ralphsFiles();
    return this.preexistingDirty.filter((p) => owns(p) && !ralphs.has(p));
  }

  /** Shared tree, at the end: what the agents changed that no commit took, for the next run. */
  async noteUncommitted(): Promise<void> {
    if (this.ctx.isolated || this.ctx.options.commit === 'none') return;
    try {
      if (!(await this.ctx.ports.git.isRepository())) return;
      const exclude = this.excludedPaths();
      this.leftUncommitted = (await this.ctx.ports.git.dirtyPaths()).filter((p) => !exclude.has(p));
    } catch (error) {
      this.ctx.log(`could not list what is left uncommitted: ${messageOf(error)}`);
    }
  }

  private recordCommit(ids: readonly string[], hash: string | undefined): void {
    for (const id of ids) this.ctx.records.patch(id, hash !== undefined ? { commit: hash, commitHandled: true, committing: undefined } : { commitHandled: true, committing: undefined });
    if (hash !== undefined) this.ctx.emit({ type: 'batchCommitted', taskIds: ids, commit: hash, at: this.ctx.ports.clock.now() });
    this.ctx.sync();
  }

  /** Never committed by Ralph: what was dirty before the run, its own state and progress files. */
  excludedPaths(): Set<string> {
    this.excludeCache ??= new Set([...this.preexistingDirty, ...this.ralphsFiles()]);
    return this.excludeCache;
  }

  /** Ralph's own state, lock and per-task progress files, repository-relative. */
  private ralphsFiles(): ReadonlySet<string> {
    if (this.ralphsFilesCache) return this.ralphsFilesCache;
    const files = new Set<string>();
    this.ralphsFilesCache = files;
    const relative = (p: string) => relativeTo(this.ctx.ports.cwd, p);
    const stateFile = relative(joinPath(this.ctx.ports.specDir, STATE_FILE_NAME));
    if (stateFile !== undefined) files.add(stateFile);
    const lockFile = relative(joinPath(this.ctx.ports.specDir, RUN_LOCK_FILE));
    if (lockFile !== undefined) files.add(lockFile);
    for (const id of this.ctx.relations.byId.keys()) {
      const progressFile = relative(this.ctx.ports.progress.pathFor(id));
      if (progressFile !== undefined) files.add(progressFile);
    }
    return files;
  }
}
