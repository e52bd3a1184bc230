import { strict as assert } from 'node:assert';
import { BlockCache, parseSpec } from '../../src/core/parse/index';
import { generateTasksMd } from '../../bench/generate';

const show = (v: unknown) => JSON.stringify(v);

describe('parse: block cache', () => {
  const text = generateTasksMd(200, 3);

  it('re-parses only the edited block after a one-line edit', () => {
    const cache = new BlockCache();
    const first = parseSpec(text, { path: 't.md', cache });
    assert.equal(first.tasks.length, 200);
    const cold = cache.misses;
    const lines = text.split('\n');
    const target = lines.findIndex((l, i) => i > lines.length / 2 && l.includes('**Done when**'));
    lines[target] = `${lines[target]} and more`;
    const edited = parseSpec(lines.join('\n'), { path: 't.md', cache });
    assert.equal(cache.misses - cold, 1, `misses ${cold} → ${cache.misses}`);
    const changed = edited.tasks.filter((t, i) => t.doneWhen !== first.tasks[i]?.doneWhen);
    assert.equal(changed.length, 1, show(changed.map((t) => t.id)));
    assert.ok(changed[0]?.doneWhen?.endsWith('and more'), show(changed[0]));
  });

  it('reuses a block that moved, shifting its ranges', () => {
    const cache = new BlockCache();
    const base = '- [ ] 1.1 A\n  - **Files**: `a.ts`\n  - **Estimate**: later\n';
    const before = parseSpec(base, { path: 't.md', cache });
    const misses = cache.misses;
    const moved = parseSpec(`# Title\n\nIntro text.\n\n${base}`, { path: 't.md', cache });
    assert.equal(cache.misses, misses, `misses ${misses} → ${cache.misses}`);
    assert.deepEqual(
      [moved.tasks[0]?.files, moved.tasks[0]?.ranges.block.start.line, moved.diagnostics[0]?.range.start.line],
      [before.tasks[0]?.files, 4, 6],
      show(moved),
    );
  });

  it('gives the same spec with a warm cache as with a cold one', () => {
    const cache = new BlockCache();
    parseSpec(text, { path: 't.md', cache });
    const warm = parseSpec(text, { path: 't.md', cache });
    const cold = parseSpec(text, { path: 't.md' });
    assert.deepEqual(warm, cold);
  });

  it('stays within its size bound', () => {
    const cache = new BlockCache(10);
    parseSpec(text, { path: 't.md', cache });
    assert.ok(cache.size <= 10, `size ${cache.size}`);
  });
});
