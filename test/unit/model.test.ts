import { strict as assert } from 'node:assert';
import { firstOfEachId, range, tasksById } from '../../src/core/model';
import { parseSpec } from '../../src/core/parse';

describe('model', () => {
  it('builds zero-based ranges', () => {
    const r = range(1, 2, 3, 4);
    assert.deepEqual(r, { start: { line: 1, character: 2 }, end: { line: 3, character: 4 } }, JSON.stringify(r));
  });

  it('maps each id to its first task, the one the planner plans', () => {
    const spec = parseSpec('- [ ] 1.1 First\n- [ ] 1.2 Other\n- [ ] 1.1 Again\n', { path: 'tasks.md' });
    const byId = tasksById(spec.tasks);
    assert.deepEqual([...byId.keys()], ['1.1', '1.2']);
    assert.equal(byId.get('1.1')?.title, 'First');
    assert.deepEqual([...byId.values()], firstOfEachId(spec.tasks));
  });
});
