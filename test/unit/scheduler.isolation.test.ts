// The scheduler with worktree isolation, on in-memory ports: merge order, "succeeded means
// merged", conflicts, retries and resume. The real git side is in worktree*.test.ts.

import { strict as assert } from 'node:assert';
import type { Plan } from '../../src/core/model';
import type {
  MergeHooks,
  MergeJournal,
  RalphState,
  RunOptions,
  RunSummary,
  TaskWorktree,
  WorktreeMerge,
  WorktreePort,
} from '../../src/core/ports';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, plan, rig, type Journal, type Rig } from './fakes';
import { commitOf, mergingOf } from '../../src/core/run/recordFields';

const show = (x: unknown) => JSON.stringify(x);

/** Worktrees in memory: journals every call; a merge conflicts for the ids told to. */
class FakeWorktrees implements WorktreePort {
  readonly bookkeeping = ['/repo/specs/demo/tasks.md', '/repo/specs/demo/.progress.md'];
  readonly conflicts = new Map<string, string[]>();
  /** Ids whose merge fails after the check-off was made (the working tree changed under it). */
  readonly lateConflicts = new Set<string>();
  readonly removed: string[] = [];
  /** What finishMerge answers: did the journaled move happen? */
  moved = true;
  readonly finished: MergeJournal[] = [];
  private tip = 0;

  constructor(private readonly journal: Journal) {}

  async prepare(taskId: string): Promise<TaskWorktree> {
    this.journal.add(`prepare ${taskId}`);
    return { path: `/repo/.git/ralph-worktrees/demo/${taskId}`, branch: `ralph/demo/${taskId}`, base: `m${this.tip}` };
  }

  async commitWork(worktree: TaskWorktree, message: string): Promise<string> {
    this.journal.add(`commitWork ${worktree.branch} ${message.split('\n')[0]}`);
    return `w-${worktree.branch.split('/').pop()}`;
  }

  async merge(commit: string, message: string, hooks: MergeHooks): Promise<WorktreeMerge> {
    const id = commit.replace(/^w-/, '');
    this.journal.add(`wt-merge ${id}`);
    const files = this.conflicts.get(id);
    if (files) return { kind: 'conflict', files, reason: `merge conflict in ${files.join(', ')}` };
    await hooks.beforeCommit?.();
    if (this.lateConflicts.has(id)) return { kind: 'conflict', files: [], reason: 'the main working tree changed during the merge' };
    const to = `m${this.tip + 1}`;
    await hooks.beforeMove?.({ ref: 'refs/heads/main', from: `m${this.tip}`, to });
    this.tip += 1;
    this.journal.add(`wt-merged ${id} ${to} ${message.split('\n')[0]}`);
    return { kind: 'merged', commit: to, files: [`${id}.txt`] };
  }

  async finishMerge(journal: MergeJournal): Promise<boolean> {
    this.finished.push(journal);
    return this.moved;
  }

  async remove(worktree: TaskWorktree): Promise<void> {
    this.removed.push(worktree.branch);
    this.journal.add(`remove ${worktree.branch}`);
  }
}

interface IsolatedRig extends Rig {
  readonly worktrees: FakeWorktrees;
}

function isolatedRig(initial?: RalphState): IsolatedRig {
  const r = rig(initial);
  const worktrees = new FakeWorktrees(r.journal);
  return { ...r, worktrees, ports: { ...r.ports, worktrees } };
}

function start(r: IsolatedRig, p: Plan, o: Partial<RunOptions> = {}): Promise<RunSummary> {
  const options: RunOptions = { maxConcurrent: 3, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 1, isolation: 'worktree', ...o };
  return runPlan(p, r.ports, options, neverCancelled, (e) => r.events.push(e));
}

const entries = (r: Rig, pattern: RegExp) => r.journal.entries.filter((e) => pattern.test(e));

describe('scheduler: worktree isolation', () => {
  it('merges side-by-side tasks in task order, whichever finishes first, and runs each in its worktree', async () => {
    const r = isolatedRig();
    const p = plan({ tasks: ['1', '2', '3'], task: { '2': { commit: '`feat: two`', verify: 'check-2' } } });
    const run = start(r, p);
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '2', '3'], show(r.executor.order));
    for (const call of r.executor.calls) {
      assert.equal(call.request.cwd, `/repo/.git/ralph-worktrees/demo/${call.request.task.id}`, show(call.request));
      assert.match(call.request.prompt, /git worktree of your own/, call.request.prompt);
    }
    r.executor.resolve('3');
    await flush();
    r.executor.resolve('2');
    await flush();
    assert.deepEqual(entries(r, /^wt-merge/), [], `nothing merges while task 1 runs: ${show(r.journal.entries)}`);
    assert.deepEqual(r.eventLog().filter((e) => e.startsWith('finished')), [], show(r.eventLog()));
    r.executor.resolve('1');
    const summary = await run;
    assert.equal(summary.succeeded, 3, show(summary));
    assert.deepEqual(entries(r, /^wt-merged/), ['wt-merged 1 m1 ralph: 1 — Task 1', 'wt-merged 2 m2 feat: two', 'wt-merged 3 m3 ralph: 3 — Task 3'], show(r.journal.entries));
    assert.deepEqual(r.eventLog().filter((e) => /^(finished|committed)/.test(e)), [
      'committed 1 m1', 'finished 1 succeeded', 'committed 2 m2', 'finished 2 succeeded', 'committed 3 m3', 'finished 3 succeeded',
    ], show(r.eventLog()));
    // Each merge commit records the task's check-off and progress, made right before it.
    const j = r.journal.entries;
    for (const id of ['1', '2', '3']) {
      const at = j.indexOf(`markDone ${id}`);
      const progressAt = j.indexOf(`merge ${id}`);
      const mergedAt = j.findIndex((e) => e.startsWith(`wt-merged ${id}`));
      assert.ok(at > j.indexOf(`wt-merge ${id}`) && at < mergedAt && progressAt > at && progressAt < mergedAt, show(j));
    }
    assert.deepEqual(r.worktrees.removed, ['ralph/demo/1', 'ralph/demo/2', 'ralph/demo/3'], show(r.worktrees.removed));
    assert.deepEqual(r.verifier.calls, ['check-2'], show(r.verifier.calls));
    assert.deepEqual(r.git.commits, [], `nothing is committed outside the merges: ${show(r.git.commits)}`);
    const record = r.state.current.ralph?.tasks['2'];
    assert.equal(record?.status, 'success', show(record));
    assert.equal(record?.commit, 'm2', show(record));
    assert.equal(record?.worktree, undefined, show(record));
    assert.equal(r.state.current.ralph?.isolation, 'worktree', show(r.state.current.ralph));
  });

  it('starts a dependent only once its dependency is merged, from a worktree made after the merge', async () => {
    const r = isolatedRig();
    const run = start(r, plan({ tasks: ['0', '1', '2'], dependsOn: { '2': ['1'] } }));
    await flush();
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['0'], `2 waits: 1 is not merged while 0 runs: ${show(r.journal.entries)}`);
    r.executor.resolve('0');
    await flush();
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.journal.entries));
    const j = r.journal.entries;
    assert.ok(j.findIndex((e) => e.startsWith('wt-merged 1')) < j.indexOf('prepare 2'), show(j));
    r.executor.resolve('2');
    assert.equal((await run).succeeded, 3);
  });

  it('a merge conflict fails that task with the files, blocks its dependents, keeps its worktree; the others merge', async () => {
    const r = isolatedRig();
    r.worktrees.conflicts.set('2', ['src/shared.ts']);
    const run = start(r, plan({ tasks: ['1', '2', '3', '4'], dependsOn: { '4': ['2'] } }));
    await flush();
    r.executor.resolve('2');
    r.executor.resolve('3');
    r.executor.resolve('1');
    const summary = await run;
    assert.deepEqual([summary.succeeded, summary.failed, summary.blocked], [2, 1, 1], show(summary));
    const failed = r.events.find((e) => e.type === 'taskFinished' && e.taskId === '2');
    assert.ok(failed?.type === 'taskFinished' && failed.status === 'failed', show(failed));
    assert.match(failed.reason ?? '', /merge conflict in src\/shared\.ts; the current branch is as it was, its work is kept on branch ralph\/demo\/2/, show(failed));
    assert.deepEqual(entries(r, /^wt-merged/).map((e) => e.split(' ')[1]), ['1', '3'], show(r.journal.entries));
    assert.deepEqual(r.worktrees.removed, ['ralph/demo/1', 'ralph/demo/3'], show(r.worktrees.removed));
    assert.ok(!r.tasksFile.done.includes('2'), show(r.tasksFile.done));
    const record = r.state.current.ralph?.tasks['2'];
    assert.equal(record?.worktree?.branch, 'ralph/demo/2', show(record));
    assert.equal(r.state.current.ralph?.tasks['4']?.status, 'blocked', show(r.state.current.ralph?.tasks['4']));
  });

  it('a merge that fails after the check-off takes the check-off back: the task is not done, and the next run does it', async () => {
    const r = isolatedRig();
    r.worktrees.lateConflicts.add('2');
    const run = start(r, plan({ tasks: ['1', '2'] }), { maxConcurrent: 2 });
    await flush();
    r.executor.resolve('1');
    r.executor.resolve('2');
    const summary = await run;
    assert.deepEqual([summary.succeeded, summary.failed], [1, 1], show(summary));
    assert.deepEqual(r.tasksFile.done, ['1'], 'only the merged task stays checked');
    assert.deepEqual(entries(r, /^(markDone|unmark) 2/), ['markDone 2', 'unmark 2'], show(r.journal.entries));
    assert.equal(r.state.current.ralph?.tasks['2']?.status, 'failed');

    // The next run: 2 is not "already done", it runs and merges.
    r.worktrees.lateConflicts.clear();
    const again = start(r, plan({ tasks: ['1', '2'], task: { '1': { done: true } } }));
    await flush();
    r.executor.resolve('2');
    const second = await again;
    assert.equal(second.succeeded, 1, show(second));
    assert.deepEqual(r.tasksFile.done, ['1', '2']);
  });

  it('a task before it that is retrying holds back a merge until the retry passes', async () => {
    const r = isolatedRig();
    const run = start(r, plan({ tasks: ['1', '2'] }), { maxTaskIterations: 2, maxConcurrent: 2 });
    await flush();
    r.executor.resolve('2');
    await flush();
    r.executor.resolve('1', 'failed');
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], show(r.executor.order));
    assert.deepEqual(entries(r, /^wt-merge /), [], `2 passed but waits for 1's retry: ${show(r.journal.entries)}`);
    r.executor.resolve('1');
    await run;
    assert.deepEqual(entries(r, /^wt-merge /), ['wt-merge 1', 'wt-merge 2'], show(r.journal.entries));
  });

  it('a conflicting task waits for the merge of the one before it, not just for its end', async () => {
    const r = isolatedRig();
    const run = start(r, plan({ tasks: ['0', '1', '2'], conflicts: [['1', '2']] }));
    await flush();
    assert.deepEqual(r.executor.running(), ['0', '1'], show(r.executor.order));
    r.executor.resolve('1');
    await flush();
    assert.deepEqual(r.executor.running(), ['0'], `2 must not start from a base without 1: ${show(r.journal.entries)}`);
    r.executor.resolve('0');
    await flush();
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.journal.entries));
    r.executor.resolve('2');
    assert.equal((await run).succeeded, 3);
  });

  it('waves mode: the next wave starts once the previous one is merged', async () => {
    const r = isolatedRig();
    const run = start(r, plan({ tasks: ['1', '2', '3'], groups: [['1', '2']] }), { mode: 'waves' });
    await flush();
    assert.deepEqual(r.executor.running(), ['1', '2'], show(r.executor.order));
    r.executor.resolve('2');
    await flush();
    assert.deepEqual(r.executor.running(), ['1'], show(r.journal.entries));
    r.executor.resolve('1');
    await flush();
    await flush();
    assert.deepEqual(r.executor.running(), ['3'], show(r.journal.entries));
    const j = r.journal.entries;
    assert.ok(j.findIndex((e) => e.startsWith('wt-merged 2')) < j.indexOf('prepare 3'), show(j));
    r.executor.resolve('3');
    assert.equal((await run).succeeded, 3);
  });

  it('resume: a task whose attempt passed before the kill is merged without running its agent again', async () => {
    const worktree = { path: '/repo/.git/ralph-worktrees/demo/1', branch: 'ralph/demo/1', base: 'm0' };
    const r = isolatedRig(killedState({ '1': { id: '1', status: 'running', attempts: 1, worktree, workCommit: 'w-1' } }));
    // The merge ticks the box right before it moves the branch: a kill in between leaves it ticked.
    const run = start(r, plan({ tasks: ['1', '2'], task: { '1': { done: true } } }));
    await flush();
    assert.deepEqual(r.executor.running(), ['2'], show(r.executor.order));
    r.executor.resolve('2');
    await run;
    assert.deepEqual(entries(r, /^wt-merged/).map((e) => e.split(' ')[1]), ['1', '2'], show(r.journal.entries));
    assert.equal(r.executor.calls.filter((c) => c.request.task.id === '1').length, 0, show(r.executor.order));
    assert.equal(r.state.current.ralph?.tasks['1']?.status, 'success', show(r.state.current.ralph?.tasks['1']));
  });

  it('resume: a killed run\'s tick on a task whose merge now fails is taken back, so the next run does not call it done', async () => {
    const worktree = { path: '/repo/.git/ralph-worktrees/demo/1', branch: 'ralph/demo/1', base: 'm0' };
    const r = isolatedRig(killedState({ '1': { id: '1', status: 'running', attempts: 1, worktree, workCommit: 'w-1' } }));
    r.tasksFile.done.push('1');
    r.worktrees.conflicts.set('1', ['src/a.ts']);
    const summary = await start(r, plan({ tasks: ['1'], task: { '1': { done: true } } }));
    assert.equal(summary.failed, 1, show(summary));
    assert.deepEqual(r.tasksFile.done, [], show(r.journal.entries));
    assert.ok(r.journal.entries.includes('unmark 1'), show(r.journal.entries));
  });

  it('resume: a merge that moved the branch before the kill is finished, not done again', async () => {
    const worktree = { path: '/repo/.git/ralph-worktrees/demo/1', branch: 'ralph/demo/1', base: 'm0' };
    const merging = { ref: 'refs/heads/main', from: 'm0', to: 'm9' };
    const r = isolatedRig(killedState({ '1': { id: '1', status: 'running', attempts: 1, worktree, workCommit: 'w-1', merging } }));
    const summary = await start(r, plan({ tasks: ['1'] }));
    assert.deepEqual(r.worktrees.finished, [merging], show(r.worktrees.finished));
    assert.equal(summary.skipped, 1, show(summary));
    assert.deepEqual(entries(r, /^wt-merge/), [], show(r.journal.entries));
    assert.deepEqual(r.worktrees.removed, ['ralph/demo/1'], show(r.worktrees.removed));
    const record = r.state.current.ralph?.tasks['1'];
    assert.deepEqual([record?.status, commitOf(record), mergingOf(record), record?.worktree], ['success', 'm9', undefined, undefined], show(record));
    // A succeeded task's record holds what a success can hold: not the running attempt's work
    // commit or merge journal (it used to carry the work commit on).
    assert.deepEqual(Object.keys(record ?? {}).filter((k) => ['workCommit', 'merging', 'agent'].includes(k)), [], show(record));
  });

  it('resume: a merge journaled but not done is done again', async () => {
    const worktree = { path: '/repo/.git/ralph-worktrees/demo/1', branch: 'ralph/demo/1', base: 'm0' };
    const merging = { ref: 'refs/heads/main', from: 'm0', to: 'm9' };
    const r = isolatedRig(killedState({ '1': { id: '1', status: 'running', attempts: 1, worktree, workCommit: 'w-1', merging } }));
    r.worktrees.moved = false;
    const summary = await start(r, plan({ tasks: ['1'] }));
    assert.equal(summary.succeeded, 1, show(summary));
    assert.deepEqual(entries(r, /^wt-merged/), ['wt-merged 1 m1 ralph: 1 — Task 1'], show(r.journal.entries));
    assert.equal(commitOf(r.state.current.ralph?.tasks['1']), 'm1', show(r.state.current.ralph?.tasks['1']));
  });

  it('commits check-offs made outside merges (a container) with only Ralph\'s own files', async () => {
    const r = isolatedRig();
    const p = plan({ tasks: ['1', '1.1'], containers: ['1'], dependsOn: { '1': ['1.1'] }, task: { '1': { childIds: ['1.1'] }, '1.1': { parentId: '1' } } });
    const run = start(r, p);
    await flush();
    // Changed during the run (the fake git matches `only` literally, so Ralph's file by the
    // absolute path the port names it).
    r.git.dirty = ['/repo/specs/demo/tasks.md', 'user-notes.txt'];
    r.executor.resolve('1.1');
    await run;
    assert.deepEqual(r.tasksFile.done, ['1.1', '1'], show(r.tasksFile.done));
    assert.equal(r.git.commits.length, 1, show(r.git.commits));
    assert.deepEqual(r.git.commits[0]?.only, r.worktrees.bookkeeping, show(r.git.commits));
    assert.doesNotMatch(r.git.commits[0]?.message ?? '', /1\.1/, show(r.git.commits));
  });

  it('refuses worktree isolation without a worktree port, or with commit none', () => {
    const r = rig();
    const options: RunOptions = { maxConcurrent: 1, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 1, isolation: 'worktree' };
    assert.throws(() => runPlan(plan({ tasks: ['1'] }), r.ports, options, neverCancelled, () => undefined), /worktree port/);
    const w = isolatedRig();
    assert.throws(() => runPlan(plan({ tasks: ['1'] }), w.ports, { ...options, commit: 'none' }, neverCancelled, () => undefined), /commit 'none'/);
  });
});

function killedState(tasks: Record<string, NonNullable<RalphState['ralph']>['tasks'][string]>): RalphState {
  return {
    taskIndex: 0,
    totalTasks: 2,
    ralph: { version: 1, runId: 'r1', startedAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', status: 'running', tasks, isolation: 'worktree' },
  };
}

describe('scheduler with worktrees: progress notes the agent can write', () => {
  it("names a progress file inside the task's worktree, clears an old one first, and collects it before the work is committed", async () => {
    const r = isolatedRig();
    const collected: string[] = [];
    const progress = Object.assign(Object.create(Object.getPrototypeOf(r.progress)) as typeof r.progress, r.progress, {
      collect: async (id: string, from: string) => {
        collected.push(`${id} ${from}`);
        r.journal.add(`collect ${id}`);
      },
      discard: async (at: string) => void r.journal.add(`discard ${at}`),
    });
    const p = plan({ tasks: ['1'] });
    const run = runPlan(p, { ...r.ports, progress }, { maxConcurrent: 1, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 1, isolation: 'worktree' }, neverCancelled, (e) => r.events.push(e));
    await flush();
    const call = r.executor.calls[0];
    assert.equal(call?.request.progressFile, '/repo/.git/ralph-worktrees/demo/1/specs/demo/.progress-task-1.md', show(call?.request));
    assert.deepEqual(call?.request.writableDirs, [], 'inside the worktree: nothing extra to allow');
    assert.match(call?.request.prompt ?? '', /Write your progress to \/repo\/\.git\/ralph-worktrees\/demo\/1\/specs\/demo\/\.progress-task-1\.md/);
    assert.match(call?.request.prompt ?? '', /- Spec folder: \/repo\/\.git\/ralph-worktrees\/demo\/1\/specs\/demo\n- Requirements: \/repo\/\.git\/ralph-worktrees\/demo\/1\/specs\/demo\/requirements\.md/, 'the spec as the worktree has it');
    r.executor.resolve('1');
    await run;
    assert.deepEqual(collected, ['1 /repo/.git/ralph-worktrees/demo/1/specs/demo/.progress-task-1.md']);
    const order = r.journal.entries.filter((e) => /^(discard|start|collect|commitWork|wt-merge) /.test(e));
    assert.deepEqual(
      order.map((e) => e.split(' ')[0]),
      ['discard', 'start', 'collect', 'commitWork', 'wt-merge'],
      `notes are collected before the branch commit, so they are never committed there: ${show(order)}`,
    );
  });

  it('names the folder of a progress file outside the working directory as writable (shared tree, spec outside the repo)', async () => {
    const r = rig();
    const p = plan({ tasks: ['1'] });
    const run = runPlan(p, { ...r.ports, cwd: '/elsewhere/repo' }, { maxConcurrent: 1, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 }, neverCancelled, (e) => r.events.push(e));
    await flush();
    assert.deepEqual(r.executor.calls[0]?.request.writableDirs, ['/repo/specs/demo'], show(r.executor.calls[0]?.request));
    r.executor.resolve('1');
    await run;
  });
});
