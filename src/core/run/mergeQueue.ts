// Worktree isolation: merging in task order. A task whose attempt passed waits in `merging` for
// its turn, and is merged into the user's branch as one commit, check-off and progress notes
// included; only a merged task counts as succeeded, so its dependents start from a base that holds
// its work. Also finishes or forgets, after a kill, a merge that was under way.

import type { MergeJournal, RalphTaskRecord, TaskWorktree } from '../ports';
import { isCheckedOffIn } from '../checkOff';
import type { Bookkeeping } from './bookkeeping';
import { singleTaskCommitMessage } from './commits';
import { worktreePortOf, type RunContext } from './context';
import type { TaskEndings } from './endings';
import type { TaskRun, TaskRunState } from './taskRun';

type MergingState = Extract<TaskRunState, { status: 'merging' }>;
import { baseName, messageOf } from './text';
import { commonOf, mergingOf } from './recordFields';

export class MergeQueue {
  /** `excludedPaths`: what is never Ralph's to commit (the user's own changes, Ralph's files). */
  constructor(
    private readonly ctx: RunContext,
    private readonly bookkeeping: Bookkeeping,
    private readonly endings: TaskEndings,
    private readonly excludedPaths: () => ReadonlySet<string>,
  ) {}

  /**
   * Merges the tasks whose turn has come, one at a time. A task's turn comes once no task before
   * it in file order is still running or waiting for a retry: among tasks that ran side by side
   * the merges happen in task order whichever finished first, so the user's branch ends the
   * same either way.
   */
  async mergeReady(): Promise<void> {
    if (!this.ctx.isolated) return;
    while (true) {
      let next: { run: TaskRun; state: MergingState } | undefined;
      for (const run of this.ctx.runs.values()) {
        if (run.state.status === 'merging' && (next === undefined || run.task.index < next.run.task.index)) next = { run, state: run.state };
      }
      if (next === undefined) return;
      const index = next.run.task.index;
      for (const run of this.ctx.runs.values()) {
        const inFlight = run.state.status === 'running' || (run.state.status === 'pending' && run.attempt > 0);
        if (inFlight && run.task.index < index) return;
      }
      await this.mergeTask(next.run, next.state);
    }
  }

  private async mergeTask(run: TaskRun, state: MergingState): Promise<void> {
    const id = run.task.id;
    const port = worktreePortOf(this.ctx.ports);
    const { clock, git } = this.ctx.ports;
    const durationMs = state.passedInMs;
    // The check-off goes into the merge commit, so it is made just before; a merge that then
    // does not happen takes it back: a task is checked only when its work is on the branch. (A
    // tick already there when the merge starts is one a killed run made for this same merge.)
    const fail = async (reason: string): Promise<void> => {
      await this.bookkeeping.unmark(id);
      run.state = { status: 'failed', reason };
      const before = this.ctx.records.get(id);
      this.ctx.records.set(id, { ...(before ? commonOf(before) : {}), id, status: 'failed', attempts: run.attempt, reason });
      this.endings.emitFinished(run, 'failed', durationMs, clock.now());
      if (!this.ctx.token.isCancellationRequested) this.endings.blockDependents(id, 'failed');
      this.ctx.sync();
    };
    const kept = state.worktree
      ? `its work is kept on branch ${state.worktree.branch} (worktree ${state.worktree.path})`
      : 'its work is kept on its branch';
    if (state.workCommit === undefined) {
      await fail(`its work was not committed on its branch, so there is nothing to merge; ${kept}`);
      return;
    }
    let result;
    try {
      const operation = await git.operationInProgress();
      if (operation !== undefined) {
        await fail(`a ${operation} is in progress in the main working tree, so it was not merged; ${kept}`);
        return;
      }
      result = await port.merge(state.workCommit, singleTaskCommitMessage(run.task), {
        exclude: this.excludedPaths(),
        beforeCommit: async () => {
          await this.bookkeeping.markDone(id);
          await this.bookkeeping.mergeProgress([id]);
          await this.bookkeeping.noteCompletions([id]);
        },
        accept: (committed) => {
          const text = committed.get(this.ctx.plan.spec.path) ?? [...committed].find(([file]) => baseName(file) === baseName(this.ctx.plan.spec.path))?.[1];
          return text === undefined || isCheckedOffIn(this.ctx.plan.spec, text, id);
        },
        beforeMove: async (journal: MergeJournal) => {
          this.ctx.records.patch(id, { merging: journal });
          this.ctx.sync();
          await this.ctx.flush();
        },
      });
    } catch (error) {
      await fail(`merging into the current branch failed: ${messageOf(error)}; ${kept}`);
      return;
    }
    if (result.kind === 'conflict') {
      await fail(`${result.reason}; the current branch is as it was, ${kept}`);
      return;
    }
    run.state = { status: 'succeeded' };
    const before = this.ctx.records.get(id);
    const commit = result.kind === 'merged' ? result.commit : undefined;
    this.ctx.records.set(id, {
      ...(before ? commonOf(before) : {}),
      id,
      status: 'success',
      attempts: run.attempt,
      commitHandled: true,
      progressMerged: true,
      ...(commit !== undefined ? { commit } : {}),
    });
    // The merge commit took in tasks.md and .progress.md as they are now.
    this.bookkeeping.dirty = false;
    this.ctx.sync();
    if (commit !== undefined) this.ctx.emit({ type: 'batchCommitted', taskIds: [id], commit, at: clock.now() });
    this.endings.emitFinished(run, 'succeeded', durationMs, clock.now(), false, {
      ...(state.passedUsage !== undefined ? { usage: state.passedUsage } : {}),
      ...(state.passedLogFile !== undefined ? { logFile: state.passedLogFile } : {}),
    });
    if (state.worktree) await this.removeWorktree(id, state.worktree);
  }

  async removeWorktree(id: string, worktree: TaskWorktree): Promise<void> {
    try {
      await worktreePortOf(this.ctx.ports).remove(worktree);
      this.ctx.records.patch(id, { worktree: undefined });
      this.ctx.sync();
    } catch (error) {
      this.ctx.log(`the worktree of ${id} was kept: ${messageOf(error)}`);
    }
  }

  /** After a kill: finish or forget merges that were under way, and remove the worktrees of
   *  tasks that were merged but not yet cleaned up. */
  async recover(rememberAsBefore: (id: string, record: RalphTaskRecord) => void): Promise<void> {
    const port = worktreePortOf(this.ctx.ports);
    for (const [id, record] of this.ctx.records.entries()) {
      let current = record;
      const journal = mergingOf(record);
      if (journal) {
        let moved = false;
        try {
          moved = await port.finishMerge(journal);
        } catch (error) {
          this.ctx.log(`finishing the interrupted merge of ${id} failed: ${messageOf(error)}`);
          moved = true;
        }
        const { merging: _journal, ...rest } = record as Extract<RalphTaskRecord, { status: 'running' }>;
        current = moved ? { ...commonOf(record), status: 'success', commit: journal.to, commitHandled: true, progressMerged: true } : rest;
        this.ctx.records.set(id, current);
        rememberAsBefore(id, current);
      }
      if (current.status === 'success' && current.worktree) await this.removeWorktree(id, current.worktree);
    }
  }
}
