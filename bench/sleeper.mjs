// A task for the run benchmark: sleeps for its task's duration. The same script runs under Ralph
// and under make, so the difference between them is each scheduler's own overhead.
import { readFileSync } from 'node:fs';
const id = process.env.RALPH_TASK_ID ?? process.argv[2];
const durations = JSON.parse(readFileSync(process.env.BENCH_DURATIONS, 'utf8'));
setTimeout(() => {}, durations[id] ?? 0);
