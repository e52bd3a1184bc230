// Kiro parents written flat (`- [ ] 1. Database` with `- [ ] 1.1 …` at the same indentation):
// read as the nested list they stand for, planned and checked off the same way.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Plan } from '../../src/core/model';
import { parseSpec } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import { Replanner } from '../../src/core/replan';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, rig } from './fakes';

const FLAT = readFileSync(join(__dirname, '../fixtures/kiro/flat-tasks.md'), 'utf8');
const show = (x: unknown): string => JSON.stringify(x);
const nesting = (text: string) => parseSpec(text, { path: 'tasks.md' }).tasks.map((t) => [t.id, t.parentId ?? null, t.childIds]);

/** The flat list indented the way Kiro writes it: every `N.k` task and its body two more columns. */
function nested(flat: string): string {
  let inChild = false;
  return flat
    .split('\n')
    .map((line) => {
      const task = /^- \[.\]\*? (\d+(?:\.\d+)*)\.? /.exec(line);
      if (task) inChild = (task[1] ?? '').includes('.');
      else if (!line.startsWith('  ')) inChild = false;
      return inChild && line !== '' ? `  ${line}` : line;
    })
    .join('\n');
}

describe('Kiro flat parents: parse', () => {
  it('makes `1.` the parent of the `1.x` tasks written below it at the same indentation', () => {
    assert.deepEqual(
      nesting(FLAT),
      [
        ['1', null, ['1.1', '1.2', '1.3']],
        ['1.1', '1', []],
        ['1.2', '1', []],
        ['1.3', '1', []],
        ['2', null, ['2.1', '2.2', '2.3']],
        ['2.1', '2', []],
        ['2.2', '2', []],
        ['2.3', '2', []],
        ['3', null, []],
      ],
      show(nesting(FLAT)),
    );
  });

  it('reads the flat list exactly as its nested form', () => {
    assert.match(nested(FLAT), /\n {2}- \[ \] 1\.1 Create the schema\n {4}- Tables/, nested(FLAT));
    assert.deepEqual(nesting(FLAT), nesting(nested(FLAT)));
  });

  it('takes a `2.x` only while nothing but `2` and its own tasks came between', () => {
    const text = ['- [ ] 2. Parent', '- [ ] 2.1 Child', '- [ ] 3. Other', '- [ ] 2.2 Stray', '- [ ] 3.1 After the stray'].join('\n');
    assert.deepEqual(
      nesting(text),
      [['2', null, ['2.1']], ['2.1', '2', []], ['3', null, []], ['2.2', null, []], ['3.1', null, []]],
      show(nesting(text)),
    );
  });

  it('nests deeper ids the same way, also inside an indented list', () => {
    const text = ['- [ ] 1. Top', '  - [ ] 1.1 Middle', '  - [ ] 1.1.1 Leaf', '  - [ ] 1.2 Middle again'].join('\n');
    assert.deepEqual(
      nesting(text),
      [['1', null, ['1.1', '1.2']], ['1.1', '1', ['1.1.1']], ['1.1.1', '1.1', []], ['1.2', '1', []]],
      show(nesting(text)),
    );
  });

  it('leaves ralph-specum lists alone: their ids are not Kiro parents', () => {
    const text = ['## Phase 1', '- [ ] 1.1 One', '- [ ] 1.1.1 Not a child here', '- [ ] 1.2 Two'].join('\n');
    const spec = parseSpec(text, { path: 'tasks.md' });
    assert.equal(spec.format, 'ralph-specum');
    assert.deepEqual(spec.tasks.map((t) => t.parentId ?? null), [null, null, null]);
  });

  it('keeps the parent when an edit re-reads one flat sub-task on its own', () => {
    const replanner = new Replanner({ path: 'tasks.md' });
    replanner.update(FLAT);
    const edited = FLAT.replace('Tables for users and sessions', 'Tables for users, sessions and tokens');
    const plan = replanner.update(edited);
    assert.equal(replanner.lastUpdate.parse, 'block', show(replanner.lastUpdate));
    assert.equal(plan.spec.tasks.find((t) => t.id === '1.1')?.parentId, '1');
    assert.deepEqual(plan.dependsOn, planSpec(parseSpec(edited, { path: 'tasks.md' })).dependsOn);
  });
});

describe('Kiro flat parents: plan and run', () => {
  it('plans `1.` and `2.` as containers and `3.` (no sub-tasks) as a task of its own', () => {
    const plan = planSpec(parseSpec(FLAT, { path: 'tasks.md' }), { includeOptional: true });
    assert.deepEqual(plan.containers, ['1', '2'], show(plan.containers));
    assert.deepEqual(plan.dependsOn['1'], ['1.3'], show(plan.dependsOn));
    assert.deepEqual(plan.dependsOn['2.1'], ['1'], show(plan.dependsOn));
    assert.deepEqual(plan.dependsOn['3'], ['2'], show(plan.dependsOn));
  });

  it('never sends a flat parent to an agent, and checks it off after its sub-tasks', async () => {
    const r = rig();
    const text = ['- [ ] 1. Database', '- [ ] 1.1 Create schema', '- [ ] 1.2 Add indexes', '- [ ] 2. Docs'].join('\n');
    const p = planSpec(parseSpec(text, { path: '/repo/specs/demo/tasks.md' }));
    const run = runPlan(p, r.ports, { maxConcurrent: 3, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 }, neverCancelled, (e) => r.events.push(e));
    for (const id of ['1.1', '1.2', '2']) {
      await flush();
      assert.deepEqual(r.executor.running(), [id], show(r.executor.order));
      r.executor.resolve(id);
    }
    const summary = await run;
    assert.deepEqual(r.tasksFile.done, ['1.1', '1.2', '1', '2'], show(r.tasksFile.done));
    assert.ok(!r.executor.order.includes('start 1'), show(r.executor.order));
    assert.equal(summary.succeeded, 4, show(summary));
  });
});

// Random Kiro lists, each written twice: nested as Kiro writes it, and flat.
interface Unit {
  children: { parallel: boolean; done: boolean; optional: boolean; body: boolean }[];
  parallel: boolean;
  done: boolean;
  noteBefore: boolean;
}

const unitArb: fc.Arbitrary<Unit> = fc.record({
  children: fc.array(fc.record({ parallel: fc.boolean(), done: fc.constantFrom(false, false, true), optional: fc.constantFrom(false, false, true), body: fc.boolean() }), { maxLength: 4 }),
  parallel: fc.boolean(),
  done: fc.constantFrom(false, false, true),
  noteBefore: fc.constantFrom(false, false, true),
});

function render(units: readonly Unit[], form: 'nested' | 'flat'): string {
  const indent = form === 'nested' ? '  ' : '';
  const lines = ['# Implementation Plan', ''];
  units.forEach((u, i) => {
    const n = i + 1;
    if (u.noteBefore) lines.push('Notes between tasks.', '');
    lines.push(`- [${u.done ? 'x' : ' '}] ${n}. ${u.parallel ? '[P] ' : ''}Unit ${n}`);
    u.children.forEach((c, k) => {
      lines.push(`${indent}- [${c.done ? 'x' : ' '}]${c.optional ? '*' : ''} ${n}.${k + 1} ${c.parallel ? '[P] ' : ''}Step ${n}.${k + 1}`);
      if (c.body) lines.push(`${indent}  - _Requirements: ${n}.${k + 1}_`);
    });
  });
  return lines.join('\n') + '\n';
}

function planned(plan: Plan) {
  return {
    dependsOn: plan.dependsOn,
    groups: plan.groups.map((g) => g.taskIds),
    containers: plan.containers,
    levels: plan.levels,
    runnable: plan.estimate.serialMinutes,
    criticalPath: plan.estimate.criticalPath,
    skipped: plan.skippedOptional,
  };
}

describe('Kiro flat parents: property', () => {
  it('a flat parent line above its sub-tasks plans exactly as the nested form', () => {
    fc.assert(
      fc.property(fc.array(unitArb, { minLength: 1, maxLength: 6 }), fc.boolean(), (units, includeOptional) => {
        const flat = planSpec(parseSpec(render(units, 'flat'), { path: 'tasks.md' }), { includeOptional });
        const nest = planSpec(parseSpec(render(units, 'nested'), { path: 'tasks.md' }), { includeOptional });
        assert.deepEqual(planned(flat), planned(nest), render(units, 'flat'));
      }),
      { numRuns: 300 },
    );
  });
});
