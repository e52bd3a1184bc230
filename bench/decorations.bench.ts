// The editor's decorations of a 1 000-task tasks.md while a run goes on: the status after each
// task's line and the parallel-group bands, computed from the plan and the run's board
// (core/taskDecorations.ts) once a second and on every event. Goal: under 2 ms per refresh.
// Baseline, measured in the same run: the same refresh with a task the board knows nothing of
// looked up by a scan of the spec's tasks, as the board did before its look-ups went through a
// per-spec map (O(n) per line, O(n²) per refresh).
import { generateTasksMd } from './generate';
import { RunBoard } from '../src/core/board';
import { parseSpec } from '../src/core/parse';
import { planSpec } from '../src/core/plan';
import type { Spec } from '../src/core/model';
import { taskDecorations, type DocumentLines } from '../src/core/taskDecorations';

const text = generateTasksMd(1000, 13);
const plan = planSpec(parseSpec(text, { path: 'tasks.md' }));
const lines = text.split('\n');
const doc: DocumentLines = { lineCount: lines.length, isBlank: (line) => /^\s*$/.test(lines[line] ?? '') };

// A run of the first 300 tasks: 100 finished, 20 running, 10 failed, the rest queued or waiting.
// The other 700 tasks are not on the board: each refresh looks them up in the spec.
const ids = plan.spec.tasks.map((t) => t.id);
const inRun = ids.slice(0, 300);
const board = new RunBoard();
board.apply({ type: 'runStarted', runId: 'b', taskIds: inRun, resumed: false, at: 0 });
inRun.forEach((id, i) => {
  board.apply({ type: 'taskQueued', taskId: id, at: i });
  if (i >= 130) return;
  board.apply({ type: 'taskStarted', taskId: id, attempt: 1, at: i });
  if (i < 100) board.apply({ type: 'taskFinished', taskId: id, status: 'succeeded', attempt: 1, durationMs: 1_000 + i, at: i + 1_000 });
  else if (i < 110) board.apply({ type: 'taskFinished', taskId: id, status: 'failed', attempt: 1, durationMs: 500, reason: `exit code ${i}`, at: i + 500 });
});

/** The board as it looked tasks up before: a linear scan of the spec for the tasks it does not know. */
const known = new Set(Object.keys(board.snapshot()));
const scanning = Object.assign(Object.create(board) as RunBoard, {
  entry: (id: string, spec?: Spec) => (known.has(id) ? board.entry(id) : { status: spec?.tasks.find((t) => t.id === id)?.done ? ('done' as const) : ('pending' as const) }),
});

function perRefresh(b: RunBoard, rounds: number): number[] {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    taskDecorations(plan, b, doc, 10_000 + r);
    times.push(performance.now() - start);
  }
  return times.sort((x, y) => x - y);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

// Same answer both ways, then warm both up (JIT) and measure.
const ours = taskDecorations(plan, board, doc, 0);
const theirs = taskDecorations(plan, scanning, doc, 0);
if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error('the baseline decorates differently: the comparison would mean nothing');
perRefresh(board, 50);
perRefresh(scanning, 10);
const baseline = perRefresh(scanning, 60);
const measured = perRefresh(board, 300);

console.log(`1 000-task tasks.md, a run of 300 of its tasks on the board: ${ours.marks.length} status marks, ${ours.bands.length} group bands per refresh`);
console.log(`  baseline, look-ups by scanning the spec: median ${quantile(baseline, 0.5).toFixed(2)} ms, p95 ${quantile(baseline, 0.95).toFixed(2)} ms`);
console.log(`  per-spec map look-ups:                   median ${quantile(measured, 0.5).toFixed(3)} ms, p95 ${quantile(measured, 0.95).toFixed(3)} ms`);
console.log(`  ratio (ours ÷ baseline, median): ${(quantile(measured, 0.5) / quantile(baseline, 0.5)).toFixed(3)}×`);
if (quantile(measured, 0.5) > 2) {
  console.log('FAILED: a refresh took more than 2 ms (median)');
  process.exitCode = 1;
}
