import { strict as assert } from 'node:assert';
import { range } from '../../src/core/model';

describe('model', () => {
  it('builds zero-based ranges', () => {
    const r = range(1, 2, 3, 4);
    assert.deepEqual(r, { start: { line: 1, character: 2 }, end: { line: 3, character: 4 } }, JSON.stringify(r));
  });
});
