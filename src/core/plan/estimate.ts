// How long the spec takes: serially, as the scheduler would run it, and by the seeds' wave formula.

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
  /** File order walk for the wave formula: each entry a group's members or a single task. */
  readonly waves: readonly (readonly number[])[];
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
 * finish the moment they are ready and take no slot.
 */
function listSchedule(input: EstimateInput): number {
  const { minutes, preds, succs, order, conflictsOf, exclusive } = input;
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

  const ready = new Heap<number>((a, b) => (rank[a] as number) > (rank[b] as number) || (rank[a] === rank[b] && a < b));
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
        else ready.push(s);
      }
    }
  };
  for (const n of order) {
    // Only sources: anything else becomes ready through finish().
    if ((preds[n] as readonly number[]).length !== 0) continue;
    if (minutes[n] === 0) finish(n);
    else ready.push(n);
  }

  for (;;) {
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
    finish(next.task);
  }
  return makespan;
}

export function estimatePlan(input: EstimateInput): Estimate {
  const { minutes, runnable, preds, order } = input;
  const serialMinutes = runnable.reduce((sum, n) => sum + (minutes[n] as number), 0);
  const scheduleMinutes = listSchedule(input);
  const waveMinutes = input.waves.reduce((sum, wave) => sum + Math.max(0, ...wave.map((n) => minutes[n] as number)), 0);

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
