// What the extension does on each keystroke in a 60-task tasks.md: re-plan through the Replanner
// (CodeLens, diagnostics, decorations and the tree are drawn from that plan), and, once the author
// pauses, the DAG page's graph model. Goal: within a keystroke or two — under one 16 ms frame per
// keystroke. Baseline, measured in the same run: what an extension without the Replanner would do,
// a fresh parse and plan of the whole text on every keystroke.
import { generateTasksMd } from './generate';
import { Replanner } from '../src/core/replan';
import { parseSpec } from '../src/core/parse';
import { planSpec } from '../src/core/plan';
import { buildDagGraph } from '../src/core/graph';

const base = generateTasksMd(60, 11);
const lines = base.split('\n');

/** The texts a user produces typing `text` at the end of line `line`, one character at a time. */
function typing(line: number, text: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= text.length; i++) {
    const copy = [...lines];
    copy[line] = `${copy[line]}${text.slice(0, i)}`;
    out.push(copy.join('\n'));
  }
  return out;
}

const doLine = lines.findIndex((l, i) => i > lines.length / 2 && l.includes('**Do**'));
const taskLine = lines.findIndex((l, i) => i > lines.length / 3 && /^- \[ \] \d/.test(l));
// Typing in a Do field (a task's body), then typing a new marker on a task line (structure).
const keystrokes = [...typing(doLine, ' and keep the old behaviour behind a flag'), ...typing(taskLine, ' [P]')];

function perKeystroke(f: (text: string) => void): number[] {
  const times: number[] = [];
  for (const text of keystrokes) {
    const start = performance.now();
    f(text);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

// Warm both paths up (JIT), then measure.
const replanner = new Replanner({ path: 'tasks.md' });
replanner.update(base);
for (let r = 0; r < 3; r++) perKeystroke((t) => replanner.update(t));
const baseline = perKeystroke((t) => planSpec(parseSpec(t, { path: 'tasks.md' })));
const ours = perKeystroke((t) => replanner.update(t));
const dagStart = performance.now();
const graph = buildDagGraph(replanner.update(keystrokes[keystrokes.length - 1] as string));
const dagMs = performance.now() - dagStart;

console.log(`60-task tasks.md (${(base.length / 1024).toFixed(0)} KB), ${keystrokes.length} keystrokes (typing in a Do field, then a marker on a task line)`);
console.log(`  baseline, fresh parse + plan per keystroke: median ${quantile(baseline, 0.5).toFixed(2)} ms, p95 ${quantile(baseline, 0.95).toFixed(2)} ms`);
console.log(`  Replanner per keystroke:                    median ${quantile(ours, 0.5).toFixed(2)} ms, p95 ${quantile(ours, 0.95).toFixed(2)} ms, worst ${quantile(ours, 1).toFixed(2)} ms`);
console.log(`  ratio (Replanner ÷ baseline, median): ${(quantile(ours, 0.5) / quantile(baseline, 0.5)).toFixed(3)}×`);
console.log(`  DAG model after the pause (${graph.nodes.length} nodes): ${dagMs.toFixed(2)} ms`);
if (quantile(ours, 0.95) > 16) {
  console.log('FAILED: a keystroke took more than a 16 ms frame at p95');
  process.exitCode = 1;
}
