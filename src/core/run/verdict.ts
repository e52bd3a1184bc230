// What an attempt's result means. Success is three things at once: the agent exited 0, its own
// structured result does not say error (nor does its last plugin signal say VERIFICATION_FAIL),
// and the task's own Verify command passes. Anything else is a failure with a reason a person
// can act on, and the tail of the output a retry's prompt shows.

import type { Task } from '../model';
import type { AgentUsage, CancellationToken, ExecutorResult, TaskWorktree, Verifier } from '../ports';
import { verifyCommandOf } from './prompt';
import { lastPluginSignal } from './signals';
import { formatDuration } from '../duration';
import { messageOf, oneLine } from './text';

export interface AttemptOutcome {
  readonly id: string;
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  readonly reason?: string;
  /** The reason plus the tail of the output: what a retry's prompt shows. */
  readonly detail?: string;
  /** Worktree isolation: the branch tip holding the work of an attempt that passed. */
  readonly workCommit?: string;
  /** Worktree isolation: where the attempt worked. */
  readonly worktree?: TaskWorktree;
  /** The agent cannot work at all: no task should start after this one. */
  readonly unavailable?: boolean;
  /** Trying again would fail the same way (the user's changes are in its files): no retry. */
  readonly final?: boolean;
  readonly usage?: AgentUsage;
  readonly logFile?: string;
}

/** How the verdict is reached: the Verify runner, the run's token, limits and id. */
export interface VerdictContext {
  readonly verifier: Verifier;
  readonly token: CancellationToken;
  readonly taskTimeoutMs?: number;
  readonly runId: string;
}

const FAILURE_TAIL_CHARS = 2000;

/** Success is the agent's success and the task's own Verify command (run in `cwd`) passing. */
export async function judgeAttempt(task: Task, result: ExecutorResult, cwd: string, context: VerdictContext): Promise<AttemptOutcome> {
  const id = task.id;
  const { token } = context;
  const withTail = (reason: string, tail: string) =>
    tail.trim().length > 0 ? `${reason}\n\nLast output:\n${tail.slice(-FAILURE_TAIL_CHARS)}` : reason;
  if (result.outcome === 'cancelled' || (token.isCancellationRequested && result.outcome !== 'succeeded')) {
    return { id, status: 'cancelled', reason: result.reason ?? 'cancelled' };
  }
  if (result.outcome === 'timedOut') {
    const limit = context.taskTimeoutMs;
    const reason = result.reason ?? (limit !== undefined ? `timed out after ${formatDuration(limit)}` : 'timed out');
    return { id, status: 'failed', reason, detail: withTail(reason, result.outputTail) };
  }
  if (result.outcome === 'failed') {
    const reason = result.reason ?? (result.exitCode !== null ? `exit code ${result.exitCode}` : `stopped by ${result.signal ?? 'a signal'}`);
    return {
      id,
      status: 'failed',
      reason,
      detail: withTail(reason, result.outputTail),
      ...(result.failureKind === 'unavailable' ? { unavailable: true } : {}),
    };
  }
  if (result.agentResult?.isError) {
    const reason = `agent reported error${result.agentResult.summary ? `: ${result.agentResult.summary}` : ''}`;
    return { id, status: 'failed', reason, detail: withTail(reason, result.outputTail) };
  }
  // The plugin's meaning: VERIFICATION_FAIL is a failed attempt, whatever the exit code says
  // (a pass or TASK_COMPLETE after it, the agent having fixed what failed, is not). A pass
  // still has to pass the task's own Verify.
  const said = lastPluginSignal(result.agentResult?.summary ?? result.outputTail);
  if (said?.signal === 'VERIFICATION_FAIL') {
    const reason = `the agent reported VERIFICATION_FAIL${said.rest ? `: ${oneLine(said.rest, 200)}` : ''}`;
    return { id, status: 'failed', reason, detail: withTail(reason, result.agentResult?.summary ?? result.outputTail) };
  }
  const command = verifyCommandOf(task);
  if (command === undefined) return { id, status: 'succeeded' };
  if (token.isCancellationRequested) return { id, status: 'cancelled', reason: 'cancelled before verify' };
  try {
    // A runner that ran the agent elsewhere (a container) ran Verify there too.
    const verdict = result.verified ?? (await context.verifier.verify(command, cwd, token, context.taskTimeoutMs, { RALPH_RUN_ID: context.runId }));
    if (verdict.ok) return { id, status: 'succeeded' };
    if (token.isCancellationRequested) return { id, status: 'cancelled', reason: 'cancelled during verify' };
    const how = verdict.exitCode !== null ? `exited ${verdict.exitCode}` : 'was stopped';
    // What the agent claimed next to what Verify found is what a person needs to judge it.
    const claimed = result.agentResult?.summary !== undefined ? oneLine(result.agentResult.summary, 200) : undefined;
    const reason = `verify failed: \`${command}\` ${how}${claimed ? `; the agent said: "${claimed}"` : ''}`;
    return { id, status: 'failed', reason, detail: withTail(reason, verdict.output) };
  } catch (error) {
    const reason = `verify failed: \`${command}\` could not run: ${messageOf(error)}`;
    return { id, status: 'failed', reason, detail: reason };
  }
}
