// What an attempt's outcome does to its task. Passed: succeeded (checked off once the state says
// so), or, in a worktree, waiting in `merging` for its turn. Failed: tried again while attempts
// are left (the failure shown in the next prompt), else failed for good and what waits on it
// blocked. An agent that cannot work, or a spent budget, halts the run.

import type { RalphTaskRecord, TaskResultStatus } from '../ports';
import { addUsage } from '../usage';
import type { Bookkeeping } from './bookkeeping';
import type { RunBudget } from './budget';
import type { RunContext } from './context';
import type { TaskEndings } from './endings';
import type { TaskRun } from './taskRun';
import { iso } from './text';
import type { AttemptOutcome } from './verdict';
import { commonOf } from './recordFields';

/** The parts of the engine an outcome acts through. */
export interface RunParts {
  readonly endings: TaskEndings;
  readonly bookkeeping: Bookkeeping;
  readonly budget: RunBudget;
}

export async function finishAttempt(ctx: RunContext, parts: RunParts, outcome: AttemptOutcome): Promise<void> {
  const run = ctx.runs.get(outcome.id);
  if (!run) return;
  const now = ctx.ports.clock.now();
  const durationMs = now - (run.state.status === 'running' ? run.state.startedAt : now);
  const id = run.task.id;
  const before = ctx.records.get(id);
  const taskUsage = addUsage(before?.usage, outcome.usage);
  // What the attempt's record carries over is what every status holds (not the agent, nor a
  // journal of the status it leaves).
  const finished = (status: TaskResultStatus, reason?: string): RalphTaskRecord => ({
    ...(before ? commonOf(before) : {}),
    id,
    status,
    attempts: run.attempt,
    finishedAt: iso(now),
    durationMs,
    ...(reason !== undefined ? { reason } : { reason: undefined }),
    ...(taskUsage !== undefined ? { usage: taskUsage } : {}),
    ...(outcome.logFile !== undefined ? { logFile: outcome.logFile } : {}),
  });
  const attemptInfo = {
    ...(outcome.usage !== undefined ? { usage: outcome.usage } : {}),
    ...(outcome.logFile !== undefined ? { logFile: outcome.logFile } : {}),
  };
  parts.budget.account(outcome.usage);
  if (outcome.unavailable) parts.budget.halt(outcome.reason ?? 'the agent cannot run');

  if (outcome.status === 'succeeded' && ctx.isolated) {
    // Passed, but succeeded only once merged: until then its dependents wait.
    run.state = {
      status: 'merging',
      passedInMs: durationMs,
      ...(outcome.workCommit !== undefined ? { workCommit: outcome.workCommit } : {}),
      ...(outcome.worktree !== undefined ? { worktree: outcome.worktree } : {}),
      ...(outcome.usage !== undefined ? { passedUsage: outcome.usage } : {}),
      ...(outcome.logFile !== undefined ? { passedLogFile: outcome.logFile } : {}),
    };
    ctx.records.set(id, {
      ...finished('running'),
      ...(outcome.workCommit !== undefined ? { workCommit: outcome.workCommit } : {}),
    });
    ctx.sync();
    return;
  }
  if (outcome.status === 'succeeded') {
    run.state = { status: 'succeeded' };
    ctx.records.set(id, finished('success'));
    ctx.sync();
    // The state says success before tasks.md says done: a kill in between must not leave a
    // checked task whose record says it was still running (its work would then be committed
    // under another task's name).
    await ctx.flush();
    await parts.bookkeeping.markDone(id);
    parts.endings.emitFinished(run, 'succeeded', durationMs, now, false, attemptInfo);
    return;
  }
  // An agent that cannot work (not installed, not logged in) fails the same way next time.
  const retry =
    outcome.status === 'failed' &&
    !outcome.unavailable &&
    !outcome.final &&
    run.attempt < ctx.options.maxTaskIterations &&
    !ctx.token.isCancellationRequested;
  if (retry) {
    run.state = { status: 'pending', ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}) };
    run.lastFailure = outcome.detail ?? outcome.reason;
    ctx.records.set(id, { ...finished('pending', outcome.reason), progressMerged: false });
    parts.endings.emitFinished(run, 'failed', durationMs, now, true, attemptInfo);
    ctx.emit({ type: 'taskQueued', taskId: id, at: now });
    ctx.sync();
    return;
  }
  const status = outcome.status === 'failed' ? 'failed' : 'cancelled';
  run.state = { status, ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}) };
  // ralph-specum knows no "cancelled": a cancelled task is simply not done, and runs next time.
  ctx.records.set(id, finished(status === 'failed' ? 'failed' : 'pending', outcome.reason));
  parts.endings.emitFinished(run, status, durationMs, now, false, attemptInfo);
  if (!ctx.token.isCancellationRequested) parts.endings.blockDependents(id, status);
  ctx.sync();
}

/** A container (a parent of sub-tasks) succeeds once its sub-tasks have. */
export async function completeContainer(ctx: RunContext, parts: RunParts, run: TaskRun): Promise<void> {
  const id = run.task.id;
  const now = ctx.ports.clock.now();
  run.state = { status: 'succeeded' };
  const before = ctx.records.get(id);
  // Nothing of its own to merge or commit: its children carry the work.
  ctx.records.set(id, { ...before, id, status: 'success', attempts: 0, finishedAt: iso(now), progressMerged: true, commitHandled: true });
  ctx.sync();
  if (!run.task.done) await parts.bookkeeping.markDone(id);
  parts.endings.emitFinished(run, 'succeeded', 0, now);
}
