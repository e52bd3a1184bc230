// Hostile input benchmark: `node --import tsx bench/hostile.bench.ts`. Prints a table.
// Goal: reading a line with a construct left open is linear in its length — 4× the input costs
// about 4× the time (a quadratic reading costs 16×, the old `[P` one 64×) — and refusing nesting
// deeper than the limit costs one look at each line. The baseline of each row is the same reader
// on the smaller input, measured in the same run.

import { performance } from 'node:perf_hooks';
import { parseSpec } from '../src/core/parse/index';
import { planSpec } from '../src/core/plan/index';
import { LEFT_OPEN } from '../test/unit/hostileCases';

/** The fastest of `runs` timings: scheduling noise only ever adds. */
function fastest(work: () => void, runs = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const rows: string[][] = [['input', 'chars', 'ms', '4× chars ms', 'ratio (linear ≈ 4)']];
const read = (text: string) => () => planSpec(parseSpec(text, { path: 'tasks.md' }));
for (const [name, [n, make]] of Object.entries(LEFT_OPEN)) {
  read(make(256))();
  const small = fastest(read(make(4 * n)));
  const large = fastest(read(make(16 * n)));
  rows.push([name, String(4 * n), small.toFixed(1), large.toFixed(1), (large / small).toFixed(1)]);
}
const nested = (levels: number) => read(`- [ ] 1.1 Top\n  ${'- '.repeat(levels)}x\n`);
const small = fastest(nested(250_000));
const large = fastest(nested(1_000_000));
rows.push(['nesting refused on one line', '250 000 levels', small.toFixed(1), large.toFixed(1), (large / small).toFixed(1)]);

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
