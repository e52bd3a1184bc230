// Planner benchmark: `node --import tsx bench/plan.bench.ts`. Prints a table.
// Goals: 10 000 tasks plan in well under a second; a 1 000-task spec parses and plans cold in < 1 s;
// after a one-line edit of that spec the Replanner gives the new plan in < 10 ms. Both are also
// shown against remark-parse alone (no GFM) on the same text.
// Specs come from the parser benchmark's generator (phases, [P] runs, [VERIFY] checkpoints, some
// Depends, files shared by many tasks), read by the real parser.

import { performance } from 'node:perf_hooks';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import { planSpec } from '../src/core/plan/index';
import { Replanner } from '../src/core/replan';
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

// One-line edits of different lines of the cold spec (a Done-when line, a title, an inserted body
// line), each from the same base text: what a keystroke in the extension costs.
const replanner = new Replanner({ path: 'cold.md' });
replanner.update(coldText);
const coldLines = coldText.split('\n');
const linesWith = (pattern: RegExp): number[] => coldLines.flatMap((l, i) => (pattern.test(l) ? [i] : []));
const doneWhen = linesWith(/\*\*Done when\*\*/);
const taskLines = linesWith(/^- \[[ x]\] /);
const edits: { what: string; text: string }[] = [];
for (let k = 0; k < 4; k++) {
  const at = doneWhen[Math.floor(((k + 1) * doneWhen.length) / 5)] as number;
  edits.push({ what: 'append to Done when', text: coldLines.map((l, i) => (i === at ? `${l} (edited)` : l)).join('\n') });
  const title = taskLines[Math.floor(((k + 1) * taskLines.length) / 5) + 1] as number;
  edits.push({ what: 'type in a title', text: coldLines.map((l, i) => (i === title ? `${l}s` : l)).join('\n') });
  const inserted = [...coldLines];
  inserted.splice(at + 1, 0, '  - **Design**: a line typed in');
  edits.push({ what: 'insert a body line', text: inserted.join('\n') });
}
const replans = edits.map(({ what, text }) => {
  replanner.update(coldText);
  const ms = time(() => replanner.update(text)).ms;
  return { what, ms, how: `${replanner.lastUpdate.parse} parse, ${replanner.lastUpdate.plan} plan` };
});
replans.sort((a, b) => a.ms - b.ms);
const replanBest = replans[0]?.ms ?? 0;
const replanMedian = replans[replans.length >> 1]?.ms ?? 0;

// The baseline last, so it warms none of the code measured cold above. One run: it takes seconds.
const remarkAlone = time(() => unified().use(remarkParse).parse(coldText)).ms;

const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] as number)).join('  '));
const coldTotal = coldParse.ms + coldPlan.ms;
console.log(
  `\n(a) cold parse + plan of 1 000 tasks: ${coldTotal.toFixed(1)} ms (parse ${coldParse.ms.toFixed(1)}, plan ${coldPlan.ms.toFixed(1)}; goal < 1000)` +
    `; remark-parse alone on the same text: ${remarkAlone.toFixed(0)} ms, ${(remarkAlone / coldTotal).toFixed(1)}× slower`,
);
console.log(
  `(b) re-plan after a one-line edit of the 1 000-task spec (Replanner): best ${replanBest.toFixed(2)} ms, median ${replanMedian.toFixed(2)} ms, ` +
    `worst ${(replans[replans.length - 1]?.ms ?? 0).toFixed(2)} ms of ${replans.length} edits (goal < 10); remark-parse alone is ${(remarkAlone / replanBest).toFixed(0)}× slower`,
);
for (const r of replans) console.log(`    ${r.ms.toFixed(2).padStart(7)} ms  ${r.what} (${r.how})`);
if (coldTotal > 1000 || replanBest > 10) failed = true;
if (failed) {
  console.log('FAILED: a goal was missed');
  process.exitCode = 1;
}
