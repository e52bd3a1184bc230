// How long the spec takes: serially, and as the scheduler would run it in each mode: `dag` (a task
// starts once its dependencies are done) and `waves` (the same, one wave at a time).

import type { Estimate } from '../model';

export interface EstimateInput {
  /** Minutes per position; 0 for a task that does not run (done, container, skipped optional). */
  readonly minutes: readonly number[];
  /** Positions that count as runnable work (not done, not a container, not a skipped optional task, in the plan). */
  readonly runnable: readonly number[];
  readonly estimatedTasks: number;
  readonly preds: readonly (readonly number[])[];
  readonly succs: readonly (readonly number[])[];
  /** Topological order of the acyclic part. */
  readonly order: readonly number[];
  /** Conflicting positions per position. */
  readonly conflictsOf: ReadonlyMap<number, ReadonlySet<number>>;
  readonly exclusive: ReadonlySet<number>;
  /** The wave of each position (see waveNumbers); -1 for none (containers, tasks left out). */
  readonly waveOf: readonly number[];
  readonly maxConcurrent: number;
  readonly defaultTaskMinutes: number;
  readonly idOf: (position: number) => string;
}

function percent(serial: number, other: number): number {
  return serial > 0 ? Math.round(((serial - other) / serial) * 1000) / 10 : 0;
}

/** A binary heap ordered by `before`. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l] as T, items[best] as T)) best = l;
        if (r < items.length && this.before(items[r] as T, items[best] as T)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best] as T, items[i] as T];
        i = best;
      }
    }
    return top;
  }
}

/**
 * A list schedule: whenever a slot is free, start the ready task with the longest remaining path
 * (ties: file order) that conflicts with nothing running. Tasks of zero minutes (done, containers)
 * finish the moment they are ready and take no slot. With `byWave`, as `--mode waves` runs: only
 * tasks of the lowest wave that still has work may start, so a wave of 5 with 2 slots takes 3
 * rounds of equal tasks, and the next wave waits for the last of them.
 */
function listSchedule(input: EstimateInput, byWave: boolean): number {
  const { minutes, preds, succs, order, conflictsOf, exclusive, waveOf } = input;
  const slots = input.maxConcurrent;
  const rank = new Float64Array(minutes.length);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k] as number;
    let longest = 0;
    for (const s of succs[n] as readonly number[]) longest = Math.max(longest, rank[s] as number);
    rank[n] = (minutes[n] as number) + longest;
  }
  const inPlan = new Uint8Array(minutes.length);
  for (const n of order) inPlan[n] = 1;
  const waiting = new Int32Array(minutes.length);
  for (const n of order) waiting[n] = (preds[n] as readonly number[]).length;

  // One queue of ready tasks per wave (one in all without waves), and per wave the work left.
  const wave = (n: number): number => (byWave ? Math.max(0, waveOf[n] ?? 0) : 0);
  const waveCount = order.reduce((most, n) => Math.max(most, wave(n)), 0) + 1;
  const readyByWave = Array.from(
    { length: waveCount },
    () => new Heap<number>((a, b) => (rank[a] as number) > (rank[b] as number) || (rank[a] === rank[b] && a < b)),
  );
  const left = new Int32Array(waveCount);
  for (const n of order) if ((minutes[n] as number) > 0) left[wave(n)] = (left[wave(n)] as number) + 1;
  let current = 0;
  const advance = (): void => {
    while (current < waveCount - 1 && left[current] === 0) current++;
  };
  advance();
  const running = new Heap<{ task: number; end: number }>((a, b) => a.end < b.end || (a.end === b.end && a.task < b.task));
  const runningNow = new Set<number>();
  let now = 0;
  let makespan = 0;

  const finish = (start: number): void => {
    const stack = [start];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      for (const s of succs[n] as readonly number[]) {
        if (!inPlan[s]) continue;
        waiting[s] = (waiting[s] as number) - 1;
        if (waiting[s] !== 0) continue;
        if (minutes[s] === 0) stack.push(s);
        else (readyByWave[wave(s)] as Heap<number>).push(s);
      }
    }
  };
  for (const n of order) {
    // Only sources: anything else becomes ready through finish().
    if ((preds[n] as readonly number[]).length !== 0) continue;
    if (minutes[n] === 0) finish(n);
    else (readyByWave[wave(n)] as Heap<number>).push(n);
  }

  for (;;) {
    const ready = readyByWave[current] as Heap<number>;
    const heldBack: number[] = [];
    while (runningNow.size < slots && ready.size > 0) {
      const n = ready.pop() as number;
      const clash =
        (runningNow.size > 0 && exclusive.has(n)) ||
        [...runningNow].some((r) => exclusive.has(r) || conflictsOf.get(n)?.has(r) === true);
      if (clash) {
        heldBack.push(n);
        continue;
      }
      runningNow.add(n);
      running.push({ task: n, end: now + (minutes[n] as number) });
    }
    for (const n of heldBack) ready.push(n);
    const next = running.pop();
    if (!next) break;
    now = next.end;
    makespan = Math.max(makespan, now);
    runningNow.delete(next.task);
    left[wave(next.task)] = (left[wave(next.task)] as number) - 1;
    advance();
    finish(next.task);
  }
  return makespan;
}

export function estimatePlan(input: EstimateInput): Estimate {
  const { minutes, runnable, preds, order } = input;
  const serialMinutes = runnable.reduce((sum, n) => sum + (minutes[n] as number), 0);
  const scheduleMinutes = listSchedule(input, false);
  const waveMinutes = listSchedule(input, true);

  // Longest path by minutes; ties go to the task earlier in the file.
  const reach = new Float64Array(minutes.length);
  const via = new Int32Array(minutes.length).fill(-1);
  let end = -1;
  for (const n of order) {
    let best = -1;
    for (const p of preds[n] as readonly number[]) {
      if (best < 0 || (reach[p] as number) > (reach[best] as number) || (reach[p] === reach[best] && p < best)) best = p;
    }
    via[n] = best;
    reach[n] = (minutes[n] as number) + (best >= 0 ? (reach[best] as number) : 0);
    if (end < 0 || (reach[n] as number) > (reach[end] as number) || (reach[n] === reach[end] && n < end)) end = n;
  }
  const criticalPath: string[] = [];
  const criticalPathMinutes = end >= 0 ? (reach[end] as number) : 0;
  if (criticalPathMinutes > 0) {
    for (let n = end; n >= 0; n = via[n] as number) if ((minutes[n] as number) > 0) criticalPath.push(input.idOf(n));
    criticalPath.reverse();
  }

  return {
    maxConcurrent: input.maxConcurrent,
    defaultTaskMinutes: input.defaultTaskMinutes,
    estimatedTasks: input.estimatedTasks,
    serialMinutes,
    scheduleMinutes,
    waveMinutes,
    criticalPath,
    criticalPathMinutes,
    savingsPercent: percent(serialMinutes, scheduleMinutes),
    waveSavingsPercent: percent(serialMinutes, waveMinutes),
  };
}
