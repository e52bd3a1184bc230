// Planner benchmark: `node --import tsx bench/plan.bench.ts`. Prints a table.
// Goals: 10 000 tasks plan in well under a second; a 1 000-task spec parses and plans cold in < 1 s.
// Specs come from the parser benchmark's generator (phases, [P] runs, [VERIFY] checkpoints, some
// Depends, files shared by many tasks), read by the real parser.

import { performance } from 'node:perf_hooks';
import { planSpec } from '../src/core/plan/index';
import { parseSpec } from '../src/core/parse/index';
import { toMermaid } from '../src/core/mermaid';
import { generateTasksMd } from './generate';

function time<T>(f: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = f();
  return { ms: performance.now() - start, value };
}

const sizes = [100, 1_000, 10_000];
const rows: string[][] = [['tasks', 'parse ms', 'plan ms (first)', 'plan ms (best of 3)', 'mermaid ms', 'groups', 'conflicts', 'levels', 'serial min', 'schedule min', 'wave min']];
let failed = false;

// Cold: the first plan in this process, parse included (what `ralph plan` on a 1 000-task spec pays).
const coldText = generateTasksMd(1_000, 11);
const coldParse = time(() => parseSpec(coldText, { path: 'cold.md' }));
const coldPlan = time(() => planSpec(coldParse.value));

planSpec(parseSpec(generateTasksMd(200, 99), { path: 'warmup.md' }));
for (const n of sizes) {
  const text = generateTasksMd(n, 7);
  const parsed = time(() => parseSpec(text, { path: `generated-${n}.md` }));
  const planned = time(() => planSpec(parsed.value));
  const best = Math.min(...[0, 1, 2].map(() => time(() => planSpec(parsed.value)).ms));
  const drawn = time(() => toMermaid(planned.value));
  const plan = planned.value;
  rows.push([
    String(n),
    parsed.ms.toFixed(1),
    planned.ms.toFixed(1),
    best.toFixed(1),
    drawn.ms.toFixed(1),
    String(plan.groups.length),
    String(plan.conflicts.length),
    String(plan.levels.length),
    String(plan.estimate.serialMinutes),
    String(plan.estimate.scheduleMinutes),
    String(plan.estimate.waveMinutes),
  ]);
  if (n === 10_000 && best > 1000) failed = true;
}

const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] as number)).join('  '));
const coldTotal = coldParse.ms + coldPlan.ms;
console.log(`\ncold parse + plan of 1 000 tasks: ${coldTotal.toFixed(1)} ms (parse ${coldParse.ms.toFixed(1)}, plan ${coldPlan.ms.toFixed(1)}; goal < 1000)`);
if (coldTotal > 1000) failed = true;
if (failed) {
  console.log('FAILED: a goal was missed');
  process.exitCode = 1;
}
