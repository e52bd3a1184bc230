import { strict as assert } from 'node:assert';
import type { Plan } from '../../src/core/model';
import type { CancellationToken, RalphState, RunOptions, RunSummary } from '../../src/core/ports';
import { CancellationSource, neverCancelled, runPlan } from '../../src/core/run';
import { flush, plan, rig, type Rig } from './fakes';
import { commitHandledOf, commitOf } from '../../src/core/run/recordFields';

function options(o: Partial<RunOptions> = {}): RunOptions {
  return { maxConcurrent: 3, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 1, ...o };
}

function start(r: Rig, p: Plan, o: Partial<RunOptions> = {}, token: CancellationToken = neverCancelled): Promise<RunSummary> {
  return runPlan(p, r.ports, options(o), token, (e) => r.events.push(e));
}

const show = (x: unknown) => JSON.stringify(x);

function finished(r: Rig, id: string) {
  return r.events.filter((e) => e.type === 'taskFinished' && e.taskId === id);
}

describe('scheduler: DAG order', () => {
  it('starts a task the moment its dependency succeeds, while an unrelated task still runs', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3', '4'], dependsOn: { '2': ['1'], '4': ['3'] } }), { maxConcurrent: 2 });
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '3'], show(r.executor.order));
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['3', '2'], show(r.executor.order));
    r.executor.resolve('3');
    await flush();
    assert.deepEqual(r.executor.running(), ['2', '4'], show(r.executor.order));
    r.executor.resolve('2');
    r.executor.resolve('4');
    const summary = await run;
    assert.equal(summary.succeeded, 4, show(summary));
    assert.deepEqual(r.tasksFile.done, ['1', '3', '2', '4'], show(r.tasksFile.done));
  });

  it('starts ready tasks in file order and never more than maxConcurrent', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['a', 'b', 'c', 'd', 'e'] }), { maxConcurrent: 2 });
    await flush();
    assert.deepEqual(r.executor.running(), ['a', 'b'], show(r.executor.order));
    r.executor.resolve('b');
    await flush();
    assert.deepEqual(r.executor.running(), ['a', 'c'], show(r.executor.order));
    for (const id of ['a', 'c', 'd', 'e']) {
      await flush();
      r.executor.resolve(id);
    }
    await run;
    assert.equal(r.executor.maxRunning, 2, show(r.executor.order));
  });

  it('never runs the two tasks of a conflict pair at once', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3'], conflicts: [['1', '2']] }));
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '3'], show(r.executor.order));
    r.executor.resolve('3');
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], show(r.executor.order));
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2');
    await run;
  });

  it('runs an exclusive task alone and holds back the tasks after it until it has run', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3', '4'], exclusive: ['3'] }));
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '2'], show(r.executor.order));
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], 'task 4 must not jump ahead of exclusive 3: ' + show(r.executor.order));
    r.executor.resolve('2');
    await flush();
    assert.deepEqual(r.executor.running(), ['3'], show(r.executor.order));
    r.executor.resolve('3');
    await flush();
    assert.deepEqual(r.executor.running(), ['4'], show(r.executor.order));
    r.executor.resolve('4');
    await run;
  });

  it('runs waves one at a time in waves mode', async () => {
    const r = rig();
    // 3 depends only on 1; a DAG run would start it while 2 still runs, a wave run waits.
    const p = plan({ tasks: ['1', '2', '3'], groups: [['1', '2']], dependsOn: { '3': ['1'] } });
    const run = start(r, p, { mode: 'waves' });
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '2'], show(r.executor.order));
    assert.deepEqual(r.state.current.parallelGroup, { startIndex: 0, endIndex: 1, taskIndices: [0, 1], isParallel: true }, show(r.state.current.parallelGroup));
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2');
    await flush();
    assert.deepEqual(r.executor.running(), ['3'], show(r.executor.order));
    // The plugin's schema wants an object or nothing: no batch, no key.
    assert.ok(!('parallelGroup' in r.state.current), show(r.state.current.parallelGroup));
    r.executor.resolve('3');
    await run;
    assert.deepEqual(r.executor.order, ['start 1', 'start 2', 'end 1', 'end 2', 'start 3', 'end 3'], show(r.executor.order));
  });

  it('gives a free slot to the ready task heading the longest chain first, ties in file order', async () => {
    const r = rig();
    // c heads c → d → e; a and b stand alone. One slot: c, then d (a chain of two beats one), then ties in file order.
    const run = start(r, plan({ tasks: ['a', 'b', 'c', 'd', 'e'], dependsOn: { d: ['c'], e: ['d'] } }), { maxConcurrent: 1 });
    for (let i = 0; i < 5; i++) {
      await flush();
      const [running] = r.executor.running();
      if (running) r.executor.resolve(running);
    }
    await run;
    assert.deepEqual(r.executor.order.filter((x) => x.startsWith('start')), ['start c', 'start d', 'start a', 'start b', 'start e'], show(r.executor.order));
  });

  it('runs a manifest level by level in waves mode', async () => {
    const r = rig();
    const base = plan({ tasks: ['A', 'B', 'C', 'D'], dependsOn: { C: ['A'], D: ['B'] } });
    const p: Plan = { ...base, spec: { ...base.spec, format: 'manifest' }, levels: [['A', 'B'], ['C', 'D']] };
    const run = start(r, p, { mode: 'waves' });
    await flush();
    assert.deepEqual(r.executor.running(), ['A', 'B'], show(r.executor.order));
    r.executor.resolve('A');
    await flush();
    assert.deepEqual(r.executor.running(), ['B'], 'C waits for the whole first level: ' + show(r.executor.order));
    r.executor.resolve('B');
    await flush();
    assert.deepEqual(r.executor.running().sort(), ['C', 'D'], show(r.executor.order));
    r.executor.resolve('C');
    r.executor.resolve('D');
    await run;
  });

  it('completes a container when its children have succeeded, without executing it', async () => {
    const r = rig();
    const p = plan({
      tasks: ['1', '2', '2.1', '2.2', '3'],
      containers: ['2'],
      dependsOn: { '2': ['1'], '3': ['2'] },
      task: { '2': { childIds: ['2.1', '2.2'] }, '2.1': { parentId: '2' }, '2.2': { parentId: '2' } },
    });
    const run = start(r, p);
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], 'children wait for what their parent waits for: ' + show(r.executor.order));
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['2.1', '2.2'], show(r.executor.order));
    r.executor.resolve('2.1');
    await flush();
    assert.ok(!r.tasksFile.done.includes('2'), show(r.tasksFile.done));
    r.executor.resolve('2.2');
    await flush();
    assert.deepEqual(r.tasksFile.done, ['1', '2.1', '2.2', '2'], show(r.tasksFile.done));
    assert.deepEqual(r.executor.running(), ['3'], show(r.executor.order));
    r.executor.resolve('3');
    const summary = await run;
    assert.equal(summary.succeeded, 5, show(summary));
    assert.ok(!r.executor.order.includes('start 2'), show(r.executor.order));
  });
});

describe('scheduler: failure', () => {
  it('blocks dependents of a failed task transitively while independent tasks go on', async () => {
    const r = rig();
    const p = plan({ tasks: ['1', '2', '3', '4'], dependsOn: { '2': ['1'], '3': ['2'] } });
    const run = start(r, p, { maxConcurrent: 2 });
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '4'], show(r.executor.order));
    r.executor.resolve('1', { outcome: 'failed', reason: 'exit code 2' });
    await flush();
    assert.deepEqual(r.executor.running(), ['4'], 'the running task finishes: ' + show(r.executor.order));
    r.executor.resolve('4');
    const summary = await run;
    assert.deepEqual(
      { succeeded: summary.succeeded, failed: summary.failed, blocked: summary.blocked },
      { succeeded: 1, failed: 1, blocked: 2 },
      show(summary),
    );
    const reasons = ['2', '3'].map((id) => finished(r, id).map((e) => e.type === 'taskFinished' && `${e.status}: ${e.reason}`));
    assert.deepEqual(reasons, [['blocked: blocked by 1 (failed)'], ['blocked: blocked by 1 (failed)']], show(reasons));
    const records = r.state.current.ralph?.tasks ?? {};
    assert.deepEqual(
      ['1', '2', '3', '4'].map((id) => [records[id]?.status, records[id]?.reason]),
      [['failed', 'exit code 2'], ['blocked', 'blocked by 1 (failed)'], ['blocked', 'blocked by 1 (failed)'], ['success', undefined]],
      show(records),
    );
    assert.deepEqual(r.state.current.taskResults?.['0'], { status: 'failed', error: 'exit code 2' }, show(r.state.current.taskResults));
    assert.deepEqual(r.tasksFile.done, ['4'], show(r.tasksFile.done));
  });

  it('retries a failed task with the failure reason in the next prompt', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1'] }), { maxTaskIterations: 3 });
    await flush();
    r.executor.resolve('1', { outcome: 'failed', reason: 'exit code 2', outputTail: 'TypeError: x is undefined' });
    await flush();
    const prompts = r.executor.promptsOf('1');
    assert.equal(prompts.length, 2, show(r.executor.order));
    assert.ok(!prompts[0]?.includes('exit code 2'), prompts[0]);
    assert.match(prompts[1] ?? '', /Attempt 2[\s\S]*exit code 2[\s\S]*TypeError: x is undefined/, prompts[1]);
    assert.equal(r.executor.calls[1]?.request.attempt, 2, show(r.executor.calls.map((c) => c.request.attempt)));
    r.executor.resolve('1');
    const summary = await run;
    assert.equal(summary.succeeded, 1, show(summary));
    assert.deepEqual(r.eventLog().filter((e) => !e.startsWith('run')), [
      'queued 1', 'started 1#1', 'finished 1 failed (retry)', 'queued 1', 'started 1#2', 'finished 1 succeeded', 'committed 1 c1',
    ].filter((e) => !e.startsWith('committed')), show(r.eventLog()));
    assert.equal(r.state.current.ralph?.tasks['1']?.attempts, 2, show(r.state.current.ralph));
  });

  it('gives up after maxTaskIterations tries', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1'] }), { maxTaskIterations: 2 });
    for (let i = 0; i < 2; i++) {
      await flush();
      r.executor.resolve('1', 'failed');
    }
    const summary = await run;
    assert.equal(summary.failed, 1, show(summary));
    assert.equal(r.executor.calls.length, 2, show(r.executor.order));
    const last = finished(r, '1').at(-1);
    assert.ok(last?.type === 'taskFinished' && last.reason === 'exit code 1' && last.attempt === 2 && !last.willRetry, show(last));
  });

  it('fails a task whose Verify command fails, with the command in the reason', async () => {
    const r = rig();
    r.verifier.exitCodes.set('npm test', 1);
    const run = start(r, plan({ tasks: ['1', '2'], task: { '1': { verify: '`npm test` exits 0' }, '2': { verify: 'true' } } }));
    await flush();
    r.executor.resolve('1');
    r.executor.resolve('2');
    const summary = await run;
    assert.deepEqual(r.verifier.calls.sort(), ['npm test', 'true'], show(r.verifier.calls));
    assert.equal(summary.failed, 1, show(summary));
    const reason = r.state.current.ralph?.tasks['1']?.reason;
    assert.equal(reason, 'verify failed: `npm test` exited 1', show(r.state.current.ralph));
    const event = finished(r, '1')[0];
    assert.ok(event?.type === 'taskFinished' && event.reason === reason, show(event));
    assert.deepEqual(r.tasksFile.done, ['2'], show(r.tasksFile.done));
  });

  it('passes the task timeout to the executor and reports a timed-out task as failed', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1'] }), { taskTimeoutMs: 30_000 });
    await flush();
    assert.equal(r.executor.calls[0]?.request.timeoutMs, 30_000, show(r.executor.calls[0]?.request));
    r.executor.resolve('1', 'timedOut');
    const summary = await run;
    assert.equal(summary.failed, 1, show(summary));
    const event = finished(r, '1')[0];
    assert.ok(event?.type === 'taskFinished' && event.status === 'failed' && event.reason === 'timed out after 30 s', show(event));
  });

  it('cancels: stops starting, cancels running executors, waits, saves, finishes', async () => {
    const r = rig();
    const source = new CancellationSource();
    const run = start(r, plan({ tasks: ['1', '2', '3'] }), { maxConcurrent: 2 }, source.token);
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '2'], show(r.executor.order));
    source.cancel();
    const summary = await run;
    assert.deepEqual(r.executor.order, ['start 1', 'start 2', 'end 1', 'end 2'], show(r.executor.order));
    assert.ok(r.executor.calls.every((c) => c.token.isCancellationRequested), 'executors saw the cancellation');
    assert.equal(summary.cancelled, 3, show(summary));
    assert.equal(r.state.current.ralph?.status, 'cancelled', show(r.state.current.ralph));
    assert.equal(r.events.at(-1)?.type, 'runFinished', show(r.eventLog()));
    assert.deepEqual(r.tasksFile.done, [], show(r.tasksFile.done));
  });

  it('keeps going when an event listener throws', async () => {
    const r = rig();
    let seen = 0;
    const run = runPlan(plan({ tasks: ['1', '2'], dependsOn: { '2': ['1'] } }), r.ports, options(), neverCancelled, () => {
      seen += 1;
      throw new Error('view broke');
    });
    await flush();
    r.executor.resolve('1');
    await flush();
    r.executor.resolve('2');
    const summary = await run;
    assert.equal(summary.succeeded, 2, show(summary));
    assert.ok(seen > 5 && r.logs.some((l) => l.includes('view broke')), show(r.logs));
  });

  it('forwards executor output as taskOutput events', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1'] }));
    await flush();
    r.executor.output('1', 'hello\n');
    r.executor.resolve('1');
    await run;
    const outputs = r.events.filter((e) => e.type === 'taskOutput');
    assert.deepEqual(outputs.map((e) => e.type === 'taskOutput' && [e.taskId, e.chunk]), [['1', 'hello\n']], show(outputs));
  });
});

describe('scheduler: scopes', () => {
  const p = () => plan({ tasks: ['1', '2', '3', '4'], groups: [['2', '3']], dependsOn: { '2': ['1'], '3': ['1'], '4': ['2', '3'] } });

  it('skips tasks already done', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2'], task: { '1': { done: true } }, dependsOn: { '2': ['1'] } }));
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2');
    const summary = await run;
    assert.deepEqual([summary.skipped, summary.succeeded], [1, 1], show(summary));
  });

  it('runs one group and reports members blocked when their dependencies are not done', async () => {
    const r = rig();
    const summary = await start(r, p(), { scope: { kind: 'group', groupIndex: 0 } });
    assert.deepEqual(r.executor.order, [], show(r.executor.order));
    assert.equal(summary.blocked, 2, show(summary));
    const event = finished(r, '2')[0];
    assert.ok(event?.type === 'taskFinished' && event.reason === 'blocked by 1 (not done)', show(event));
  });

  it('runs one group once its dependencies are done', async () => {
    const r = rig();
    const withDone = plan({ tasks: ['1', '2', '3', '4'], groups: [['2', '3']], dependsOn: { '2': ['1'], '3': ['1'], '4': ['2', '3'] }, task: { '1': { done: true } } });
    const run = start(r, withDone, { scope: { kind: 'group', groupIndex: 0 } });
    await flush();
    assert.deepEqual(r.executor.running(), ['2', '3'], show(r.executor.order));
    r.executor.resolve('2');
    r.executor.resolve('3');
    const summary = await run;
    assert.equal(summary.succeeded, 2, show(summary));
    assert.ok(!r.executor.order.includes('start 4'), show(r.executor.order));
  });

  it('runs a group with what it waits for first, when asked to, and nothing after it', async () => {
    const r = rig();
    const chain = plan({ tasks: ['0', '1', '2', '3', '4'], task: { '0': { done: true } }, groups: [['2', '3']], dependsOn: { '1': ['0'], '2': ['1'], '3': ['1'], '4': ['2', '3'] } });
    const run = start(r, chain, { scope: { kind: 'group', groupIndex: 0, withDependencies: true } });
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], show(r.executor.order));
    r.executor.resolve('1');
    await flush();
    await flush();
    assert.deepEqual(r.executor.running(), ['2', '3'], show(r.executor.order));
    r.executor.resolve('2');
    r.executor.resolve('3');
    const summary = await run;
    assert.equal(summary.succeeded, 3, show(summary));
    // Done already: not run again. After the group: not run at all.
    assert.ok(!r.executor.order.includes('start 0') && !r.executor.order.includes('start 4'), show(r.executor.order));
  });

  it('runs one task with its unfinished dependencies, when asked to', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '2': ['1'], '3': ['2'] } }), { scope: { kind: 'task', taskId: '2', withDependencies: true } });
    await flush();
    r.executor.resolve('1');
    await flush();
    await flush();
    r.executor.resolve('2');
    await run;
    assert.deepEqual(r.executor.order, ['start 1', 'end 1', 'start 2', 'end 2'], show(r.executor.order));
  });

  it('runs one task', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2', '3'] }), { scope: { kind: 'task', taskId: '2' } });
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2');
    await run;
    assert.deepEqual(r.executor.order, ['start 2', 'end 2'], show(r.executor.order));
  });

  it('says which task is unknown', async () => {
    const r = rig();
    await assert.rejects(start(r, p(), { scope: { kind: 'task', taskId: '9.9' } }), /no task 9\.9 to run/);
    await assert.rejects(start(r, p(), { scope: { kind: 'group', groupIndex: 4 } }), /no parallel group 4/);
  });

  it('retries failed tasks and the tasks they blocked, nothing else', async () => {
    const r = rig({
      taskIndex: 1,
      totalTasks: 5,
      ralph: {
        version: 1, runId: 'old', startedAt: 'x', updatedAt: 'x', status: 'finished',
        tasks: {
          '1': { id: '1', status: 'success', attempts: 1, commit: 'c0', commitHandled: true, progressMerged: true },
          '2': { id: '2', status: 'failed', attempts: 1, reason: 'exit code 1', progressMerged: true },
          '3': { id: '3', status: 'blocked', attempts: 0, reason: 'blocked by 2 (failed)' },
        },
      },
    });
    const run = start(r, plan({ tasks: ['1', '2', '3', '4', '5'], dependsOn: { '2': ['1'], '3': ['2'] } }), { scope: { kind: 'retryFailed' } });
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2');
    await flush();
    assert.deepEqual(r.executor.running(), ['3'], show(r.executor.order));
    r.executor.resolve('3');
    const summary = await run;
    assert.equal(summary.succeeded, 2, show(summary));
    const started = r.events.find((e) => e.type === 'runStarted');
    assert.ok(started?.type === 'runStarted' && started.taskIds.join() === '2,3' && !started.resumed, show(started));
  });
});

describe('scheduler: progress notes of an attempt', () => {
  it('a resumed attempt starts from a clean note: what the killed attempt wrote is cleared before the agent starts', async () => {
    const r = rig({
      taskIndex: 0,
      totalTasks: 2,
      ralph: {
        version: 1, runId: 'old', startedAt: 'x', updatedAt: 'x', status: 'running',
        tasks: { '1': { id: '1', status: 'running', attempts: 1, progressMerged: false } },
      },
    });
    r.progress.journalDiscards = true;
    const run = start(r, plan({ tasks: ['1', '2'], dependsOn: { '2': ['1'] } }));
    await flush();
    r.executor.resolve('1');
    await flush();
    r.executor.resolve('2');
    await run;
    const notes = r.journal.entries.filter((e) => /^(discard|start) /.test(e));
    assert.deepEqual(notes, ['discard /repo/specs/demo/.progress-task-1.md', 'start 1', 'discard /repo/specs/demo/.progress-task-2.md', 'start 2'], show(r.journal.entries));
  });
});

describe('scheduler: state', () => {
  it('keeps the ralph-specum fields right after each step and preserves unknown fields', async () => {
    const r = rig({ taskIndex: 0, totalTasks: 3, phase: 'execution', customField: { keep: true } } as RalphState);
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['1', '2'] } }));
    await flush();
    let s = r.state.current;
    assert.deepEqual(
      [s.taskIndex, s.totalTasks, s.parallelGroup, s.ralph?.status, s.ralph?.tasks['1']?.status],
      [0, 3, { startIndex: 0, endIndex: 1, taskIndices: [0, 1], isParallel: true }, 'running', 'running'],
      show(s),
    );
    r.git.dirty.push('src/1.ts');
    r.executor.resolve('1');
    await flush();
    s = r.state.current;
    assert.deepEqual([s.taskIndex, 'parallelGroup' in s, s.taskResults], [1, false, { '0': { status: 'success' }, '1': { status: 'pending' }, '2': { status: 'pending' } }], show(s));
    r.executor.resolve('2');
    await flush();
    s = r.state.current;
    assert.deepEqual([s.taskIndex, s.ralph?.tasks['3']?.status], [2, 'running'], show(s));
    r.executor.resolve('3');
    await run;
    s = r.state.current;
    assert.deepEqual(
      [s.taskIndex, 'parallelGroup' in s, s.ralph?.status, s.phase, s['customField'], s.maxTaskIterations],
      [3, false, 'finished', 'execution', { keep: true }, 1],
      show(s),
    );
    const rec = s.ralph?.tasks['1'];
    assert.ok(rec && rec.attempts === 1 && rec.startedAt && rec.finishedAt && rec.progressMerged === true && commitOf(rec) === 'c1', show(rec));
  });

  it('never runs two saves at once and still saves the latest state', async () => {
    const r = rig();
    r.state.gated = true;
    const run = start(r, plan({ tasks: ['1', '2', '3', '4'] }), { maxConcurrent: 4 });
    let done = false;
    void run.then(() => (done = true));
    await flush();
    // The state reaches the disk before the first agent starts.
    for (let i = 0; i < 50 && r.executor.running().length < 4; i++) {
      r.state.release();
      await flush();
    }
    for (const id of ['1', '2', '3', '4']) r.executor.resolve(id);
    while (!done) {
      r.state.release();
      await flush();
    }
    assert.equal(r.state.maxInFlight, 1, `max saves in flight ${r.state.maxInFlight}`);
    assert.ok(r.state.saves.length < 20, `coalesced: ${r.state.saves.length} saves`);
    assert.deepEqual(Object.values(r.state.current.ralph?.tasks ?? {}).map((t) => t.status), ['success', 'success', 'success', 'success'], show(r.state.current));
    assert.equal(r.state.current.ralph?.status, 'finished', show(r.state.current.ralph));
  });

  it('lets a corrupt state file error propagate', async () => {
    const r = rig();
    r.state.loadError = new Error('/repo/specs/demo/.ralph-state.json: not valid JSON at line 3');
    await assert.rejects(start(r, plan({ tasks: ['1'] })), /not valid JSON at line 3/);
    assert.deepEqual(r.executor.order, [], show(r.executor.order));
  });

  it('resumes a killed run: re-runs running tasks, commits finished work first', async () => {
    const r = rig({
      taskIndex: 1,
      totalTasks: 3,
      ralph: {
        version: 1, runId: 'killed-run', startedAt: '2024-01-01T00:00:00.000Z', updatedAt: 'x', status: 'running',
        preexistingDirty: ['notes.txt'],
        tasks: {
          '1': { id: '1', status: 'success', attempts: 1, progressMerged: false },
          '2': { id: '2', status: 'running', attempts: 1 },
        },
      },
    });
    r.git.dirty = ['notes.txt', 'src/one.ts'];
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['2'] } }));
    await flush();
    assert.deepEqual(r.journal.entries, ['markDone 1', 'merge 1', 'commit c1 ralph: 1 — Task 1', 'start 2'], show(r.journal.entries));
    assert.deepEqual(r.git.commits[0]?.exclude, ['notes.txt', 'specs/demo/.progress-task-1.md', 'specs/demo/.progress-task-2.md', 'specs/demo/.progress-task-3.md', 'specs/demo/.ralph-run.lock', 'specs/demo/.ralph-state.json'], show(r.git.commits));
    assert.equal(r.executor.calls[0]?.request.attempt, 1, show(r.executor.calls[0]?.request));
    r.executor.resolve('2');
    await flush();
    r.executor.resolve('3');
    const summary = await run;
    const started = r.events[0];
    assert.ok(started?.type === 'runStarted' && started.resumed && started.runId === 'killed-run', show(started));
    assert.deepEqual([summary.skipped, summary.succeeded], [1, 2], show(summary));
    assert.equal(r.state.current.ralph?.startedAt, '2024-01-01T00:00:00.000Z', show(r.state.current.ralph));
    assert.deepEqual(r.git.dirty, ['notes.txt'], show(r.git.dirty));
  });
});

describe('scheduler: progress and commits', () => {
  it('merges and commits only at quiescent points, with the dirty-before-run paths excluded', async () => {
    const r = rig();
    r.git.dirty = ['notes.txt'];
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['1'] }, task: { '1': { title: 'Add schema' } } }));
    await flush();
    r.git.dirty.push('src/1.ts');
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['2', '3'], show(r.executor.order));
    r.git.dirty.push('src/2.ts');
    r.executor.resolve('2');
    await flush();
    assert.deepEqual([r.git.commits.length, r.progress.merges.length], [0, 0], 'nothing while 3 runs: ' + show(r.journal.entries));
    r.git.dirty.push('src/3.ts');
    r.executor.resolve('3');
    await run;
    assert.deepEqual(r.journal.runningAt(/^(commit|merge)/), [[], []], show(r.journal.entries));
    assert.deepEqual(r.progress.merges, [['1', '2', '3']], show(r.progress.merges));
    const [commit] = r.git.commits;
    assert.equal(r.git.commits.length, 1, show(r.git.commits));
    assert.equal(commit?.message.split('\n')[0], 'ralph: 1, 2, 3 — Add schema; Task 2; Task 3', show(commit));
    assert.deepEqual(commit?.exclude, ['notes.txt', 'specs/demo/.progress-task-1.md', 'specs/demo/.progress-task-2.md', 'specs/demo/.progress-task-3.md', 'specs/demo/.ralph-run.lock', 'specs/demo/.ralph-state.json'], show(commit));
    assert.deepEqual(r.git.dirty, ['notes.txt'], show(r.git.dirty));
    assert.deepEqual(r.state.current.ralph?.preexistingDirty, ['notes.txt'], show(r.state.current.ralph));
    const committed = r.events.find((e) => e.type === 'batchCommitted');
    assert.ok(committed?.type === 'batchCommitted' && committed.taskIds.join() === '1,2,3' && committed.commit === 'c1', show(committed));
    assert.deepEqual(['1', '2', '3'].map((id) => commitOf(r.state.current.ralph?.tasks[id])), ['c1', 'c1', 'c1'], show(r.state.current.ralph));
  });

  it('commits between chained tasks, when the run is idle, before the next one starts', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1', '2'], dependsOn: { '2': ['1'] }, task: { '1': { commit: '`feat(schema): add fields`' } } }));
    await flush();
    r.git.dirty.push('a.ts');
    r.executor.resolve('1');
    await flush();
    r.git.dirty.push('b.ts');
    r.executor.resolve('2');
    await run;
    assert.deepEqual(r.journal.entries, [
      'start 1', 'end 1', 'markDone 1', 'merge 1', 'commit c1 feat(schema): add fields', 'start 2', 'end 2', 'markDone 2', 'merge 2', 'commit c2 ralph: 2 — Task 2',
    ], show(r.journal.entries));
  });

  it('commits one task at a time in task order with the individual strategy', async () => {
    const r = rig();
    const p = plan({
      tasks: ['1', '2', '3'],
      task: { '1': { files: ['src/a/**'], commit: 'feat: a' }, '2': { files: ['src/b.ts'], commit: 'feat: b' }, '3': { files: ['src/c.ts'] } },
    });
    const run = start(r, p, { commit: 'individual' });
    await flush();
    r.git.dirty.push('src/b.ts', 'src/a/x.ts', 'README.md', 'src/c.ts');
    r.executor.resolve('2');
    r.executor.resolve('3');
    r.executor.resolve('1');
    await run;
    const shape = r.git.commits.map((c) => [c.message.split('\n')[0], c.only]);
    assert.deepEqual(shape, [['feat: a', ['src/a/x.ts']], ['feat: b', ['src/b.ts']], ['ralph: 3 — Task 3', undefined]], show(shape));
    assert.deepEqual(r.git.dirty, [], show(r.git.dirty));
    const events = r.eventLog().filter((e) => e.startsWith('committed'));
    assert.deepEqual(events, ['committed 1 c1', 'committed 2 c2', 'committed 3 c3'], show(events));
  });

  it('does not commit with the none strategy, but still merges progress', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1'] }), { commit: 'none' });
    await flush();
    r.git.dirty.push('a.ts');
    r.executor.resolve('1');
    await run;
    assert.deepEqual([r.git.commits.length, r.progress.merges], [0, [['1']]], show(r.journal.entries));
  });

  it('does not commit outside a repository (and says so), nor during a merge, where the task has not succeeded', async () => {
    for (const inMerge of [false, true]) {
      const r = rig();
      if (inMerge) r.git.operation = 'merge';
      else r.git.repository = false;
      const run = start(r, plan({ tasks: ['1'] }));
      await flush();
      r.git.dirty.push('a.ts');
      r.executor.resolve('1');
      const summary = await run;
      assert.deepEqual(r.git.commits, [], show(r.git.commits));
      if (!inMerge) {
        assert.equal(summary.succeeded, 1, show(summary));
        assert.deepEqual(r.tasksFile.done, ['1'], show(r.tasksFile.done));
        assert.ok(r.logs.some((l) => /not a git repository/.test(l)), show(r.logs));
        assert.equal(commitHandledOf(r.state.current.ralph?.tasks['1']), false, show(r.state.current.ralph));
      } else {
        // Its work is in the tree but on no commit: not done, and the next run commits it.
        assert.equal(summary.failed, 1, show(summary));
        assert.deepEqual(r.tasksFile.done, [], show(r.tasksFile.done));
        assert.match(r.state.current.ralph?.tasks['1']?.reason ?? '', /its work could not be committed: a merge is in progress in the working tree/);
        assert.deepEqual(r.state.current.ralph?.leftUncommitted, ['a.ts']);
      }
    }
  });
});
