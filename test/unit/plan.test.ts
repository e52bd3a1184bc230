import { strict as assert } from 'node:assert';
import type { Diagnostic, Plan } from '../../src/core/model';
import { planSpec } from '../../src/core/plan';
import { phase, spec, task, text } from './builders';

const show = (x: unknown): string => JSON.stringify(x);
const deps = (plan: Plan): Record<string, readonly string[]> => ({ ...plan.dependsOn });
const groupIds = (plan: Plan): string[][] => plan.groups.map((g) => [...g.taskIds]);
const codes = (plan: Plan): string[] => plan.diagnostics.map((d) => `${d.severity}:${d.code}:${d.taskId ?? ''}`);

describe('planSpec: parallel groups', () => {
  it('groups consecutive [P] tasks and leaves a [P] task alone as a plain task', () => {
    const plan = planSpec(
      spec([task('1.1'), task('1.2', { markers: ['P'] }), task('1.3', { markers: ['P'] }), task('1.4'), task('1.5', { markers: ['P'] }), task('1.6')]),
    );
    assert.deepEqual(groupIds(plan), [['1.2', '1.3']], show(plan.groups));
    assert.deepEqual(plan.groups.map((g) => g.index), [0], show(plan.groups));
  });

  it('ends a [P] run at a heading or a paragraph', () => {
    const plan = planSpec(
      spec([
        phase('Phase 1: Work', '1'),
        task('1.1', { markers: ['P'] }),
        task('1.2', { markers: ['P'] }),
        phase('Phase 2: Polish', '2'),
        task('2.1', { markers: ['P'] }),
        task('2.2', { markers: ['P'] }),
        text(),
        task('2.3', { markers: ['P'] }),
        task('2.4', { markers: ['P'] }),
        task('2.5', { markers: ['P'] }),
      ]),
    );
    assert.deepEqual(groupIds(plan), [['1.1', '1.2'], ['2.1', '2.2'], ['2.3', '2.4', '2.5']], show(plan.groups));
    assert.deepEqual(deps(plan)['2.3'], ['2.1', '2.2'], show(plan.dependsOn));
  });

  it('lets [VERIFY] and [SEQUENTIAL] win over [P], breaking the run, with a warning', () => {
    const plan = planSpec(
      spec([
        task('1.1', { markers: ['P'] }),
        task('1.2', { markers: ['P', 'VERIFY'] }),
        task('1.3', { markers: ['P'] }),
        task('1.4', { markers: ['SEQUENTIAL', 'P'] }),
        task('1.5', { markers: ['P'] }),
        task('1.6', { markers: ['P'] }),
      ]),
    );
    assert.deepEqual(groupIds(plan), [['1.5', '1.6']], show(plan.groups));
    const warnings = plan.diagnostics.filter((d) => d.code === 'parallel-with-barrier');
    assert.deepEqual(warnings.map((d) => [d.severity, d.taskId]), [['warning', '1.2'], ['warning', '1.4']], show(warnings));
    assert.match(warnings[0]?.message ?? '', /\[VERIFY\] wins/, show(warnings));
    assert.match(warnings[1]?.message ?? '', /\[SEQUENTIAL\] wins/, show(warnings));
    // The warning points at the [P] marker itself.
    const p = plan.spec.tasks[1]?.markers[0];
    assert.deepEqual(warnings[0]?.range, p?.range, show(warnings[0]));
  });
});

describe('planSpec: dependencies from list order', () => {
  it('chains plain tasks, each waiting only for the one above', () => {
    const plan = planSpec(spec([task('1'), task('2'), task('3')]));
    assert.deepEqual(deps(plan), { '1': [], '2': ['1'], '3': ['2'] }, show(plan.dependsOn));
    assert.deepEqual(plan.dependents, { '1': ['2'], '2': ['3'], '3': [] }, show(plan.dependents));
    assert.deepEqual(plan.levels, [['1'], ['2'], ['3']], show(plan.levels));
  });

  it('makes a group wait for what is above it, and the task after wait for each member', () => {
    const plan = planSpec(
      spec([task('1.1'), task('1.2', { markers: ['P'] }), task('1.3', { markers: ['P'] }), task('1.4', { markers: ['P'] }), task('1.5')]),
    );
    assert.deepEqual(
      deps(plan),
      { '1.1': [], '1.2': ['1.1'], '1.3': ['1.1'], '1.4': ['1.1'], '1.5': ['1.2', '1.3', '1.4'] },
      show(plan.dependsOn),
    );
    assert.deepEqual(plan.levels, [['1.1'], ['1.2', '1.3', '1.4'], ['1.5']], show(plan.levels));
    assert.deepEqual(plan.dependents['1.1'], ['1.2', '1.3', '1.4'], show(plan.dependents));
  });

  it('puts a group straight after another group behind all of the first', () => {
    const plan = planSpec(
      spec([task('a', { markers: ['P'] }), task('b', { markers: ['P'] }), text(), task('c', { markers: ['P'] }), task('d', { markers: ['P'] })]),
    );
    assert.deepEqual(deps(plan), { a: [], b: [], c: ['a', 'b'], d: ['a', 'b'] }, show(plan.dependsOn));
  });

  it('keeps done tasks in the DAG', () => {
    const plan = planSpec(spec([task('1', { done: true }), task('2')]));
    assert.deepEqual(plan.taskIds, ['1', '2'], show(plan.taskIds));
    assert.deepEqual(deps(plan)['2'], ['1'], show(plan.dependsOn));
  });
});

describe('planSpec: declared dependencies', () => {
  it('lets a declaring task wait only for what it names; others still wait for everything above', () => {
    const plan = planSpec(
      spec([task('1'), task('2'), task('3', { dependsOn: ['1'] }), task('4'), task('5', { dependsOn: [] })]),
    );
    assert.deepEqual(
      deps(plan),
      { '1': [], '2': ['1'], '3': ['1'], '4': ['2', '3'], '5': [] },
      show(plan.dependsOn),
    );
    assert.deepEqual(plan.levels, [['1', '5'], ['2', '3'], ['4']], show(plan.levels));
  });

  it('keeps a declaring task behind the last barrier above it, and drops what the barrier covers', () => {
    const plan = planSpec(
      spec([
        task('1'),
        task('2', { markers: ['VERIFY'] }),
        task('3'),
        task('4', { dependsOn: ['1'] }),
        task('5', { markers: ['SEQUENTIAL'] }),
        task('6', { dependsOn: ['3', '4'] }),
      ]),
    );
    assert.deepEqual(
      deps(plan),
      { '1': [], '2': ['1'], '3': ['2'], '4': ['2'], '5': ['3', '4'], '6': ['5'] },
      show(plan.dependsOn),
    );
  });

  it('makes a barrier wait for everything above, declared branches included', () => {
    const plan = planSpec(spec([task('1'), task('2', { dependsOn: [] }), task('3', { dependsOn: ['1'] }), task('4', { markers: ['VERIFY'] }), task('5', { dependsOn: [] })]));
    assert.deepEqual(deps(plan)['4'], ['2', '3'], show(plan.dependsOn));
    assert.deepEqual(deps(plan)['5'], ['4'], show(plan.dependsOn));
  });

  it('lets a declaring [P] member wait for its own dependencies while the group waits for the rest', () => {
    const plan = planSpec(
      spec([task('1'), task('2'), task('3', { markers: ['P'], dependsOn: ['1'] }), task('4', { markers: ['P'] }), task('5')]),
    );
    assert.deepEqual(groupIds(plan), [['3', '4']], show(plan.groups));
    assert.deepEqual(deps(plan), { '1': [], '2': ['1'], '3': ['1'], '4': ['2'], '5': ['3', '4'] }, show(plan.dependsOn));
  });

  it('reports an unknown dependency on the task, naming the id, and ignores it', () => {
    const plan = planSpec(spec([task('1'), task('2', { dependsOn: ['9.9', '1'] })]));
    const d = plan.diagnostics.find((x) => x.code === 'unknown-dependency');
    assert.equal(d?.severity, 'error', show(plan.diagnostics));
    assert.equal(d?.taskId, '2', show(d));
    assert.match(d?.message ?? '', /9\.9/, show(d));
    assert.deepEqual(d?.range, plan.spec.tasks[1]?.ranges.line, show(d));
    assert.deepEqual(deps(plan)['2'], ['1'], show(plan.dependsOn));
    assert.equal(plan.hasErrors, true);
  });

  it('names a dependency cycle on each task in it and leaves those tasks out of the levels', () => {
    // 1.2 waits for 1.3 by declaration; 1.3 waits for everything above it, 1.2 included.
    const plan = planSpec(spec([task('1.1'), task('1.2', { dependsOn: ['1.3'] }), task('1.3'), task('1.4'), task('2.1', { dependsOn: ['1.1'] })]));
    const cycles = plan.diagnostics.filter((d) => d.code === 'dependency-cycle');
    assert.deepEqual(
      cycles.map((d) => [d.severity, d.taskId, d.message]),
      [
        ['error', '1.2', 'Dependency cycle 1.2 → 1.3 → 1.2: each task waits for the next, so none of them can start.'],
        ['error', '1.3', 'Dependency cycle 1.3 → 1.2 → 1.3: each task waits for the next, so none of them can start.'],
      ],
      show(cycles),
    );
    // 1.4 sits behind the cycle: no level either; 2.1 is fine.
    assert.deepEqual(plan.levels, [['1.1'], ['2.1']], show(plan.levels));
    assert.equal(plan.hasErrors, true);
  });

  it('reports a task that depends on itself as a cycle', () => {
    const plan = planSpec(spec([task('A', { dependsOn: ['A'] })]));
    const cycles = plan.diagnostics.filter((d) => d.code === 'dependency-cycle');
    assert.deepEqual(cycles.map((d) => d.message), ['Dependency cycle A → A: each task waits for the next, so none of them can start.'], show(cycles));
  });
});

describe('planSpec: Kiro containers', () => {
  const kiro = spec(
    [
      task('1', { children: [task('1.1'), task('1.2')] }),
      task('2', { children: [task('2.1', { markers: ['P'] }), task('2.2', { markers: ['P'] }), task('2.3')] }),
      task('3'),
    ],
    { format: 'kiro' },
  );

  it('plans sub-tasks as a list of their own behind what the parent waits for; the parent waits for them', () => {
    const plan = planSpec(kiro);
    assert.deepEqual(
      deps(plan),
      { '1': ['1.2'], '1.1': [], '1.2': ['1.1'], '2': ['2.3'], '2.1': ['1'], '2.2': ['1'], '2.3': ['2.1', '2.2'], '3': ['2'] },
      show(plan.dependsOn),
    );
    assert.deepEqual(plan.containers, ['1', '2'], show(plan.containers));
    assert.deepEqual(groupIds(plan), [['2.1', '2.2']], show(plan.groups));
  });

  it('gives containers no time in the estimate', () => {
    const plan = planSpec(kiro);
    assert.equal(plan.estimate.serialMinutes, 6 * 10, show(plan.estimate));
    assert.equal(plan.estimate.scheduleMinutes, 5 * 10, show(plan.estimate));
    assert.deepEqual(plan.estimate.criticalPath, ['1.1', '1.2', '2.1', '2.3', '3'], show(plan.estimate));
  });

  it('lets a container that declares dependencies start its sub-tasks from those', () => {
    const plan = planSpec(
      spec([task('1'), task('2'), task('3', { dependsOn: ['1'], children: [task('3.1'), task('3.2')] }), task('4')], { format: 'kiro' }),
    );
    assert.deepEqual(deps(plan)['3.1'], ['1'], show(plan.dependsOn));
    assert.deepEqual(deps(plan)['3'], ['3.2'], show(plan.dependsOn));
    assert.deepEqual(deps(plan)['4'], ['2', '3'], show(plan.dependsOn));
  });
});

describe('planSpec: duplicate ids', () => {
  it('reports the later one and leaves it out of the DAG', () => {
    const plan = planSpec(spec([task('1'), task('2'), task('1', { title: 'again' }), task('3')]));
    assert.deepEqual(plan.taskIds, ['1', '2', '3'], show(plan.taskIds));
    const d = plan.diagnostics.find((x) => x.code === 'duplicate-id');
    assert.equal(d?.severity, 'error', show(plan.diagnostics));
    assert.deepEqual(d?.range, plan.spec.tasks[2]?.ranges.id, show(d));
    assert.equal(d?.message, 'Task id 1 is already used on line 1; this task is left out of the plan.', show(d));
    assert.deepEqual(deps(plan)['3'], ['2'], show(plan.dependsOn));
  });
});

describe('planSpec: manifests', () => {
  const manifest = spec(
    [
      task('A', { parallel: true, group: 'setup', conflictsWith: ['B'] }),
      task('B', { parallel: true, group: 'setup', conflictsWith: ['A'] }),
      task('C', { parallel: false, dependsOn: ['A'], risk: 'high' }),
      task('D', { parallel: true, dependsOn: ['C'], risk: 'high', conflictsWith: ['E', 'Z'] }),
      task('E', { parallel: true, dependsOn: ['C'] }),
    ],
    { format: 'manifest' },
  );

  it('takes depends_on_tasks as the whole DAG and parallelism_group names as groups', () => {
    const plan = planSpec(manifest);
    assert.deepEqual(deps(plan), { A: [], B: [], C: ['A'], D: ['C'], E: ['C'] }, show(plan.dependsOn));
    assert.deepEqual(groupIds(plan), [['A', 'B']], show(plan.groups));
    assert.deepEqual(plan.exclusive, ['C'], show(plan.exclusive));
    assert.deepEqual(plan.conflicts, [['A', 'B'], ['D', 'E']], show(plan.conflicts));
  });

  it('warns about high-risk parallel tasks, one-sided conflicts and unknown conflict ids', () => {
    const plan = planSpec(manifest);
    assert.deepEqual(
      codes(plan),
      ['warning:high-risk-parallel:D', 'warning:unknown-dependency:D', 'info:asymmetric-conflict:D'],
      show(plan.diagnostics),
    );
    assert.equal(plan.hasErrors, false);
  });

  it('has no exclusive tasks when no task uses the parallel flag', () => {
    const plan = planSpec(spec([task('A'), task('B', { dependsOn: ['A'] })], { format: 'manifest' }));
    assert.deepEqual(plan.exclusive, [], show(plan.exclusive));
    assert.deepEqual(plan.groups, [], show(plan.groups));
  });
});

describe('planSpec: conflicts', () => {
  it('pairs tasks whose files overlap, in file order, and warns about [P] siblings', () => {
    const plan = planSpec(
      spec([
        task('1', { markers: ['P'], files: ['src/a.ts'] }),
        task('2', { markers: ['P'], files: ['src/'] }),
        task('3', { markers: ['P'], files: ['docs/x.md'] }),
        task('4', { markers: ['P'], files: ['src/**/*.ts'] }),
        task('5', { markers: ['P'], files: ['lib/b.ts'] }),
      ]),
    );
    assert.deepEqual(plan.conflicts, [['1', '2'], ['1', '4'], ['2', '4']], show(plan.conflicts));
    const warnings = plan.diagnostics.filter((d) => d.code === 'parallel-file-overlap');
    assert.deepEqual(
      warnings.map((d) => d.message),
      [
        'Task 2 is in parallel group 1 with 1 but both touch src/ (1 has src/a.ts); they will run one after the other.',
        'Task 4 is in parallel group 1 with 1 but both touch src/**/*.ts (1 has src/a.ts); they will run one after the other.',
        'Task 4 is in parallel group 1 with 2 but both touch src/**/*.ts (2 has src/); they will run one after the other.',
      ],
      show(warnings),
    );
  });

  it('leaves out pairs that can never run together because one waits for the other', () => {
    const plan = planSpec(
      spec([
        task('1', { files: ['src/a.ts'] }),
        task('2', { markers: ['P'], files: ['src/a.ts'] }),
        task('3', { markers: ['P'], files: ['src/b.ts'] }),
        task('4', { dependsOn: ['1'], files: ['src/b.ts'] }),
      ]),
    );
    // 1 → 2 are ordered; 3 and 4 may run side by side (4 only waits for 1).
    assert.deepEqual(plan.conflicts, [['3', '4']], show(plan.conflicts));
  });

  it('treats conflicts_with in markdown as a conflict even without files', () => {
    const plan = planSpec(spec([task('1', { markers: ['P'], conflictsWith: ['2'] }), task('2', { markers: ['P'] })]));
    assert.deepEqual(plan.conflicts, [['1', '2']], show(plan.conflicts));
    assert.deepEqual(groupIds(plan), [['1', '2']], show(plan.groups));
  });
});

describe('planSpec: diagnostics', () => {
  it('merges the spec diagnostics in, sorted by position', () => {
    const base = spec([task('1'), task('2', { dependsOn: ['x'] }), task('1', { title: 'another task' })]);
    const parseProblem: Diagnostic = {
      severity: 'warning',
      code: 'malformed-field',
      message: 'Depends field is empty',
      range: { start: { line: 0, character: 4 }, end: { line: 0, character: 9 } },
    };
    const plan = planSpec({ ...base, diagnostics: [parseProblem] });
    assert.deepEqual(codes(plan), ['warning:malformed-field:', 'error:unknown-dependency:2', 'error:duplicate-id:1'], show(plan.diagnostics));
  });
});

describe('planSpec: estimate', () => {
  // The seeds' worked example: three parallel-safe tasks, one high-risk serial task, two more.
  const minutes: [string, number, boolean][] = [
    ['S1', 15, true],
    ['S2', 12, true],
    ['S3', 18, true],
    ['S4', 32, false],
    ['S5', 10, true],
    ['S6', 15, true],
  ];

  it('matches the worked example in markdown form: 102 serial, 65 by waves, 36 %', () => {
    const plan = planSpec(spec(minutes.map(([id, m, p]) => task(id, { minutes: m, markers: p ? ['P'] : [] }))));
    const e = plan.estimate;
    assert.deepEqual(
      [e.serialMinutes, e.waveMinutes, e.scheduleMinutes, Math.round(e.waveSavingsPercent), e.waveSavingsPercent, e.savingsPercent],
      [102, 65, 65, 36, 36.3, 36.3],
      show(e),
    );
    assert.deepEqual([e.criticalPath, e.criticalPathMinutes], [['S3', 'S4', 'S6'], 65], show(e));
    assert.deepEqual([e.maxConcurrent, e.defaultTaskMinutes, e.estimatedTasks], [3, 10, 6], show(e));
  });

  it('matches the worked example as a manifest with parallelism groups', () => {
    const plan = planSpec(
      spec(
        minutes.map(([id, m, p], i) =>
          task(id, {
            minutes: m,
            parallel: p,
            ...(p ? { group: i < 3 ? 'first' : 'last' } : {}),
            dependsOn: i < 3 ? [] : i === 3 ? ['S1', 'S2', 'S3'] : ['S4'],
          }),
        ),
        { format: 'manifest' },
      ),
    );
    const e = plan.estimate;
    assert.deepEqual([e.serialMinutes, e.waveMinutes, e.scheduleMinutes, e.waveSavingsPercent], [102, 65, 65, 36.3], show(e));
    assert.deepEqual(plan.exclusive, ['S4'], show(plan.exclusive));
  });

  it('limits the schedule to maxConcurrent slots, longest remaining path first', () => {
    const s = spec([task('a', { markers: ['P'], minutes: 10 }), task('b', { markers: ['P'], minutes: 10 }), task('c', { markers: ['P'], minutes: 20 })]);
    assert.equal(planSpec(s, { maxConcurrent: 1 }).estimate.scheduleMinutes, 40);
    // Two slots: c (longest) and a start; b starts when a ends at 10, ends at 20.
    assert.equal(planSpec(s, { maxConcurrent: 2 }).estimate.scheduleMinutes, 20);
    assert.equal(planSpec(s).estimate.scheduleMinutes, 20);
    assert.equal(planSpec(s).estimate.waveMinutes, 20);
  });

  it('never runs a conflict pair together in the schedule', () => {
    const s = spec([
      task('a', { markers: ['P'], minutes: 10, files: ['x.ts'] }),
      task('b', { markers: ['P'], minutes: 10, files: ['x.ts'] }),
      task('c', { markers: ['P'], minutes: 10 }),
    ]);
    const e = planSpec(s).estimate;
    // Waves keep the pair apart too: a and c in one round, b in the next.
    assert.deepEqual([e.scheduleMinutes, e.waveMinutes, e.serialMinutes], [20, 20, 30], show(e));
  });

  it('runs exclusive manifest tasks alone', () => {
    const s = spec(
      [task('a', { parallel: true, minutes: 10 }), task('b', { parallel: false, minutes: 10 }), task('c', { parallel: true, minutes: 10 })],
      { format: 'manifest' },
    );
    assert.equal(planSpec(s).estimate.scheduleMinutes, 20, show(planSpec(s).estimate));
  });

  it('uses the default duration, skips done tasks and reports 0 % for an empty spec', () => {
    const s = spec([task('a', { done: true, minutes: 50 }), task('b'), task('c', { minutes: 5 })]);
    const e = planSpec(s, { defaultTaskMinutes: 7 }).estimate;
    assert.deepEqual([e.serialMinutes, e.scheduleMinutes, e.estimatedTasks, e.criticalPath], [12, 12, 1, ['b', 'c']], show(e));
    const empty = planSpec(spec([])).estimate;
    assert.deepEqual([empty.serialMinutes, empty.savingsPercent, empty.waveSavingsPercent, empty.criticalPath], [0, 0, 0, []], show(empty));
  });
});

describe('planSpec: estimate with done tasks ahead of a conflict', () => {
  it('still keeps the conflicting pair apart once the done task releases them', () => {
    const s = spec([
      task('1.1', { done: true }),
      task('1.2', { markers: ['P'], files: ['a.ts'], minutes: 30 }),
      task('1.3', { markers: ['P'], files: ['a.ts'], minutes: 45 }),
      task('1.4', { minutes: 10 }),
    ]);
    const e = planSpec(s).estimate;
    assert.deepEqual([e.serialMinutes, e.scheduleMinutes, e.waveMinutes], [85, 85, 85], JSON.stringify(e));
  });
});
