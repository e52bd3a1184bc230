// One spec, two tools: a spec Ralph ran must be one the ralph-specum Claude Code plugin can pick
// up (its stop hook reads .ralph-state.json; its agents read .progress.md), and the other way
// round. The plugin's schema is transcribed in test/fixtures/plugin/spec-state.schema.json; the
// state fixtures there have the shapes of the plugin's own test fixtures.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import type { CompletedTask } from '../../src/core/progress';
import { mergeProgress, noteCompletedTasks } from '../../src/core/progress';
import type { ExecutorResult, RalphState, RunOptions, RunSummary } from '../../src/core/ports';
import { neverCancelled, runPlan } from '../../src/core/run';
import { lastPluginSignal } from '../../src/core/run/signals';
import { StateError } from '../../src/core/state';
import type { Plan } from '../../src/core/model';
import { FileProgressStore } from '../../src/node/stores/progress';
import { FileStateStore } from '../../src/node/stores/state';
import { FakeProgress, flush, plan, rig, SPEC_DIR, type Rig } from './fakes';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'plugin');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

const validatePlugin = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(fixture('spec-state.schema.json')) as object);

function assertPluginValid(state: unknown, when: string): void {
  if (!validatePlugin(state)) {
    assert.fail(`${when}: the plugin's schema rejects the state: ${JSON.stringify(validatePlugin.errors)}\n${JSON.stringify(state)}`);
  }
}

/** What Ralph decides in the state; every other field is someone else's and must come back. */
const RALPH_OWNED = new Set(['phase', 'taskIndex', 'totalTasks', 'taskIteration', 'maxTaskIterations', 'parallelGroup', 'taskResults', 'ralph']);

function options(o: Partial<RunOptions> = {}): RunOptions {
  return { maxConcurrent: 2, mode: 'dag', commit: 'individual', scope: { kind: 'spec' }, maxTaskIterations: 2, ...o };
}

/** Runs the plan, answering every attempt that starts with `answer(id, attempt)`. */
async function drive(r: Rig, p: Plan, o: Partial<RunOptions>, answer: (id: string, attempt: number) => Partial<ExecutorResult> = () => ({})): Promise<RunSummary> {
  let done = false;
  const run = runPlan(p, r.ports, options(o), neverCancelled, (e) => r.events.push(e));
  void run.then(
    () => (done = true),
    () => (done = true),
  );
  // Real stores do real I/O: wait for it when nothing runs, up to a bound.
  for (const until = Date.now() + 10_000; !done && Date.now() < until; ) {
    await flush();
    if (r.executor.running().length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const id of r.executor.running()) {
      const attempt = r.executor.calls.filter((c) => c.request.task.id === id).length;
      r.git.dirty.push(`src/${id}.ts`);
      r.executor.resolve(id, answer(id, attempt));
    }
  }
  return run;
}

const specTasks = ['1.1', '1.2', '1.3', '2.1'];

describe('ralph-specum plugin: the state Ralph writes', () => {
  it('validates against the plugin schema at every save of a run, taskIndex at the first unfinished task', async () => {
    const r = rig();
    const p = plan({ tasks: specTasks, dependsOn: { '2.1': ['1.1', '1.2', '1.3'] } });
    const summary = await drive(r, p, {}, (id, attempt) => {
      if (id === '1.2' && attempt === 1) return { agentResult: { isError: false, summary: 'Totals checked.\nVERIFICATION_FAIL: totals off by a cent' } };
      if (id === '2.1') return { outcome: 'failed' };
      return {};
    });
    assert.deepEqual([summary.succeeded, summary.failed], [3, 1], JSON.stringify(summary));
    assert.ok(r.state.saves.length > 5, `${r.state.saves.length} saves`);
    for (const [n, s] of r.state.saves.entries()) {
      assertPluginValid(s, `save ${n}`);
      const results = s.taskResults ?? {};
      let first = 0;
      while (first < s.totalTasks && results[String(first)]?.status === 'success') first++;
      assert.equal(s.taskIndex, first, `save ${n}: ${JSON.stringify(s)}`);
    }
    assert.ok(
      r.state.saves.some((s) => s.parallelGroup?.taskIndices.length === 2),
      'a save while two tasks ran names them as the parallel group',
    );
    assert.ok(
      r.state.saves.some((s) => s.taskResults?.['1']?.error?.includes('VERIFICATION_FAIL')),
      'the retried attempt is in taskResults with its reason',
    );
    const last = r.state.current;
    assert.deepEqual(
      [last.source, last.name, last.basePath, last.phase, last.taskIndex, last.totalTasks, last.taskIteration, 'parallelGroup' in last],
      ['direct', 'demo', './specs/demo', 'execution', 3, 4, 2, false],
      JSON.stringify(last),
    );
    assert.deepEqual(last.taskResults?.['3'], { status: 'failed', error: 'exit code 1' }, JSON.stringify(last.taskResults));
  });

  it('validates in waves mode too, and after a cancelled run', async () => {
    const r = rig();
    const p = plan({ tasks: specTasks, groups: [['1.1', '1.2', '1.3'], ['2.1']], dependsOn: { '2.1': ['1.1', '1.2', '1.3'] } });
    await drive(r, p, { mode: 'waves', maxConcurrent: 3 }, (id) => (id === '1.3' ? { outcome: 'cancelled' } : {}));
    for (const [n, s] of r.state.saves.entries()) assertPluginValid(s, `save ${n}`);
    assert.ok(r.state.saves.some((s) => s.parallelGroup?.taskIndices.join() === '0,1,2'), JSON.stringify(r.state.saves.map((s) => s.parallelGroup)));
  });
});

describe('ralph-specum plugin: a state the plugin wrote', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-plugin-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const name of ['state-planning-phase.json', 'state-execution-pending.json', 'state-execution-midway.json', 'state-execution-complete.json', 'state-execution-full.json']) {
    it(`${name}: is read without loss, run on, and written back with its fields intact`, async () => {
      const text = fixture(name);
      const original = JSON.parse(text) as Record<string, unknown>;
      const file = path.join(dir, '.ralph-state.json');
      fs.writeFileSync(file, text);
      const store = new FileStateStore(dir);
      assert.deepEqual(await store.load(), original);

      const r = rig();
      const saved: RalphState[] = [];
      const ports = { ...r.ports, state: { load: () => store.load(), save: (s: RalphState) => (saved.push(JSON.parse(JSON.stringify(s)) as RalphState), store.save(s)) } };
      const summary = await drive({ ...r, ports }, plan({ tasks: ['1.1', '1.2', '1.3'] }), {});
      // The full state says task 0 succeeded: Ralph takes its word and does not run it again.
      assert.deepEqual([summary.succeeded, summary.skipped], name === 'state-execution-full.json' ? [2, 1] : [3, 0], JSON.stringify(summary));

      for (const [n, s] of saved.entries()) assertPluginValid(s, `save ${n}`);
      const after = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      assertPluginValid(after, 'the file at the end');
      for (const [key, value] of Object.entries(original)) {
        if (!RALPH_OWNED.has(key)) assert.deepEqual(after[key], value, `${key} after the run: ${JSON.stringify(after)}`);
      }
      // The plugin's identity wins over what Ralph would make up.
      for (const key of ['source', 'name', 'basePath'] as const) {
        assert.equal(after[key], original[key] ?? { source: 'direct', name: 'demo', basePath: './specs/demo' }[key], key);
      }
      assert.deepEqual([after.phase, after.taskIndex, after.totalTasks, 'parallelGroup' in after], ['execution', 3, 3, false], JSON.stringify(after));
      // The keys it had stay where they were, so a diff of the file shows only what changed.
      const keys = Object.keys(after);
      const kept = Object.keys(original).filter((k) => k !== 'parallelGroup');
      assert.deepEqual(keys.filter((k) => kept.includes(k)), kept, keys.join());
    });
  }

  it('state-corrupt.json: is refused, never overwritten, and a copy is kept', async () => {
    const text = fixture('state-corrupt.json');
    const file = path.join(dir, '.ralph-state.json');
    fs.writeFileSync(file, text);
    const r = rig();
    const ports = { ...r.ports, state: new FileStateStore(dir) };
    await assert.rejects(
      runPlan(plan({ tasks: ['1.1'] }), ports, options(), neverCancelled, () => undefined),
      (err: unknown) => err instanceof StateError && /not valid JSON/.test(err.message) && err.backupPath !== undefined && fs.readFileSync(err.backupPath, 'utf8') === text,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    assert.equal(r.executor.calls.length, 0);
  });
});

const pluginProgress = [
  '# Ralph Progress',
  '',
  '## Original Goal',
  '',
  'Export invoices as CSV.',
  '',
  '## Completed Tasks',
  '- [x] 1.1 Add the CSV writer - 1a2b3c4',
  '',
  '## Fix Task History',
  '- Task 1.1: 1 fix attempted (1.1.1) - Final: PASS',
  '',
  '## Learnings',
  '- The ledger keeps dates in UTC.',
  '',
  '## Blockers',
  '',
  '- None currently',
  '',
].join('\n');

describe('ralph-specum plugin: .progress.md', () => {
  it('keeps the plugin sections and lists each finished task once, in task order, with its commit', () => {
    const agentNote = '## Completed Tasks\n- [x] 1.2 Add the totals row\n\n## Learnings\n- Totals round half up.\n';
    const merged = mergeProgress(pluginProgress, [{ taskId: '1.2', text: agentNote }]);
    const tasks: CompletedTask[] = [
      { taskId: '1.2', title: 'Add the totals row', commit: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432' },
      { taskId: '1.3', title: 'Wire the export button' },
    ];
    const noted = noteCompletedTasks(merged, tasks);
    assert.equal(
      noted,
      [
        '# Ralph Progress',
        '',
        '## Original Goal',
        '',
        'Export invoices as CSV.',
        '',
        '## Completed Tasks',
        '- [x] 1.1 Add the CSV writer - 1a2b3c4',
        '- [x] 1.2 Add the totals row - 9f8e7d6',
        '- [x] 1.3 Wire the export button',
        '',
        '## Fix Task History',
        '- Task 1.1: 1 fix attempted (1.1.1) - Final: PASS',
        '',
        '## Learnings',
        '- The ledger keeps dates in UTC.',
        '',
        '### Task 1.2',
        '',
        '- Totals round half up.',
        '',
        '## Blockers',
        '',
        '- None currently',
        '',
      ].join('\n'),
    );
    assert.equal(noteCompletedTasks(noted, tasks), noted, 'noting again changes nothing');
    // A commit made later is added to the line, not as a second line.
    const withCommit = noteCompletedTasks(noted, [{ taskId: '1.3', title: 'Wire the export button', commit: 'abcdef0123' }]);
    assert.match(withCommit, /^- \[x\] 1\.3 Wire the export button - abcdef0$/m);
    assert.equal(withCommit.match(/1\.3 Wire/g)?.length, 1, withCommit);
    // An id that is a prefix of another is not taken for it.
    assert.match(noteCompletedTasks(withCommit, [{ taskId: '1', title: 'Phase one' }]), /^- \[x\] 1 Phase one$/m);
  });

  it('adds `## Completed Tasks` before `## Learnings` when the file has none, and starts a file that is missing', () => {
    const text = '# Progress\n\n## Learnings\n- a note\n';
    assert.equal(noteCompletedTasks(text, [{ taskId: '2', title: 'Two', commit: 'c2' }]), '# Progress\n\n## Completed Tasks\n- [x] 2 Two - c2\n\n## Learnings\n- a note\n');
    assert.equal(noteCompletedTasks(undefined, [{ taskId: 'T1', title: 'One' }]), '## Completed Tasks\n- [x] T1 One\n');
  });

  it('FileProgressStore writes the lines and says whether the file changed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-plugin-progress-'));
    try {
      fs.writeFileSync(path.join(dir, '.progress.md'), pluginProgress);
      const store = new FileProgressStore(dir);
      assert.equal(await store.noteCompleted([{ taskId: '1.2', title: 'Totals', commit: 'c0ffee1234' }]), true);
      assert.equal(await store.noteCompleted([{ taskId: '1.2', title: 'Totals', commit: 'c0ffee1234' }]), false);
      assert.match(fs.readFileSync(path.join(dir, '.progress.md'), 'utf8'), /## Completed Tasks\n- \[x\] 1\.1 Add the CSV writer - 1a2b3c4\n- \[x\] 1\.2 Totals - c0ffee1\n/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A progress store that notes completions, with .progress.md dirty once it changed. */
  class NotingProgress extends FakeProgress {
    readonly noted: string[] = [];
    constructor(private readonly r: Rig) {
      super(SPEC_DIR, r.journal);
    }
    async noteCompleted(tasks: readonly CompletedTask[]): Promise<boolean> {
      for (const t of tasks) this.noted.push(`${t.taskId}${t.commit !== undefined ? `@${t.commit}` : ''}`);
      this.r.journal.add(`noted ${tasks.map((t) => t.taskId).join(',')}`);
      this.r.git.dirty.push('specs/demo/.progress.md');
      return true;
    }
  }

  it('a run lists each task it finished in the commit of its work, and adds that commit to the line with the next one', async () => {
    const r = rig();
    const progress = new NotingProgress(r);
    await drive({ ...r, ports: { ...r.ports, progress } }, plan({ tasks: ['1.1', '1.2', '1.3'], dependsOn: { '1.2': ['1.1'], '1.3': ['1.2'] } }), {});
    // A commit cannot name itself: 1.1's hash is known once 1.1 is committed, and goes in with 1.2.
    assert.deepEqual(progress.noted, ['1.1', '1.1@c1', '1.2', '1.2@c2', '1.3'], r.journal.entries.join('\n'));
    // No commit of its own: the run's history is one commit per task, and the tree is left clean.
    assert.deepEqual(r.journal.entries.slice(-2), ['noted 1.2,1.3', 'commit c3 ralph: 1.3 — Task 1.3'], r.journal.entries.join('\n'));
    assert.deepEqual(r.git.dirty, [], r.git.dirty.join());
    const tasks = r.state.current.ralph?.tasks;
    assert.deepEqual([tasks?.['1.2']?.completionNoted, tasks?.['1.3']?.completionNoted], ['withCommit', 'listed']);
  });

  it('without commits, a finished task is listed without one', async () => {
    const r = rig();
    const progress = new NotingProgress(r);
    await drive({ ...r, ports: { ...r.ports, progress } }, plan({ tasks: ['1.1', '1.2'] }), { commit: 'none' });
    assert.deepEqual(progress.noted, ['1.1', '1.2'], r.journal.entries.join('\n'));
  });
});

describe('ralph-specum plugin: the agents\' signals', () => {
  it('reads the last signal line of an answer, and no signal inside a sentence', () => {
    assert.deepEqual(lastPluginSignal('Done.\nTASK_COMPLETE\nstatus: pass\ncommit: a1b2c3d'), { signal: 'TASK_COMPLETE', rest: '' });
    assert.deepEqual(lastPluginSignal('VERIFICATION_FAIL\nfixed it\n**VERIFICATION_PASS**'), { signal: 'VERIFICATION_PASS', rest: '' });
    assert.deepEqual(lastPluginSignal('VERIFICATION_FAIL: lint has 3 errors'), { signal: 'VERIFICATION_FAIL', rest: 'lint has 3 errors' });
    assert.equal(lastPluginSignal('I will not output TASK_COMPLETE yet.\nVERIFICATION_FAIL conditions apply'), undefined);
  });

  it('VERIFICATION_FAIL in the final answer fails the attempt with its reason, even at exit 0', async () => {
    const r = rig();
    const summary = await drive(r, plan({ tasks: ['1.1'], task: { '1.1': { verify: 'npm test' } } }), { maxTaskIterations: 1 }, () => ({
      agentResult: { isError: false, summary: 'Ran the checks.\n\nVERIFICATION_FAIL: 2 tests failing in export.test.ts' },
    }));
    assert.equal(summary.failed, 1, JSON.stringify(summary));
    assert.equal(r.state.current.ralph?.tasks['1.1']?.reason, 'the agent reported VERIFICATION_FAIL: 2 tests failing in export.test.ts');
    assert.deepEqual(r.verifier.calls, [], 'no need to run Verify once the agent said it failed');
  });

  it('the plain output counts where the agent gives no structured answer; a later pass or TASK_COMPLETE wins; a claim does not skip Verify', async () => {
    const r = rig();
    const p = plan({ tasks: ['a', 'b', 'c'], task: { c: { verify: 'npm test' } } });
    r.verifier.exitCodes.set('npm test', 1);
    const summary = await drive(r, p, { maxTaskIterations: 1 }, (id) => {
      if (id === 'a') return { outputTail: 'checking\nVERIFICATION_FAIL\n' };
      if (id === 'b') return { outputTail: 'VERIFICATION_FAIL\nfixed the import\nTASK_COMPLETE\nstatus: pass\n' };
      return { outputTail: 'ALL_TASKS_COMPLETE\n' };
    });
    const reasons = Object.fromEntries(['a', 'b', 'c'].map((id) => [id, r.state.current.ralph?.tasks[id]?.status]));
    assert.deepEqual(reasons, { a: 'failed', b: 'success', c: 'failed' }, JSON.stringify(summary));
    assert.equal(r.state.current.ralph?.tasks['a']?.reason, 'the agent reported VERIFICATION_FAIL');
  });
});
