// Kiro optional tasks (`- [ ]* 2.3`): skipped unless included or named, satisfied for what waits
// on them, given no time in the estimate, neither done nor failed.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../src/core/model';
import { parseSpec } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import { OPTIONAL_SKIP_REASON } from '../../src/core/plan/optional';
import type { RunOptions, RunScope } from '../../src/core/ports';
import { formatPlanText, toPlanJson } from '../../src/core/report';
import { buildDagGraph } from '../../src/core/graph';
import { drawView } from '../../src/core/graphDraw';
import { toMermaid } from '../../src/core/mermaid';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, rig, type Rig } from './fakes';

const FLAT = readFileSync(join(__dirname, '../fixtures/kiro/flat-tasks.md'), 'utf8');
const show = (x: unknown): string => JSON.stringify(x);
const planOf = (text: string, includeOptional = false): Plan => planSpec(parseSpec(text, { path: '/repo/specs/demo/tasks.md' }), { includeOptional });

function start(r: Rig, p: Plan, scope: RunScope = { kind: 'spec' }) {
  const options: RunOptions = { maxConcurrent: 1, mode: 'dag', commit: 'none', scope, maxTaskIterations: 1 };
  return runPlan(p, r.ports, options, neverCancelled, (e) => r.events.push(e));
}

/** Resolves each task as it starts, in the order given, and checks that order. */
async function runThrough(r: Rig, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await flush();
    assert.deepEqual(r.executor.running(), [id], show(r.executor.order));
    r.executor.resolve(id);
  }
}

const finished = (r: Rig) => r.events.flatMap((e) => (e.type === 'taskFinished' ? [`${e.taskId} ${e.status}${e.reason ? ` (${e.reason})` : ''}`] : []));

describe('Kiro optional tasks: plan', () => {
  it('skips open optional tasks by default and keeps them, with their edges, in the DAG', () => {
    const skipped = planOf(FLAT);
    const included = planOf(FLAT, true);
    assert.deepEqual(skipped.skippedOptional, ['1.3', '2.3'], show(skipped.skippedOptional));
    assert.deepEqual(included.skippedOptional, [], show(included.skippedOptional));
    assert.deepEqual(skipped.dependsOn, included.dependsOn);
    assert.deepEqual(skipped.taskIds, included.taskIds);
  });

  it('leaves skipped optional tasks out of the estimate unless they are included', () => {
    // Runnable: 1.1, 1.2, 2.2, 3 (2.1 is done; 1 and 2 are containers) — and 1.3, 2.3 when included.
    assert.equal(planOf(FLAT).estimate.serialMinutes, 40, show(planOf(FLAT).estimate));
    assert.equal(planOf(FLAT, true).estimate.serialMinutes, 60, show(planOf(FLAT, true).estimate));
    assert.ok(!planOf(FLAT).estimate.criticalPath.includes('2.3'), show(planOf(FLAT).estimate.criticalPath));
  });

  it("skips an optional parent's sub-tasks with it", () => {
    const plan = planOf(['- [ ]* 1. Extra checks', '  - [ ] 1.1 Lint', '  - [ ] 1.2 Fuzz', '- [ ] 2. Ship'].join('\n'));
    assert.deepEqual(plan.skippedOptional, ['1', '1.1', '1.2'], show(plan.skippedOptional));
  });

  it('never skips an optional task that is already done', () => {
    assert.deepEqual(planOf(['- [x]* 1. Done extra', '- [ ] 2. Ship'].join('\n')).skippedOptional, []);
  });
});

describe('Kiro optional tasks: report', () => {
  it('`ralph plan` text marks optional tasks and says they are skipped', () => {
    const text = formatPlanText(planOf(FLAT));
    assert.match(text, /— kiro, 9 tasks \(1 done, 2 optional skipped\),/, text);
    assert.match(text, /DAG levels \(tasks on one level may run at the same time; \* optional\)\n {3}0: 1\.1\n {3}1: 1\.2\n {3}2: 1\.3\*\n/, text);
    assert.match(
      text,
      /Optional tasks \(skipped: run with --include-optional, or run one with --task ID\)\n {2}1\.3 {2}Write unit tests for the migration runner\n {2}2\.3 {2}Write integration tests for the session API\n/,
      text,
    );
    assert.match(formatPlanText(planOf(FLAT, true)), /Optional tasks \(included\)\n/);
  });

  it('`ralph plan --json` carries optional and skipped per task', () => {
    const json = toPlanJson(planOf(FLAT));
    const row = (id: string) => json.tasks.find((t) => t.id === id);
    assert.deepEqual([row('2.3')?.optional, row('2.3')?.skipped, row('2.2')?.optional, row('2.2')?.skipped], [true, true, false, false], show(json.tasks));
    assert.equal(toPlanJson(planOf(FLAT, true)).tasks.find((t) => t.id === '2.3')?.skipped, false);
  });
});

describe('Kiro optional tasks: DAG', () => {
  it('labels optional tasks "optional" on the DAG page and in ralph graph', () => {
    const graph = buildDagGraph(planOf(FLAT));
    assert.deepEqual(graph.nodes.filter((n) => n.optional).map((n) => n.id), ['1.3', '2.3'], show(graph.nodes));
    const page = drawView(graph, { kind: 'full' }).text;
    assert.match(page, /\["2\.3 Write integration tests for the session… \(optional\)"\]/, page);
    assert.match(page, /\["2\.2 Add the logout endpoint"\]/, page);
    assert.match(toMermaid(planOf(FLAT)), /\["1\.3 Write unit tests for the migration runn… \(optional\)"\]/);
  });
});

describe('Kiro optional tasks: run', () => {
  it('skips them, treats them as satisfied for ordering, and checks off the parent without them', async () => {
    const r = rig();
    const run = start(r, planOf(FLAT));
    // 3 waits for container 2, which waits for the skipped 2.3: it still runs.
    await runThrough(r, ['1.1', '1.2', '2.2', '3']);
    const summary = await run;
    assert.ok(!r.executor.order.some((o) => o === 'start 1.3' || o === 'start 2.3'), show(r.executor.order));
    assert.deepEqual(r.tasksFile.done, ['1.1', '1.2', '1', '2.2', '2', '3'], show(r.tasksFile.done));
    assert.ok(finished(r).includes(`2.3 skipped (${OPTIONAL_SKIP_REASON})`), show(finished(r)));
    assert.deepEqual([summary.failed, summary.blocked], [0, 0], show(summary));
    // Neither done nor failed: skipped, in the state both tools read.
    assert.equal(r.state.current.ralph?.tasks['2.3']?.status, 'skipped', show(r.state.current.ralph?.tasks));
    assert.equal(r.state.current.ralph?.tasks['2.3']?.reason, OPTIONAL_SKIP_REASON);
    // The ralph-specum plugin's taskResults know no "skipped": open work is pending to it.
    const index = planOf(FLAT).spec.tasks.findIndex((t) => t.id === '2.3');
    assert.equal(r.state.current.taskResults?.[String(index)]?.status, 'pending', show(r.state.current.taskResults));
  });

  it('runs them like any other task when the plan includes them', async () => {
    const r = rig();
    const run = start(r, planOf(FLAT, true));
    await runThrough(r, ['1.1', '1.2', '1.3', '2.2', '2.3', '3']);
    await run;
    assert.ok(r.tasksFile.done.includes('2.3'), show(r.tasksFile.done));
  });

  it('runs an optional task named by the run ("Run optional task", --task 2.3)', async () => {
    const r = rig();
    const run = start(r, planOf(FLAT), { kind: 'task', taskId: '2.3', withDependencies: true });
    // With its dependencies: 2.2 first (2.1 is done, so nothing before it is needed).
    await runThrough(r, ['2.2', '2.3']);
    await run;
    assert.deepEqual(r.tasksFile.done.filter((id) => id.startsWith('2')), ['2.2', '2.3'], show(r.tasksFile.done));
  });

  it('lets what follows a skipped optional task wait for what that task waited for', async () => {
    const r = rig();
    const options: RunOptions = { maxConcurrent: 3, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 };
    const run = runPlan(planOf(['- [ ] 1. Base', '- [ ]* 2. Extra tests', '- [ ] 3. Ship'].join('\n')), r.ports, options, neverCancelled, (e) => r.events.push(e));
    // Three slots, yet 3 does not start beside 1: skipping 2 does not cut 3 loose from 1.
    await runThrough(r, ['1', '3']);
    const summary = await run;
    assert.deepEqual([summary.succeeded, summary.skipped, summary.blocked], [2, 1, 0], show(finished(r)));
  });

  it('holds a named task only on what the skipped optional task waited for, and never pulls that task in', async () => {
    const text = ['- [ ] 1. Base', '- [ ]* 2. Extra tests', '- [ ] 3. Ship'].join('\n');
    const alone = rig();
    const run = start(alone, planOf(text), { kind: 'task', taskId: '3' });
    // 3 waits for 1 (not done: blocked) and 2 (skipped optional: satisfied).
    assert.deepEqual(finished(alone), [], show(finished(alone)));
    await flush();
    await run;
    assert.deepEqual(finished(alone), ['3 blocked (blocked by 1 (not done))'], show(finished(alone)));
    // With its dependencies, 1 runs first and 2 is not pulled in.
    const r = rig();
    const withDeps = start(r, planOf(text), { kind: 'task', taskId: '3', withDependencies: true });
    await runThrough(r, ['1', '3']);
    const summary = await withDeps;
    assert.deepEqual([summary.succeeded, summary.blocked, summary.skipped], [2, 0, 0], show(finished(r)));
  });
});
