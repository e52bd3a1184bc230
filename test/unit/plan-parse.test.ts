import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import { toMermaid } from '../../src/core/mermaid';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/plan', name), 'utf8');
const show = (x: unknown): string => JSON.stringify(x);

describe('planSpec on parsed markdown', () => {
  it('plans a ralph-specum tasks.md: groups, a [P][VERIFY] barrier, Depends behind it, overlaps', () => {
    const plan = planSpec(parseSpec(fixture('specum.md'), { path: 'specs/report/tasks.md' }));
    assert.deepEqual(
      plan.dependsOn,
      { '1.1': [], '1.2': ['1.1'], '1.3': ['1.1'], '1.4': ['1.2', '1.3'], '1.5': ['1.4'], '2.1': ['1.5'], '2.2': ['1.5'] },
      show(plan.dependsOn),
    );
    assert.deepEqual(plan.groups.map((g) => g.taskIds), [['1.2', '1.3'], ['2.1', '2.2']], show(plan.groups));
    assert.deepEqual(plan.conflicts, [['1.2', '1.3'], ['2.1', '2.2']], show(plan.conflicts));
    assert.deepEqual(
      plan.diagnostics.map((d) => [d.code, d.taskId, d.range.start.line + 1]),
      [['parallel-file-overlap', '1.3', 14], ['parallel-with-barrier', '1.4', 18], ['parallel-file-overlap', '2.2', 29]],
      show(plan.diagnostics),
    );
    const e = plan.estimate;
    // 1.1 is done; 1.2 (30) and 1.3 (45) share src/report/, so they run one after the other, in
    // waves too.
    assert.deepEqual([e.serialMinutes, e.scheduleMinutes, e.waveMinutes, e.estimatedTasks], [115, 115, 115, 2], show(e));
  });

  it('plans a Kiro tasks.md with parents as containers', () => {
    const plan = planSpec(parseSpec(fixture('kiro.md'), { path: '.kiro/specs/sync/tasks.md' }));
    assert.deepEqual(plan.containers, ['1', '2'], show(plan));
    assert.deepEqual(plan.levels, [['1.1'], ['1.2'], ['1'], ['2.1'], ['2.2'], ['2'], ['3']], show(plan.levels));
    // 2.2 is optional (`[ ]*`): skipped, so it takes no time unless optional tasks are included.
    assert.deepEqual(plan.skippedOptional, ['2.2'], show(plan.skippedOptional));
    assert.equal(plan.estimate.serialMinutes, 40, show(plan.estimate));
    const all = planSpec(parseSpec(fixture('kiro.md'), { path: '.kiro/specs/sync/tasks.md' }), { includeOptional: true });
    assert.deepEqual([all.skippedOptional, all.estimate.serialMinutes], [[], 50], show(all.estimate));
  });

  it('draws the parsed spec with its groups and phases', () => {
    const plan = planSpec(parseSpec(fixture('specum.md'), { path: 'specs/report/tasks.md' }));
    const text = toMermaid(plan);
    assert.match(text, /subgraph p_0\["Phase 1: Make It Work"\]\n\s+t_1_1\["1\.1 Sketch the report model"\]\n\s+subgraph g_0\["Parallel group 1"\]\n\s+t_1_2\[/, text);
    assert.match(text, /\n  t_1_2 -\.- t_1_3\n/, text);
    assert.match(text, /class t_1_1 done/, text);
  });
});
