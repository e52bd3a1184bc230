// The scheduler in a shared working tree (no isolation), where the user's changes and the agents'
// live side by side: what it refuses to start, what happens when a commit fails, and what a
// killed run leaves for the next one.

import { strict as assert } from 'node:assert';
import type { Plan } from '../../src/core/model';
import type { RalphState, RalphTaskRecord, RunOptions, RunSummary } from '../../src/core/ports';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, plan, rig, type Rig } from './fakes';
import { commitHandledOf, commitOf, committingOf } from '../../src/core/run/recordFields';

const show = (x: unknown) => JSON.stringify(x);

function start(r: Rig, p: Plan, o: Partial<RunOptions> = {}): Promise<RunSummary> {
  const options: RunOptions = { maxConcurrent: 3, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 2, isolation: 'none', ...o };
  return runPlan(p, r.ports, options, neverCancelled, (e) => r.events.push(e));
}

function killed(tasks: Record<string, RalphTaskRecord>): RalphState {
  return {
    taskIndex: 0,
    totalTasks: 3,
    ralph: { version: 1, runId: 'killed', startedAt: '2024-01-01T00:00:00.000Z', updatedAt: 'x', status: 'running', tasks },
  };
}

describe('scheduler: shared working tree', () => {
  it('refuses to start a task whose declared files hold the user\'s uncommitted changes, naming them; others run', async () => {
    const r = rig();
    r.git.dirty = ['src/a.ts', 'notes.txt'];
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['1'] }, task: { '1': { files: ['src/a.ts', 'src/b.ts'] }, '2': { files: ['src/c.ts'] } } }));
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], `1 never starts: ${show(r.executor.order)}`);
    r.executor.resolve('2');
    const summary = await run;
    assert.deepEqual([summary.succeeded, summary.failed, summary.blocked], [1, 1, 1], show(summary));
    const one = r.state.current.ralph?.tasks['1'];
    assert.equal(one?.status, 'failed');
    assert.match(one?.reason ?? '', /^not started: src\/a\.ts has uncommitted changes of yours, and this task edits it; commit or stash them/, show(one));
    assert.ok(!r.executor.order.includes('start 1'), 'not retried either');
    assert.deepEqual(r.tasksFile.done, ['2']);
  });

  it('a commit that fails (a pre-commit hook) fails its tasks: unchecked, dependents blocked, the run not a success', async () => {
    const r = rig();
    r.git.failCommit = 'pre-commit hook: lint failed in src/1.ts';
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['1'] } }), { maxConcurrent: 2 });
    await flush();
    r.git.dirty.push('src/1.ts', 'src/2.ts');
    // 2 first, so that 3 (which waits for 1) cannot start before the commit.
    r.executor.resolve('2');
    r.executor.resolve('1');
    const summary = await run;
    assert.deepEqual([summary.succeeded, summary.failed, summary.blocked], [0, 2, 1], show(summary));
    for (const id of ['1', '2']) {
      const record = r.state.current.ralph?.tasks[id];
      assert.equal(record?.status, 'failed', show(record));
      assert.match(record?.reason ?? '', /its work could not be committed: pre-commit hook: lint failed in src\/1\.ts; the changes are left in the working tree/);
    }
    assert.deepEqual(r.tasksFile.done, [], 'check-offs taken back');
    const last = r.events.filter((e) => e.type === 'taskFinished' && e.taskId === '1').pop();
    assert.ok(last?.type === 'taskFinished' && last.status === 'failed', show(last));
    assert.deepEqual(r.state.current.ralph?.leftUncommitted, ['src/1.ts', 'src/2.ts'], 'the next run knows whose they are');
  });

  it('resume: a task a killed run checked off, whose commit now fails, is unchecked, so retry runs it', async () => {
    const r = rig(killed({ '1': { id: '1', status: 'success', attempts: 1, progressMerged: true } }));
    r.tasksFile.done.push('1');
    r.git.dirty = ['src/1.ts'];
    r.git.failCommit = 'cannot lock ref';
    const summary = await start(r, plan({ tasks: ['1'], task: { '1': { done: true, files: ['src/1.ts'] } } }));
    assert.equal(summary.failed, 1, show(summary));
    assert.deepEqual(r.tasksFile.done, [], show(r.journal.entries));

    r.git.failCommit = undefined;
    const retry = start(r, plan({ tasks: ['1'], task: { '1': { files: ['src/1.ts'] } } }), { scope: { kind: 'retryFailed' } });
    await flush();
    assert.deepEqual(r.executor.running(), ['1']);
    r.executor.resolve('1');
    await retry;
    assert.deepEqual(r.git.commits.map((c) => c.message.split('\n')[0]), ['ralph: 1 — Task 1']);
  });

  it('what a run leaves uncommitted is not taken for the user\'s changes by the next run, which commits it', async () => {
    const r = rig({
      taskIndex: 0,
      totalTasks: 1,
      ralph: { version: 1, runId: 'old', startedAt: 'x', updatedAt: 'x', status: 'cancelled', tasks: { '1': { id: '1', status: 'pending', attempts: 1 } }, leftUncommitted: ['src/1.ts'] },
    });
    r.git.dirty = ['src/1.ts', 'notes.txt'];
    const run = start(r, plan({ tasks: ['1'], task: { '1': { files: ['src/1.ts'] } } }));
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], 'not refused: src/1.ts is the earlier run\'s work');
    r.executor.resolve('1');
    await run;
    assert.deepEqual(r.state.current.ralph?.preexistingDirty, ['notes.txt']);
    assert.deepEqual(r.git.dirty, ['notes.txt'], 'src/1.ts committed with task 1');
    assert.equal(r.state.current.ralph?.leftUncommitted, undefined);
  });

  it('resume: a commit made just before the kill is found by its message and not made again', async () => {
    const r = rig(killed({ '1': { id: '1', status: 'success', attempts: 1, progressMerged: true, committing: 'c0' }, '2': { id: '2', status: 'running', attempts: 1 } }));
    r.git.history.push({ hash: 'c0', message: 'initial' }, { hash: 'k1', message: 'ralph: 1 — Task 1\n\nTask 1: Task 1\n' });
    r.git.dirty = ['src/2-half.ts'];
    const run = start(r, plan({ tasks: ['1', '2'], dependsOn: { '2': ['1'] }, task: { '2': { files: ['src/2-half.ts'] } } }));
    await flush();
    assert.equal(r.git.commits.length, 0, `no second commit of 1: ${show(r.journal.entries)}`);
    const one = r.state.current.ralph?.tasks['1'];
    assert.deepEqual([commitOf(one), commitHandledOf(one), committingOf(one)], ['k1', true, undefined], show(one));
    r.executor.resolve('2');
    await run;
    assert.deepEqual(r.git.commits.map((c) => c.message.split('\n')[0]), ['ralph: 2 — Task 2']);
  });

  it('resume: a commit journaled but not made is made, without a killed attempt\'s half work of another task', async () => {
    const r = rig(killed({ '1': { id: '1', status: 'success', attempts: 1, progressMerged: true, committing: 'c0' }, '2': { id: '2', status: 'running', attempts: 1 } }));
    r.git.history.push({ hash: 'c0', message: 'initial' });
    r.git.dirty = ['src/1.ts', 'src/2-half.ts'];
    const run = start(r, plan({ tasks: ['1', '2', '3'], dependsOn: { '3': ['2'] }, task: { '1': { files: ['src/1.ts'] }, '2': { files: ['src/2-half.ts'] } } }));
    await flush();
    assert.equal(r.git.commits.length, 1, show(r.journal.entries));
    assert.ok(r.git.commits[0]?.exclude.includes('src/2-half.ts'), `2's half work stays out of 1's commit: ${show(r.git.commits[0])}`);
    assert.deepEqual(r.git.dirty, ['src/2-half.ts']);
    r.executor.resolve('2');
    await flush();
    r.git.dirty.push('src/3.ts');
    r.executor.resolve('3');
    await run;
    assert.deepEqual(r.git.commits.map((c) => c.message.split('\n')[0]), ['ralph: 1 — Task 1', 'ralph: 2 — Task 2', 'ralph: 3 — Task 3']);
    assert.deepEqual(r.git.dirty, []);
  });

  it('a check-off that fails while tasks.md keeps changing is tried again at the end, and said', async () => {
    const r = rig();
    r.tasksFile.failures.set('1', 1);
    const run = start(r, plan({ tasks: ['1', '2'] }));
    await flush();
    r.executor.resolve('1');
    r.executor.resolve('2');
    await run;
    assert.deepEqual(r.tasksFile.done.sort(), ['1', '2']);
    assert.ok(r.logs.some((l) => /could not check off 1 in tasks\.md yet \(tried again at the end of the run\)/.test(l)), show(r.logs));

    const stuck = rig();
    stuck.tasksFile.failures.set('1', 99);
    const again = start(stuck, plan({ tasks: ['1'] }));
    await flush();
    stuck.executor.resolve('1');
    await again;
    assert.deepEqual(stuck.tasksFile.done, []);
    assert.ok(stuck.logs.some((l) => /could not check off 1 in tasks\.md: .*its work is done — check it off by hand, or the next run will/.test(l)), show(stuck.logs));
  });

  it('a task\'s Verify runs with the run\'s marker in its environment', async () => {
    const r = rig();
    const run = start(r, plan({ tasks: ['1'], task: { '1': { verify: '`npm test`' } } }));
    await flush();
    r.executor.resolve('1');
    await run;
    assert.deepEqual(r.verifier.envs, [{ RALPH_RUN_ID: r.state.current.ralph?.runId }]);
  });

  it('the state says "running" on disk before the first agent starts', async () => {
    const r = rig();
    let seen: string | undefined;
    const runAgent = r.executor.run.bind(r.executor);
    r.executor.run = (request, onOutput, token) => {
      seen ??= r.state.current.ralph?.status;
      return runAgent(request, onOutput, token);
    };
    const run = start(r, plan({ tasks: ['1'] }));
    await flush();
    r.executor.resolve('1');
    await run;
    assert.equal(seen, 'running');
  });
});
