// One attempt of one task, from start to verdict: check the user's changes are not in its way
// (shared tree), set up its worktree (isolation), give the agent a clean progress note and its
// prompt, run it (waiting out rate limits without spending an attempt), collect its notes, judge
// the result, and commit the work on the task's branch when it passed in a worktree.

import type { Task } from '../model';
import type { CancellationToken, ExecutorRequest, ExecutorResult, TaskWorktree } from '../ports';
import { formatDuration } from '../duration';
import { addUsage } from '../usage';
import { relativeTo, singleTaskCommitMessage } from './commits';
import { worktreePortOf, type RunContext, type RunPorts } from './context';
import { buildPrompt, joinPath } from './prompt';
import type { TaskRun } from './taskRun';
import { listPaths, messageOf } from './text';
import { judgeAttempt, type AttemptOutcome } from './verdict';
import { agentOf } from './recordFields';

/** Runs attempt number `attempt` of `run`, already recorded as started. `usersChangesIn`: the
 *  user's uncommitted changes in a task's files (shared tree). Never throws: what goes wrong is
 *  the outcome. */
export async function runAttempt(
  ctx: RunContext,
  run: TaskRun,
  attempt: number,
  runId: string,
  usersChangesIn: (task: Task) => readonly string[],
): Promise<AttemptOutcome> {
  const { clock, progress, executor } = ctx.ports;
  const { token } = ctx;
  const id = run.task.id;
  let result: ExecutorResult;
  let cwd = ctx.ports.cwd;
  let progressFile = progress.pathFor(id);
  /** Worktree isolation: where this attempt works. */
  let worktree: TaskWorktree | undefined;
  const users = ctx.isolated ? [] : usersChangesIn(run.task);
  if (users.length > 0) {
    // In a shared tree the agent would write over them, and its commit would take them along.
    const reason = `not started: ${listPaths(users)} ${users.length === 1 ? 'has' : 'have'} uncommitted changes of yours, and this task edits ${users.length === 1 ? 'it' : 'them'}; commit or stash them, then run again`;
    return { id, status: 'failed', reason, detail: reason, final: true };
  }
  if (ctx.isolated) {
    try {
      worktree = await worktreePortOf(ctx.ports).prepare(id);
      ctx.records.patch(id, { worktree });
      ctx.sync();
      cwd = worktree.path;
      // Agents may write only inside their own workspace: the notes go to the same place in
      // the worktree, and are collected from there (never committed on the task's branch).
      const noteInWorktree = inWorktree(ctx.ports.cwd, worktree, progressFile);
      if (noteInWorktree !== undefined && progress.collect !== undefined) progressFile = noteInWorktree;
    } catch (error) {
      if (token.isCancellationRequested) return { id, status: 'cancelled', reason: 'cancelled' };
      const reason = `could not set up the task's worktree: ${messageOf(error)}`;
      return { id, status: 'failed', reason, detail: reason };
    }
  }
  try {
    // Each attempt starts from a clean note: what a killed or failed attempt wrote is not
    // the work that is kept, and appending to it would merge its notes twice.
    await progress.discard?.(progressFile);
  } catch (error) {
    ctx.log(`could not clear the progress note of ${id} at ${progressFile}: ${messageOf(error)}`);
  }
  try {
    // Sandboxed agents may read only their own workspace: name the spec's documents as the
    // worktree has them (the repository as of the task's start).
    const specDir = (ctx.isolated && worktree ? inWorktree(ctx.ports.cwd, worktree, ctx.ports.specDir) : undefined) ?? ctx.ports.specDir;
    const specFile = ctx.ports.specFile === undefined ? undefined : ((ctx.isolated && worktree ? inWorktree(ctx.ports.cwd, worktree, ctx.ports.specFile) : undefined) ?? ctx.ports.specFile);
    const prompt = buildPrompt(ctx.plan, run.task, {
      specDir,
      ...(specFile !== undefined ? { specFile } : {}),
      progressFile,
      attempt,
      ...(run.lastFailure !== undefined ? { lastFailure: run.lastFailure } : {}),
      ...(worktree !== undefined && ctx.isolated ? { worktree: { path: worktree.path, branch: worktree.branch } } : {}),
    });
    // A progress file outside the agent's workspace (a spec kept outside the repository)
    // must be writable all the same: its folder is named to the agent as an extra one.
    const progressDir = progressFile.replace(/[\\/][^\\/]*$/, '');
    const request: ExecutorRequest = {
      task: run.task,
      attempt,
      prompt,
      specDir: ctx.ports.specDir,
      progressFile,
      cwd,
      writableDirs: relativeTo(cwd, progressDir) === undefined ? [progressDir] : [],
      ...(ctx.options.taskTimeoutMs !== undefined ? { timeoutMs: ctx.options.taskTimeoutMs } : {}),
      runId,
      // On the disk before the agent has done much: a kill from here on leaves what finds it.
      onSpawn: (agent) => {
        ctx.records.patch(id, { agent: { ...agent, runId, attempt } });
        ctx.sync();
        if (agent.runner !== undefined) ctx.emit({ type: 'taskPlaced', taskId: id, attempt, runner: agent.runner, at: clock.now() });
      },
    };
    const output = (chunk: string): void => ctx.emit({ type: 'taskOutput', taskId: id, chunk, at: clock.now() });
    result = await executor.run(request, output, token);
    // Rate limited: wait and go again, without spending one of the task's attempts. The
    // usage of the tries that were turned away still counts.
    let usage = result.usage;
    const waits = ctx.options.rateLimitWaits ?? 6;
    let waitMs = ctx.options.rateLimitWaitMs ?? 15_000;
    for (let n = 0; result.failureKind === 'rateLimited' && n < waits && !token.isCancellationRequested; n++) {
      output(`\n⏸ ${result.reason ?? 'rate limited'} — trying again in ${formatDuration(waitMs)} (not counted as an attempt)\n`);
      await delay(ctx.ports, waitMs, token);
      if (token.isCancellationRequested) break;
      waitMs *= 2;
      result = await executor.run(request, output, token);
      usage = addUsage(usage, result.usage);
    }
    if (usage !== result.usage) result = { ...result, ...(usage !== undefined ? { usage } : {}) };
  } catch (error) {
    const reason = `executor error: ${messageOf(error)}`;
    return token.isCancellationRequested ? { id, status: 'cancelled', reason: 'cancelled' } : { id, status: 'failed', reason, detail: reason };
  } finally {
    // The executor returns once the agent and what it started are gone.
    if (agentOf(ctx.records.get(id)) !== undefined) {
      ctx.records.patch(id, { agent: undefined });
      ctx.sync();
    }
  }
  const accounted = {
    ...(result.usage !== undefined ? { usage: result.usage } : {}),
    ...(result.logFile !== undefined ? { logFile: result.logFile } : {}),
  };
  if (progressFile !== progress.pathFor(id)) {
    try {
      await progress.collect?.(id, progressFile);
    } catch (error) {
      ctx.log(`could not collect the progress notes of ${id} from ${progressFile}: ${messageOf(error)}`);
    }
  }
  const verdictContext = { verifier: ctx.ports.verifier, token, runId, ...(ctx.options.taskTimeoutMs !== undefined ? { taskTimeoutMs: ctx.options.taskTimeoutMs } : {}) };
  const outcome = { ...(await judgeAttempt(run.task, result, cwd, verdictContext)), ...accounted };
  if (outcome.status !== 'succeeded' || !ctx.isolated || !worktree) return outcome;
  try {
    return { ...outcome, worktree, workCommit: await worktreePortOf(ctx.ports).commitWork(worktree, singleTaskCommitMessage(run.task)) };
  } catch (error) {
    const reason = `could not commit the task's work on ${worktree.branch}: ${messageOf(error)}`;
    return { id, status: 'failed', reason, detail: reason, ...accounted };
  }
}

/** Waits `ms`, or less when the token is cancelled: the port's delay, else a timer. */
function delay(ports: RunPorts, ms: number, token: CancellationToken): Promise<void> {
  if (ports.delay) return ports.delay(ms, token);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve();
    }, ms);
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

/** Where `file` (under the repository `cwd`) lies in the task's worktree; undefined outside it. */
function inWorktree(cwd: string, worktree: TaskWorktree, file: string): string | undefined {
  const rel = relativeTo(cwd, file);
  if (rel === undefined || rel === '' || /^[a-zA-Z]:|^\//.test(rel)) return undefined;
  return joinPath(worktree.path, rel);
}
