// Task lists as people write them: boxes GFM does not know, ids slipped in between two others,
// status glyphs before the tags, fields at the task's own indentation, a clause that names
// dependencies, a checklist that repeats the tasks. Each fixture is small and made up here.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Plan } from '../../src/core/model';
import { parseSpec } from '../../src/core/parse';
import { matchTaskLine } from '../../src/core/parse/taskLine';
import { planSpec } from '../../src/core/plan';
import { formatPlanText, toPlanJson } from '../../src/core/report';
import { checkOffTask, uncheckTask } from '../../src/core/tasksEdit';
import { ensureBuilt, ROOT, runCli } from './e2e-helpers';

const show = (v: unknown): string => JSON.stringify(v, null, 1);
const plan = (text: string): Plan => planSpec(parseSpec(text, { path: 'tasks.md' }));
const ids = (p: Plan): string[] => p.spec.tasks.map((t) => t.id);
const groups = (p: Plan): string[][] => p.groups.map((g) => [...g.taskIds]);
const codes = (p: Plan): string[] => p.diagnostics.map((d) => `${d.severity}:${d.code}:${d.taskId ?? ''}`);

describe('written task lists: boxes and ids', () => {
  it('reads a [~] line as a task that is not done, keeps its mark, and keeps the [P] run around it', () => {
    const p = plan(
      ['- [ ] T001 Setup', '- [ ] T002 [P] One', '- [~] T003 [P] Two', '- [ ] T004 [P] Three', '- [ ] T005 After'].join('\n'),
    );
    assert.deepEqual(ids(p), ['T001', 'T002', 'T003', 'T004', 'T005'], show(ids(p)));
    const t3 = p.spec.tasks[2];
    assert.deepEqual([t3?.check, t3?.mark, t3?.done], ['in-progress', '~', false], show(t3));
    assert.deepEqual(groups(p), [['T002', 'T003', 'T004']], show(p.groups));
    assert.deepEqual(p.dependsOn.T005, ['T002', 'T003', 'T004'], show(p.dependsOn));
  });

  it('reads other non-letter marks as begun work and ticks as done; letters and brackets are no box', () => {
    const cases: Array<[string, string | undefined, string | undefined]> = [
      ['- [/] 1.2 started', 'in-progress', '/'],
      ['- [-] 2.1 Kiro in progress', 'in-progress', '-'],
      ['- [✓] 1.3 ticked', 'done', '✓'],
      ['- [✔] 1.4 ticked', 'done', '✔'],
      ['- [y] 1.5 a label', undefined, undefined],
      ['- [1] 1.6 a number', undefined, undefined],
      ['- [[] 1.7 a bracket', undefined, undefined],
    ];
    for (const [line, check, mark] of cases) {
      const m = matchTaskLine(line);
      assert.deepEqual([m?.check, m?.mark], [check, mark], `${line} → ${show(m)}`);
    }
  });

  it('reads ids with a letter suffix, and a Depends naming one finds it', () => {
    for (const [line, id] of [
      ['- [ ] T105a Slipped in', 'T105a'],
      ['- [ ] 1.18a Slipped in', '1.18a'],
      ['- [ ] 10.2a Slipped in', '10.2a'],
      ['- [x] 3.1b. Dotted', '3.1b'],
    ] as const) {
      assert.equal(matchTaskLine(line)?.id, id, line);
    }
    // Two letters, or a capital, is a word, not a suffix.
    assert.equal(matchTaskLine('- [ ] 1.2ab no'), undefined);
    // A factor is no suffix.
    assert.equal(matchTaskLine('- [ ] 1.5x faster start-up'), undefined);
    const p = plan(['- [ ] 1.18 A', '- [ ] 1.18a B', '- [ ] 1.19 C', '  - **Depends on**: 1.18a'].join('\n'));
    assert.deepEqual(ids(p), ['1.18', '1.18a', '1.19'], show(ids(p)));
    assert.deepEqual(p.dependsOn['1.19'], ['1.18a'], show(p.dependsOn));
    assert.deepEqual(codes(p), [], show(p.diagnostics));
  });

  it('does not take a [~] or [/] in a ralph-specum list for Kiro', () => {
    const spec = parseSpec('- [ ] 1.1 A\n- [~] 1.2 B\n- [/] 1.3 C\n', { path: 'tasks.md' });
    assert.equal(spec.format, 'ralph-specum');
  });

  it('checks off a [~] task and a suffix id, one character each, and unchecks back to the mark', () => {
    const text = '- [ ] T105 A\n- [~] T105a B\n- [ ] 1.18a C\n';
    const a = checkOffTask(text, 'T105a');
    assert.equal(a.text, '- [ ] T105 A\n- [X] T105a B\n- [ ] 1.18a C\n', show(a));
    assert.equal(checkOffTask(a.text, 'T105a').changed, false);
    assert.equal(uncheckTask(a.text, 'T105a', '~').text, text);
    const b = checkOffTask('- [x] 1.18 A\n- [~] 1.18a B\n', '1.18a');
    assert.equal(b.text, '- [x] 1.18 A\n- [x] 1.18a B\n', show(b));
    // A tick is done already.
    assert.equal(checkOffTask('- [✓] 1.1 A\n', '1.1').changed, false);
  });
});

describe('written task lists: markers, fields, clauses, copies', () => {
  it('finds the tags behind a status glyph', () => {
    const spec = parseSpec('- [ ] T050 ✅ [P] Ship it\n- [ ] T051 ⚠️ 🚧 [P] [US2] Fix it\n- [ ] T052 ✅ Done-ish, no tags\n', { path: 'tasks.md' });
    const read = spec.tasks.map((t) => [t.id, t.markers.map((m) => m.name).join(','), t.title]);
    assert.deepEqual(read, [
      ['T050', 'P', 'Ship it'],
      ['T051', 'P,US2', 'Fix it'],
      ['T052', '', '✅ Done-ish, no tags'],
    ], show(read));
    assert.deepEqual(groups(planSpec(spec)), [['T050', 'T051']]);
  });

  it('gives fields at column 0 to the task above and keeps the [P] run going', () => {
    const text = [
      '- [ ] 1.1 [P] First',
      '- **Files**: `src/a.ts`',
      '- **Verify**: `npm test`',
      '  that runs everything',
      '- [ ] 1.2 [P] Second',
      '- **Files:** `src/b.ts`',
      '- _Requirements: FR-1_',
      '- Not a field, a plain note',
      '- [ ] 1.3 Third',
    ].join('\n');
    const p = plan(text);
    const read = p.spec.tasks.map((t) => ({ id: t.id, files: t.files, verify: t.verify, requirements: t.requirements, last: t.ranges.block.end.line }));
    assert.deepEqual(read, [
      { id: '1.1', files: ['src/a.ts'], verify: 'npm test', requirements: [], last: 3 },
      { id: '1.2', files: ['src/b.ts'], verify: undefined, requirements: ['FR-1'], last: 6 },
      { id: '1.3', files: [], verify: undefined, requirements: [], last: 8 },
    ], show(read));
    assert.deepEqual(groups(p), [['1.1', '1.2']], show(p.groups));
    // The plain note is no field: it stays a list item of its own, and it separates.
    assert.equal(p.spec.tasks[2]?.separatedFromPrevious, true);
  });

  it('(depends on …) adds to the list order: a task below a [P] block still waits for all of it', () => {
    const p = plan(['- [ ] T001 A', '- [ ] T002 [P] B', '- [ ] T003 [P] C', '- [ ] T004 [P] D', '- [ ] T005 E (depends on T003)'].join('\n'));
    assert.deepEqual(p.dependsOn.T005, ['T002', 'T003', 'T004'], show(p.dependsOn));
    // It also adds an edge the order does not give.
    const q = plan(['- [ ] T001 [P] A', '- [ ] T002 [P] B (depends on T001)', '- [ ] T003 C'].join('\n'));
    assert.deepEqual([q.dependsOn.T002, q.dependsOn.T003], [['T001'], ['T002']], show(q.dependsOn));
  });

  it('a **Depends** field still replaces the list order', () => {
    const p = plan(['- [ ] 1.1 [P] A', '- [ ] 1.2 [P] B', '- [ ] 1.3 C', '  - **Depends**: 1.1'].join('\n'));
    assert.deepEqual(p.dependsOn['1.3'], ['1.1'], show(p.dependsOn));
  });

  it('warns about a copy of a task line and plans the first; a different line with the id stays an error', () => {
    const list = ['- [ ] 1.1 [P] A', '  - **Files**: `a.ts`', '- [ ] 1.2 [P] B', '', '## Quality Checklist', ''];
    const copy = plan([...list, '- [ ] 1.1 [P] A', '- [x] 1.2 [P] B'].join('\n'));
    assert.equal(copy.hasErrors, false, show(copy.diagnostics));
    assert.deepEqual(codes(copy), ['warning:duplicate-id:1.1', 'warning:duplicate-id:1.2'], show(copy.diagnostics));
    assert.deepEqual([copy.taskIds, groups(copy)], [['1.1', '1.2'], [['1.1', '1.2']]], show(copy));
    assert.deepEqual(copy.spec.tasks[0]?.files, ['a.ts']);
    // The copies count once: in the JSON, and in the done count of the text.
    assert.deepEqual(toPlanJson(copy).tasks.map((t) => t.id), ['1.1', '1.2']);
    assert.match(formatPlanText(copy), /^tasks\.md — ralph-specum, 2 tasks, 1 phase\n/, formatPlanText(copy));
    const other = plan([...list, '- [ ] 1.1 [P] Something else'].join('\n'));
    assert.equal(other.hasErrors, true);
    assert.deepEqual(codes(other), ['error:duplicate-id:1.1'], show(other.diagnostics));
  });
});

// A random flat list; each row a task with or without [P], a blank or a paragraph before it.
const rowArb = fc.record({ p: fc.boolean(), before: fc.constantFrom('', '', 'Some prose.'), done: fc.boolean() });
const rowsArb = fc.array(rowArb, { minLength: 1, maxLength: 12 });

function listOf(rows: readonly { p: boolean; before: string; done: boolean }[], mark: (i: number) => string, id: (i: number) => string): string {
  const out: string[] = ['# Tasks', ''];
  rows.forEach((r, i) => {
    if (r.before) out.push('', r.before, '');
    out.push(`- [${mark(i)}] ${id(i)} ${r.p ? '[P] ' : ''}Task ${i}`);
  });
  return out.join('\n');
}

/** What the planner made of every task but one: ids, groups and edges, named through `name`. */
function shape(p: Plan, name: (id: string) => string, except?: string): unknown {
  const keep = (id: string) => id !== except;
  return {
    ids: p.taskIds.filter(keep).map(name),
    groups: p.groups.map((g) => g.taskIds.filter(keep).map(name)),
    edges: p.taskIds.filter(keep).map((id) => [name(id), (p.dependsOn[id] ?? []).filter(keep).map(name)]),
    diagnostics: p.diagnostics
      .filter((d) => d.taskId === undefined || keep(d.taskId))
      .map((d) => `${d.severity}:${d.code}:${d.taskId === undefined ? '' : name(d.taskId)}`),
  };
}

describe('written task lists: properties', () => {
  it('a [~] box instead of [ ] changes nothing in the plan but that task\'s state', () => {
    fc.assert(
      fc.property(rowsArb, fc.nat(), (rows, k) => {
        const at = k % rows.length;
        const mark = (i: number) => (rows[i]?.done ? 'x' : ' ');
        const open = plan(listOf(rows, (i) => (i === at ? ' ' : mark(i)), (i) => `T${i + 1}`));
        const partial = plan(listOf(rows, (i) => (i === at ? '~' : mark(i)), (i) => `T${i + 1}`));
        const same = (id: string) => id;
        assert.deepEqual(shape(partial, same), shape(open, same));
        assert.deepEqual(partial.spec.tasks.map((t) => t.id), open.spec.tasks.map((t) => t.id));
        assert.equal(partial.spec.tasks[at]?.check, 'in-progress');
      }),
      { numRuns: 200 },
    );
  });

  it('an id with a letter suffix plans like any other id', () => {
    fc.assert(
      fc.property(rowsArb, fc.nat(), fc.boolean(), (rows, k, dotted) => {
        const at = k % rows.length;
        const plain = (i: number) => (dotted ? `1.${i + 1}` : `T${i + 1}`);
        // The task at `at` becomes the previous task's id with a suffix: `1.3` → `1.2a`.
        const suffixed = (i: number) => (i === at ? `${at === 0 ? (dotted ? '1.0' : 'T0') : plain(at - 1)}a` : plain(i));
        const mark = (i: number) => (rows[i]?.done ? 'x' : ' ');
        const before = plan(listOf(rows, mark, plain));
        const after = plan(listOf(rows, mark, suffixed));
        const rename = (id: string) => (id === suffixed(at) ? plain(at) : id);
        assert.deepEqual(shape(after, rename), shape(before, (id) => id));
        // And the other tasks are untouched whatever the renamed one is called.
        assert.deepEqual(shape(after, (id) => id, suffixed(at)), shape(before, (id) => id, plain(at)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('written task lists: ralph plan', function () {
  this.timeout(30_000);
  before(() => ensureBuilt());
  const FIX = join(ROOT, 'test', 'fixtures', 'cli');

  it('plans a ralph-specum list with [~], a suffix id, a glyph, column-0 fields and a checklist copy', async () => {
    const res = await runCli(['plan', join(FIX, 'written-specum.md')], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /group 1: 1\.2, 1\.3, 1\.3a, 1\.4\n/, res.stdout);
    assert.match(res.stdout, /warning: Task 1\.2 is listed again, as on line 9; the copy is left out of the plan\./, res.stdout);
    assert.doesNotMatch(res.stdout, /error/, res.stdout);
    const json = JSON.parse((await runCli(['plan', join(FIX, 'written-specum.md'), '--json'], ROOT)).stdout);
    const byId = (id: string) => json.tasks.find((t: { id: string }) => t.id === id);
    assert.deepEqual([byId('1.3').state, byId('1.3').mark, byId('1.3').files], ['in-progress', '~', ['src/list.ts']], show(byId('1.3')));
    assert.deepEqual(byId('1.5').dependsOn, ['1.3a', '1.4'], show(byId('1.5')));
  });

  it('plans a spec-kit list whose (depends on …) task waits for the whole [P] block above it', async () => {
    const res = await runCli(['plan', join(FIX, 'written-speckit.md'), '--json'], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const json = JSON.parse(res.stdout);
    const t4 = json.tasks.find((t: { id: string }) => t.id === 'T004');
    assert.deepEqual(t4.dependsOn, ['T002', 'T003', 'T003a'], show(t4));
    assert.deepEqual(json.groups[0].taskIds, ['T002', 'T003', 'T003a'], show(json.groups));
    assert.deepEqual(json.diagnostics, [], show(json.diagnostics));
  });
});
