import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../src/core/parse/index';

const show = (v: unknown) => JSON.stringify(v);
const text = readFileSync(path.join(__dirname, '../fixtures/parse/manifest.json'), 'utf8');

describe('parse: JSON task manifest', () => {
  const spec = parseManifest(text, { path: 'vtm.json' });

  it('reads ids, titles, dependencies, conflicts, scopes, risk, group and estimates', () => {
    assert.deepEqual(
      spec.tasks.map((t) => ({
        id: t.id, title: t.title, deps: t.declaredDependsOn, parallel: t.parallelRequested, conflicts: t.conflictsWith,
        files: t.files, risk: t.risk, group: t.parallelismGroup, minutes: t.estimateMinutes,
      })),
      [
        { id: 'HASH--T01', title: 'Hash content', deps: [], parallel: true, conflicts: ['HASH--T02'], files: ['packages/foundation/src/hash/'], risk: 'medium', group: 'foundation', minutes: 15 },
        { id: 'HASH--T02', title: 'Store hashes', deps: ['HASH--T01'], parallel: false, conflicts: [], files: [], risk: undefined, group: undefined, minutes: 30 },
        { id: 'HASH--T03', title: 'HASH--T03', deps: undefined, parallel: false, conflicts: [], files: [], risk: undefined, group: undefined, minutes: undefined },
      ],
      show(spec.tasks),
    );
    assert.equal(spec.tasks[1]?.fields.parallel, 'false', show(spec.tasks[1]?.fields));
  });

  it('points each task at the line of its object and its id', () => {
    const lines = text.split('\n');
    for (const t of spec.tasks) {
      assert.equal(lines[t.ranges.line.start.line]?.trim(), '{', show(t.ranges));
      assert.equal(lines[t.ranges.id.start.line]?.slice(t.ranges.id.start.character, t.ranges.id.end.character), t.id, show(t.ranges.id));
    }
  });

  it('reports a task without task_id and wrong types as malformed-field with their lines', () => {
    assert.deepEqual(
      spec.diagnostics.map((d) => [d.code, d.severity, d.range.start.line + 1, d.taskId]),
      [['malformed-field', 'warning', 22, undefined], ['malformed-field', 'warning', 27, 'HASH--T03'], ['malformed-field', 'warning', 28, 'HASH--T03']],
      show(spec.diagnostics),
    );
  });

  it('reports invalid JSON as malformed-input with line and column, and no tasks', () => {
    const broken = '{\n  "tasks": [\n    { "task_id": "A" \n    { "task_id": "B" }\n  ]\n}\n';
    const s = parseManifest(broken, { path: 'bad.json' });
    assert.deepEqual([s.tasks.length, s.diagnostics.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character])], [0, [['malformed-input', 'error', 3, 4]]], show(s));
    assert.match(s.diagnostics[0]?.message ?? '', /line 4, column 5/, show(s.diagnostics));
  });

  it('accepts a top-level array and estimate strings', () => {
    const s = parseManifest('[{"task_id": "A", "estimate": "2 hours", "risk": "HIGH"}]', { path: 'a.json' });
    assert.deepEqual(s.tasks.map((t) => [t.id, t.estimateMinutes, t.risk]), [['A', 120, 'high']], show(s.tasks));
  });

  it('rejects a document that is neither a task list nor has one', () => {
    const s = parseManifest('{"jobs": []}', { path: 'a.json' });
    assert.deepEqual([s.tasks.length, s.diagnostics.map((d) => d.code)], [0, ['malformed-input']], show(s));
  });
});
