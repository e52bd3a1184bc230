import assert from 'node:assert/strict';
import { RunBoard } from '../../src/core/board';
import { statusFromTaskResult } from '../../src/core/status';
import { runPlan, CancellationSource, StoppableExecutor } from '../../src/core/run';
import type { RalphState, RunOptions } from '../../src/core/ports';
import { flush, plan, rig } from './fakes';

const OPTIONS: RunOptions = { maxConcurrent: 3, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 2 };

describe('RunBoard: what every view shows of a run', () => {
  it('follows a real run event by event: queued, running, retrying, failed, blocked, succeeded', async () => {
    const r = rig();
    const p = plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['2'] } });
    const board = new RunBoard();
    const cancel = new CancellationSource();
    const done = runPlan(p, r.ports, OPTIONS, cancel.token, (e) => {
      r.events.push(e);
      board.apply(e);
    });
    await flush();
    assert.equal(board.running, true);
    assert.equal(board.entry('1').status, 'running');
    assert.equal(board.entry('2').status, 'running');
    assert.equal(board.entry('3').status, 'queued', JSON.stringify(board.snapshot()));
    r.executor.resolve('1');
    r.executor.resolve('2', { outcome: 'failed', reason: 'exit code 1' });
    await flush();
    await flush();
    assert.equal(board.entry('1').status, 'succeeded');
    // Its second attempt has started: running again, attempt 2.
    assert.deepEqual([board.entry('2').status, board.entry('2').attempt], ['running', 2], JSON.stringify(board.entry('2')));
    r.executor.resolve('2', { outcome: 'failed', reason: 'exit code 2' });
    const summary = await done;
    assert.equal(summary.failed, 1);
    assert.equal(board.entry('2').status, 'failed');
    assert.equal(board.entry('2').reason, 'exit code 2');
    assert.equal(board.entry('3').status, 'blocked');
    assert.match(board.entry('3').reason ?? '', /blocked by 2/);
    assert.deepEqual(board.failedIds(), ['2']);
    const c = board.counts();
    assert.deepEqual([c.inRun, c.finished, c.succeeded, c.failed, c.blocked, c.running], [3, 3, 1, 1, 1, 0]);
    assert.equal(board.running, false);
  });

  it('reads the last run from the state file: a task left running by a kill shows as interrupted', () => {
    const state: RalphState = {
      taskIndex: 1,
      totalTasks: 3,
      ralph: {
        version: 1,
        runId: 'r',
        startedAt: '',
        updatedAt: '',
        status: 'running',
        tasks: {
          '1': { id: '1', status: 'success', attempts: 1, durationMs: 1200 },
          '2': { id: '2', status: 'running', attempts: 1 },
          '3': { id: '3', status: 'failed', attempts: 2, reason: 'verify failed' },
          '4': { id: '4', status: 'pending', attempts: 0 },
        },
      },
    };
    const board = RunBoard.fromState(state);
    assert.equal(board.entry('1').status, 'succeeded');
    assert.equal(board.entry('1').durationMs, 1200);
    assert.equal(board.entry('2').status, 'cancelled');
    assert.match(board.entry('2').reason ?? '', /interrupted/);
    assert.equal(board.entry('3').status, 'failed');
    assert.deepEqual(board.failedIds(), ['3']);
    const c = board.counts();
    assert.deepEqual([c.inRun, c.succeeded, c.failed, c.cancelled], [3, 1, 1, 1], 'the status bar reads 1/3, never 1/0');
    // Nothing recorded: the file decides (checked off or not).
    const spec = plan({ tasks: ['4', '5'], task: { '5': { done: true } } }).spec;
    assert.equal(board.entry('4', spec).status, 'pending');
    assert.equal(board.entry('5', spec).status, 'done');
  });

  it('a new run carries the last results over, but nothing stays running', () => {
    const before = new RunBoard();
    before.apply({ type: 'runStarted', runId: 'a', taskIds: ['1', '2'], resumed: false, at: 0 });
    before.apply({ type: 'taskStarted', taskId: '1', attempt: 1, at: 0 });
    before.apply({ type: 'taskFinished', taskId: '2', status: 'failed', attempt: 1, durationMs: 5, reason: 'x', at: 0 });
    const after = RunBoard.carryOver(before);
    assert.equal(after.entry('1').status, 'cancelled');
    assert.equal(after.entry('2').status, 'failed');
    assert.equal(after.running, false);
  });
});

describe('StoppableExecutor: stopping one task while the run goes on', () => {
  it('cancels that task only; its dependents are blocked, the others finish', async () => {
    const r = rig();
    const stoppable = new StoppableExecutor(r.executor);
    const p = plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['1'] } });
    const cancel = new CancellationSource();
    const done = runPlan(p, { ...r.ports, executor: stoppable }, OPTIONS, cancel.token, (e) => r.events.push(e));
    await flush();
    assert.deepEqual(stoppable.runningIds.sort(), ['1', '2']);
    assert.equal(stoppable.stop('1'), true);
    assert.equal(stoppable.stop('nope'), false);
    await flush();
    r.executor.resolve('2');
    const summary = await done;
    assert.deepEqual([summary.succeeded, summary.cancelled, summary.blocked], [1, 1, 1], r.eventLog().join('\n'));
    const finished1 = r.events.find((e) => e.type === 'taskFinished' && e.taskId === '1');
    assert.ok(finished1 && finished1.type === 'taskFinished' && finished1.reason === 'stopped by the user', JSON.stringify(finished1));
    // A stopped task is not retried, even with tries left.
    assert.equal(r.executor.calls.filter((c) => c.request.task.id === '1').length, 1);
  });
});

describe('StoppableExecutor: a stop that comes while the task is still being set up', () => {
  it('stops the agent the moment it starts, and only that attempt', async () => {
    const r = rig();
    const stoppable = new StoppableExecutor(r.executor);
    assert.equal(stoppable.stop('1'), false, 'nothing running, not starting: nothing to stop');
    assert.equal(stoppable.stop('1', true), true);
    const p = plan({ tasks: ['1'] });
    const summary = await runPlan(p, { ...r.ports, executor: stoppable }, OPTIONS, new CancellationSource().token, (e) => r.events.push(e));
    assert.equal(summary.cancelled, 1, r.eventLog().join('\n'));
  });
});

describe('RunBoard: the one place events become statuses', () => {
  it('maps run events to entries, as the DAG page is sent them, and state results to statuses', () => {
    const board = new RunBoard();
    const at = 0;
    const seen = [
      { type: 'taskQueued', taskId: '1', at },
      { type: 'taskStarted', taskId: '1', attempt: 2, at },
      { type: 'taskFinished', taskId: '1', status: 'failed', reason: 'exit 1', attempt: 2, durationMs: 5, willRetry: true, at },
      { type: 'taskFinished', taskId: '1', status: 'succeeded', attempt: 3, durationMs: 7, at },
      { type: 'taskOutput', taskId: '1', chunk: 'x', at },
    ].map((e) => board.updatesFor(board.apply(e as Parameters<RunBoard['apply']>[0])));
    assert.deepEqual(
      seen,
      [
        [{ taskId: '1', status: 'queued' }],
        [{ taskId: '1', status: 'running', attempt: 2 }],
        [{ taskId: '1', status: 'retrying', attempt: 2, durationMs: 5, reason: 'exit 1' }],
        [{ taskId: '1', status: 'succeeded', attempt: 3, durationMs: 7 }],
        [],
      ],
      JSON.stringify(seen),
    );
    assert.deepEqual(
      (['pending', 'running', 'success', 'failed', 'blocked', 'skipped'] as const).map(statusFromTaskResult),
      ['pending', 'running', 'succeeded', 'failed', 'blocked', 'skipped'],
    );
  });
});

describe('RunBoard: durations', () => {
  it('a finished task shows at least the time it was seen running', () => {
    const board = new RunBoard();
    board.apply({ type: 'taskStarted', taskId: '1', attempt: 1, at: 1000 });
    // The engine's duration leaves out the wait to merge: 2.0 s of 2.6 s.
    board.apply({ type: 'taskFinished', taskId: '1', status: 'succeeded', attempt: 1, durationMs: 2000, at: 3600 });
    assert.equal(board.entry('1').durationMs, 2600);
    board.apply({ type: 'taskStarted', taskId: '2', attempt: 1, at: 0 });
    board.apply({ type: 'taskFinished', taskId: '2', status: 'failed', attempt: 1, durationMs: 500, at: 400 });
    assert.equal(board.entry('2').durationMs, 500, 'never less than the engine says');
  });
});

describe('RunBoard: tokens, cost and logs', () => {
  const usage = (costUsd: number) => ({ inputTokens: 100, outputTokens: 10, cachedInputTokens: 0, costUsd });

  it("sums a task's attempts, keeps the last log, totals the board, and gives the DAG page the same text", () => {
    const board = new RunBoard();
    board.apply({ type: 'runStarted', runId: 'r', taskIds: ['1', '2'], resumed: false, at: 0 });
    board.apply({ type: 'taskStarted', taskId: '1', attempt: 1, at: 1 });
    board.apply({ type: 'taskFinished', taskId: '1', status: 'failed', attempt: 1, durationMs: 5, willRetry: true, usage: usage(0.01), logFile: '/l/1.1.log', at: 6 });
    board.apply({ type: 'taskStarted', taskId: '1', attempt: 2, at: 7 });
    assert.deepEqual(board.entry('1').usage, usage(0.01), 'a retry keeps what the first attempt cost');
    board.apply({ type: 'taskFinished', taskId: '1', status: 'succeeded', attempt: 2, durationMs: 5, usage: usage(0.02), logFile: '/l/1.2.log', at: 12 });
    board.apply({ type: 'taskStarted', taskId: '2', attempt: 1, at: 13 });
    board.apply({ type: 'taskFinished', taskId: '2', status: 'succeeded', attempt: 1, durationMs: 5, usage: { inputTokens: 5, outputTokens: 5, cachedInputTokens: 0 }, at: 18 });
    const one = board.entry('1');
    assert.equal(one.usage?.inputTokens, 200, JSON.stringify(one));
    assert.ok(Math.abs((one.usage?.costUsd ?? 0) - 0.03) < 1e-9, JSON.stringify(one));
    assert.equal(one.logFile, '/l/1.2.log');
    const total = board.totalUsage();
    assert.equal(total?.inputTokens, 205, JSON.stringify(total));
    assert.deepEqual(board.updatesFor(['1']), [
      { taskId: '1', status: 'succeeded', attempt: 2, durationMs: 5, usage: '200 in · 20 out · $0.03' },
    ]);
  });

  it('reads usage and the log file from a state file, ignoring a hand-edited usage that is not one', () => {
    const state: RalphState = {
      taskIndex: 0,
      totalTasks: 2,
      ralph: {
        version: 1, runId: 'r', startedAt: '', updatedAt: '', status: 'finished',
        tasks: {
          '1': { id: '1', status: 'success', attempts: 1, usage: usage(0.5), logFile: '/l/1.1.log' },
          '2': { id: '2', status: 'failed', attempts: 1, reason: 'x', usage: { inputTokens: 'lots' } as never },
        },
      },
    };
    const board = RunBoard.fromState(state);
    assert.equal(board.entry('1').usage?.costUsd, 0.5);
    assert.equal(board.entry('1').logFile, '/l/1.1.log');
    assert.equal(board.entry('2').usage, undefined);
    assert.equal(board.totalUsage()?.costUsd, 0.5);
  });
});
