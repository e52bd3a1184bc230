// What the run does with what an agent's attempt says of itself: an agent that cannot work stops
// new tasks from starting (said once), a rate limit waits without spending an attempt, usage is
// summed per task and per run, a budget stops new starts, and a failed Verify says what the
// agent claimed.
import { strict as assert } from 'node:assert';
import type { Plan } from '../../src/core/model';
import type { CancellationToken, RunOptions, RunSummary } from '../../src/core/ports';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, plan, rig, type Rig } from './fakes';

function options(o: Partial<RunOptions> = {}): RunOptions {
  return { maxConcurrent: 2, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 2, ...o };
}

function start(r: Rig, p: Plan, o: Partial<RunOptions> = {}, token: CancellationToken = neverCancelled): Promise<RunSummary> {
  return runPlan(p, r.ports, options(o), token, (e) => r.events.push(e));
}

const show = (x: unknown) => JSON.stringify(x);
const usage = (input: number, output: number, costUsd?: number) => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: 0,
  ...(costUsd !== undefined ? { costUsd } : {}),
});

describe('scheduler: an agent that cannot work', () => {
  it('starts no new task, does not retry, says why once, and lets the running task finish', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3', '4'] }));
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '2'], show(r.executor.order));
    r.executor.resolve('1', { outcome: 'failed', failureKind: 'unavailable', reason: 'Claude Code is not logged in: run `claude /login`' });
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], `no new task may start: ${show(r.executor.order)}`);
    r.executor.resolve('2');
    const summary = await run;
    const halts = r.events.filter((e) => e.type === 'runHalted');
    assert.equal(halts.length, 1, show(halts));
    assert.match(show(halts[0]), /not logged in/);
    assert.equal(summary.failed, 1, show(summary));
    assert.equal(summary.succeeded, 1, show(summary));
    assert.equal(summary.cancelled, 2, show(summary));
    assert.match(summary.haltReason ?? '', /not logged in/, show(summary));
    assert.equal(r.executor.calls.filter((c) => c.request.task.id === '1').length, 1, 'an unavailable agent is not retried');
    const three = r.events.find((e) => e.type === 'taskFinished' && e.taskId === '3');
    assert.match(show(three), /not started: Claude Code is not logged in/);
    assert.equal(r.state.state?.ralph?.haltReason, 'Claude Code is not logged in: run `claude /login`');
    // Tasks that never started are not failed: the next run takes them.
    assert.equal(r.state.state?.ralph?.tasks['3']?.status ?? 'pending', 'pending', show(r.state.state?.ralph?.tasks['3']));
  });
});

describe('scheduler: rate limits', () => {
  it('waits and tries again without spending an attempt, and sums the usage of every try', async () => {
    const r = rig();
    const waits: number[] = [];
    const ports = { ...r.ports, delay: async (ms: number) => void waits.push(ms) };
    const run = runPlan(plan({ tasks: ['1'] }), ports, options({ maxTaskIterations: 1, rateLimitWaitMs: 10 }), neverCancelled, (e) => r.events.push(e));
    await flush();
    r.executor.resolve('1', { outcome: 'failed', failureKind: 'rateLimited', reason: 'rate limited (429)', usage: usage(100, 0) });
    await flush();
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], show(r.executor.order));
    r.executor.resolve('1', { outcome: 'failed', failureKind: 'rateLimited', reason: 'overloaded (529)', usage: usage(100, 0) });
    await flush();
    await flush();
    r.executor.resolve('1', { usage: usage(1000, 50, 0.02) });
    const summary = await run;
    assert.equal(summary.succeeded, 1, show(summary));
    assert.deepEqual(waits, [10, 20], 'the wait doubles');
    const starts = r.events.filter((e) => e.type === 'taskStarted');
    assert.equal(starts.length, 1, `one attempt, three tries: ${show(starts)}`);
    const done = r.events.find((e) => e.type === 'taskFinished' && e.taskId === '1');
    assert.deepEqual(done && done.type === 'taskFinished' ? done.usage : undefined, usage(1200, 50, 0.02));
    assert.deepEqual(r.state.state?.ralph?.tasks['1']?.usage, usage(1200, 50, 0.02));
    const said = r.events.filter((e) => e.type === 'taskOutput').map((e) => (e.type === 'taskOutput' ? e.chunk : '')).join('');
    assert.match(said, /rate limited \(429\) — trying again in 0 ms \(not counted as an attempt\)|trying again in/);
  });

  it('counts the failure once the waits are used up', async () => {
    const r = rig();
    const ports = { ...r.ports, delay: async () => undefined };
    const run = runPlan(plan({ tasks: ['1'] }), ports, options({ maxTaskIterations: 1, rateLimitWaits: 1 }), neverCancelled, (e) => r.events.push(e));
    await flush();
    r.executor.resolve('1', { outcome: 'failed', failureKind: 'rateLimited', reason: 'rate limited (429)' });
    await flush();
    await flush();
    r.executor.resolve('1', { outcome: 'failed', failureKind: 'rateLimited', reason: 'rate limited (429)' });
    const summary = await run;
    assert.equal(summary.failed, 1, show(summary));
    assert.equal(r.state.state?.ralph?.tasks['1']?.reason, 'rate limited (429)');
  });
});

describe('scheduler: usage and budget', () => {
  it('sums usage per task over attempts and per run, and keeps the log file of the last attempt', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2'] }), { maxConcurrent: 1 });
    await flush();
    r.executor.resolve('1', { outcome: 'failed', usage: usage(10, 1, 0.01), logFile: '/logs/1.1.log' });
    await flush();
    r.executor.resolve('1', { usage: usage(20, 2, 0.02), logFile: '/logs/1.2.log' });
    await flush();
    r.executor.resolve('2', { usage: usage(5, 5) });
    const summary = await run;
    const t1 = r.state.state?.ralph?.tasks['1'];
    assert.equal(t1?.usage?.inputTokens, 30, show(t1));
    assert.ok(Math.abs((t1?.usage?.costUsd ?? 0) - 0.03) < 1e-9, show(t1));
    assert.equal(t1?.logFile, '/logs/1.2.log', show(t1));
    assert.equal(summary.usage?.inputTokens, 35, show(summary));
    assert.equal(summary.usage?.outputTokens, 8, show(summary));
    assert.equal(r.state.state?.ralph?.usage?.inputTokens, 35, show(r.state.state?.ralph));
  });

  it('starts no new task once the budget is spent; the running ones finish; the run says why', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3', '4'] }), { maxCostUsd: 0.05 });
    await flush();
    r.executor.resolve('1', { usage: usage(1, 1, 0.06) });
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2', { usage: usage(1, 1, 0.01) });
    const summary = await run;
    assert.equal(summary.succeeded, 2, show(summary));
    assert.equal(summary.cancelled, 2, show(summary));
    assert.match(summary.haltReason ?? '', /budget of \$0\.05 is spent \(\$0\.06 so far\)/, show(summary));
  });

  it('a resumed run counts what the killed run had spent towards the budget', async () => {
    const r = rig({
      taskIndex: 0,
      totalTasks: 2,
      ralph: {
        version: 1,
        runId: 'r1',
        startedAt: new Date(0).toISOString(),
        updatedAt: new Date(0).toISOString(),
        status: 'running',
        tasks: {},
        usage: usage(1, 1, 0.04),
      },
    });
    const run = start(r, plan({ tasks: ['1', '2'] }), { maxCostUsd: 0.05, maxConcurrent: 1 });
    await flush();
    r.executor.resolve('1', { usage: usage(1, 1, 0.02) });
    const summary = await run;
    assert.equal(summary.succeeded, 1, show(summary));
    assert.match(summary.haltReason ?? '', /\$0\.06 so far/, show(summary));
  });
});

describe('scheduler: a failed Verify', () => {
  it('says what the agent said it did', async () => {
    const r = rig();
    r.verifier.exitCodes.set('npm test', 1);
    const run = start(r, plan({ tasks: ['1'], task: { '1': { verify: 'npm test' } } }), { maxTaskIterations: 1 });
    await flush();
    r.executor.resolve('1', { agentResult: { isError: false, summary: 'I wrote src/a.ts\nand all tests pass.' } });
    await run;
    assert.equal(r.state.state?.ralph?.tasks['1']?.reason, 'verify failed: `npm test` exited 1; the agent said: "I wrote src/a.ts and all tests pass."');
  });
});
