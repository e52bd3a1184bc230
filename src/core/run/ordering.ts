// Which ready task goes first, and which wave runs now. Start order among ready tasks is the
// longest chain of work still to do, ties in file order (what the author reads top to bottom and
// what ralph-specum does), so a run is predictable and the critical path never waits behind
// short side tasks. Waves mode runs one group (or single task) at a time, in file order.

import type { Task } from '../model';
import type { Plan } from '../model';
import type { RalphState, RunMode } from '../ports';
import type { TaskRun } from './taskRun';

/** For each task of the run, the tasks of the run that wait for it. */
export function dependentsOf(runs: ReadonlyMap<string, Pick<TaskRun, 'deps'>>): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  for (const [id, run] of runs) {
    for (const dep of run.deps) {
      const list = dependents.get(dep) ?? [];
      list.push(id);
      dependents.set(dep, list);
    }
  }
  return dependents;
}

/** When more tasks are ready than there are slots, the one heading the longest chain of work
 *  still to do goes first (ties in file order): the list schedule the plan's estimate assumes,
 *  and the classic way to keep the critical path from waiting behind short side tasks. A task
 *  weighs its estimate (`defaultMinutes` without one); a container weighs nothing. */
export function byRemainingPath<R extends Pick<TaskRun, 'task' | 'isContainer'>>(
  runs: ReadonlyMap<string, R>,
  dependents: ReadonlyMap<string, readonly string[]>,
  defaultMinutes: number,
): R[] {
  const fallback = defaultMinutes || 1;
  const rank = new Map<string, number>();
  const weight = (run: R): number => (run.isContainer ? 0 : (run.task.estimateMinutes ?? fallback));
  for (const root of runs.keys()) {
    if (rank.has(root)) continue;
    // Iterative post-order, so a 10 000-task chain cannot overflow the stack.
    const stack: [string, boolean][] = [[root, false]];
    const onPath = new Set<string>();
    while (stack.length) {
      const [id, expanded] = stack.pop()!;
      if (rank.has(id)) continue;
      const run = runs.get(id);
      if (!run) continue;
      const next = dependents.get(id) ?? [];
      if (!expanded) {
        onPath.add(id);
        stack.push([id, true]);
        for (const n of next) if (!rank.has(n) && !onPath.has(n)) stack.push([n, false]);
      } else {
        onPath.delete(id);
        rank.set(id, weight(run) + Math.max(0, ...next.map((n) => rank.get(n) ?? 0)));
      }
    }
  }
  return [...runs.values()].sort((a, b) => (rank.get(b.task.id) ?? 0) - (rank.get(a.task.id) ?? 0) || a.task.index - b.task.index);
}

/** Waves mode: the wave that runs now, the lowest one with a task not yet merged. */
export function currentWave(runs: Iterable<TaskRun>): number {
  let wave = Number.POSITIVE_INFINITY;
  for (const run of runs) {
    // A wave is over once its tasks are merged, not just finished: the next starts from them.
    if (!run.isContainer && (run.state.status === 'pending' || run.state.status === 'running' || run.state.status === 'merging')) wave = Math.min(wave, run.wave);
  }
  return wave;
}

/** A conflicting task is running; with worktrees, also one before it in file order that has
 *  not merged yet (starting from a base without its work would only make a merge conflict;
 *  one after it cannot hold it back, since that one merges only after this one). */
export function conflictsWithRunning(
  plan: Plan,
  task: Task,
  running: { has(id: string): boolean },
  runs: ReadonlyMap<string, TaskRun>,
): boolean {
  const id = task.id;
  return plan.conflicts.some(([a, b]) => {
    const other = a === id ? b : b === id ? a : undefined;
    if (other === undefined) return false;
    if (running.has(other)) return true;
    const run = runs.get(other);
    return run?.state.status === 'merging' && run.task.index < task.index;
  });
}

/** ralph-specum's batch in progress: the wave being run in waves mode; in dag mode the tasks
 *  running side by side, when there are two or more. */
export function parallelGroup(
  mode: RunMode | undefined,
  runs: ReadonlyMap<string, TaskRun>,
  running: Iterable<string>,
  indexOf: (id: string) => number | undefined,
): RalphState['parallelGroup'] {
  let indices: number[];
  if (mode === 'waves') {
    const wave = currentWave(runs.values());
    const members = [...runs.values()].filter((r) => r.wave === wave && !r.isContainer);
    if (members.length < 2 || members.every((r) => r.state.status !== 'running')) return undefined;
    indices = members.map((r) => r.task.index);
  } else {
    indices = [...running].map((id) => indexOf(id) ?? -1).filter((i) => i >= 0);
    if (indices.length < 2) return undefined;
  }
  indices.sort((a, b) => a - b);
  // isParallel: the plugin's coordinator tells a batch from a single task by it.
  return { startIndex: indices[0] ?? 0, endIndex: indices[indices.length - 1] ?? 0, taskIndices: indices, isParallel: true };
}
