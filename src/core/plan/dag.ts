// From the task list to dependency edges and parallel groups. Tasks are referred to by their
// position in `spec.tasks` throughout; ids appear only at the edges of the planner.

import { hasMarker, type Diagnostic, type Spec, type Task } from '../model';

export interface Structure {
  /** Whether the task takes part in the plan (false for a repeated id). */
  readonly included: readonly boolean[];
  /** Position of the first task with each id. */
  readonly positionOf: ReadonlyMap<string, number>;
  /** Sub-tasks (positions) of each task, with left-out tasks replaced by their own sub-tasks. */
  readonly children: readonly (readonly number[])[];
  readonly roots: readonly number[];
  readonly containers: ReadonlySet<number>;
}

export interface Edges {
  /** Direct predecessors of each included task (positions, may repeat). */
  readonly preds: readonly number[][];
  /** Groups as positions, in the order found. */
  readonly groups: readonly number[][];
  /** The order tasks were placed in: a task comes after what it was made to wait for. */
  readonly rank: readonly number[];
  /** Tasks that wait for every task ranked before them. */
  readonly cut: readonly boolean[];
}

export function isBarrier(task: Task): boolean {
  return hasMarker(task, 'VERIFY') || hasMarker(task, 'SEQUENTIAL');
}

export function runsInParallel(task: Task): boolean {
  return task.parallelRequested && !isBarrier(task);
}

export function buildStructure(spec: Spec, diagnostics: Diagnostic[]): Structure {
  const { tasks } = spec;
  const included: boolean[] = [];
  const positionOf = new Map<string, number>();
  tasks.forEach((task, i) => {
    const first = positionOf.get(task.id);
    if (first === undefined) {
      positionOf.set(task.id, i);
      included.push(true);
      return;
    }
    included.push(false);
    const original = tasks[first] as Task;
    const firstLine = original.ranges.line.start.line + 1;
    // A copy of the same line (a checklist that mirrors the tasks at the end of the file) names
    // the same work: the first is planned. Its box may differ, as a check-off ticks the first only.
    const copy = spec.format !== 'manifest' && taskLineText(task) === taskLineText(original);
    diagnostics.push({
      severity: copy ? 'warning' : 'error',
      code: 'duplicate-id',
      message: copy
        ? `Task ${task.id} is listed again, as on line ${firstLine}; the copy is left out of the plan.`
        : `Task id ${task.id} is already used on line ${firstLine}; this task is left out of the plan.`,
      range: task.ranges.id,
      taskId: task.id,
    });
  });

  // A sub-task's parent is the nearest task above it with the parent's id, which is also right
  // when the parent's id is repeated elsewhere.
  const rawChildren: number[][] = tasks.map(() => []);
  const rawRoots: number[] = [];
  const lastSeen = new Map<string, number>();
  tasks.forEach((task, i) => {
    const parent = task.parentId === undefined ? undefined : lastSeen.get(task.parentId);
    if (parent === undefined || spec.format === 'manifest') rawRoots.push(i);
    else (rawChildren[parent] as number[]).push(i);
    lastSeen.set(task.id, i);
  });
  // A left-out task's sub-tasks stand in its place, so one duplicate id does not orphan them.
  const expand = (list: readonly number[]): number[] =>
    list.flatMap((i) => (included[i] ? [i] : expand(rawChildren[i] as number[])));
  const children = rawChildren.map((list) => expand(list));
  const containers = new Set<number>();
  children.forEach((list, i) => {
    if (included[i] && list.length > 0) containers.add(i);
  });
  return { included, positionOf, children, roots: expand(rawRoots), containers };
}

/** The task line after its checkbox: id, markers and title as written. */
function taskLineText(task: Task): string {
  const firstLine = task.text.split('\n', 1)[0] ?? '';
  return firstLine.slice(task.ranges.checkbox.end.character).trim();
}

/** Declared dependencies as positions; unknown ids are reported and skipped. */
function declaredPositions(spec: Spec, structure: Structure, i: number, diagnostics: Diagnostic[]): number[] | undefined {
  const task = spec.tasks[i] as Task;
  if (task.declaredDependsOn === undefined) return undefined;
  const found: number[] = [];
  for (const id of task.declaredDependsOn) {
    const p = structure.positionOf.get(id);
    if (p === undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'unknown-dependency',
        message: `Task ${task.id} depends on ${id}, but no task has that id.`,
        range: task.ranges.line,
        taskId: task.id,
      });
    } else if (!found.includes(p)) {
      found.push(p);
    }
  }
  return found;
}

/** A manifest's `depends_on_tasks` are the whole DAG; `parallelism_group` names form the groups. */
export function manifestEdges(spec: Spec, structure: Structure, diagnostics: Diagnostic[]): Edges {
  const preds: number[][] = spec.tasks.map(() => []);
  const byName = new Map<string, number[]>();
  spec.tasks.forEach((task, i) => {
    if (!structure.included[i]) return;
    preds[i] = declaredPositions(spec, structure, i, diagnostics) ?? [];
    if (task.parallelismGroup !== undefined) {
      const members = byName.get(task.parallelismGroup) ?? [];
      members.push(i);
      byName.set(task.parallelismGroup, members);
    }
  });
  return {
    preds,
    groups: [...byName.values()].filter((g) => g.length >= 2),
    rank: spec.tasks.map((_, i) => i),
    cut: spec.tasks.map(() => false),
  };
}

/**
 * Task Master: declared dependencies are the whole DAG, as in a manifest, and a task with subtasks
 * is a container: each subtask also waits for what its parent declared (and its parent's parent),
 * and the parent waits for those of its subtasks that no sibling waits for.
 */
export function taskMasterEdges(spec: Spec, structure: Structure, diagnostics: Diagnostic[]): Edges {
  const { tasks } = spec;
  const preds: number[][] = tasks.map(() => []);
  const declared = tasks.map((_, i) => (structure.included[i] ? (declaredPositions(spec, structure, i, diagnostics) ?? []) : []));
  const visit = (list: readonly number[], inherited: readonly number[]): void => {
    const siblings = new Set(list);
    for (const i of list) {
      // A subtask that waits for a sibling already waits, through it, for what the parent waits for.
      const mine = declared[i] as number[];
      const own = mine.some((d) => siblings.has(d)) ? mine : [...inherited, ...mine];
      const children = structure.children[i] as readonly number[];
      if (structure.containers.has(i)) {
        visit(children, own);
        const waitedFor = new Set(children.flatMap((c) => declared[c] as number[]));
        preds[i] = children.filter((c) => !waitedFor.has(c));
      } else {
        preds[i] = [...new Set(own)];
      }
    }
  };
  visit(structure.roots, []);
  return { preds, groups: [], rank: tasks.map((_, i) => i), cut: tasks.map(() => false) };
}

/**
 * The ordering a markdown list implies, refined by declared dependencies.
 *
 * Walking the file in order, `frontier` holds the tasks above that nothing above depends on yet:
 * waiting for them is waiting for everything above, with no redundant edges. A task that declares
 * its dependencies in a `**Depends**` field waits for those and for the last barrier above it
 * (which waits for everything before it); a spec-kit `(depends on …)` clause only adds edges. A container's sub-tasks are a list of their own that starts from what the container
 * would have waited for; the container then waits for the list's frontier.
 */
export function markdownEdges(spec: Spec, structure: Structure, diagnostics: Diagnostic[]): Edges {
  const { tasks } = spec;
  const preds: number[][] = tasks.map(() => []);
  const groups: number[][] = [];
  const placedAt: number[] = tasks.map(() => -1);
  let placed = 0;
  // Every task placed so far is this set's member or an ancestor of one.
  const everything = new Set<number>();
  let lastBarrier = -1;

  const declared = tasks.map((_, i) => (structure.included[i] ? declaredPositions(spec, structure, i, diagnostics) : undefined));

  const cut: boolean[] = tasks.map(() => false);
  const place = (i: number, deps: readonly number[]): void => {
    preds[i] = [...new Set(deps)];
    const depSet = new Set(deps);
    // Checked only when it can hold, so a long run of independent tasks stays linear.
    cut[i] = depSet.size >= everything.size && [...everything].every((e) => depSet.has(e));
    for (const d of deps) everything.delete(d);
    everything.add(i);
    placedAt[i] = placed++;
    if (isBarrier(tasks[i] as Task)) lastBarrier = i;
  };

  const depsFor = (i: number, listFrontier: readonly number[], unitStart: number): number[] => {
    const task = tasks[i] as Task;
    const own = declared[i];
    if (isBarrier(task)) return [...everything, ...(own ?? [])];
    if (own !== undefined && task.dependsFrom !== 'clause') {
      if (lastBarrier < 0) return own;
      const barrierAt = placedAt[lastBarrier] as number;
      // A dependency placed before the barrier is already behind it.
      const kept = own.filter((d) => d === lastBarrier || !((placedAt[d] as number) >= 0 && (placedAt[d] as number) < barrierAt));
      return [lastBarrier, ...kept];
    }
    // A `(depends on …)` clause adds its edges to the order the list implies.
    const added = own ?? [];
    // A barrier nested in an earlier member of this unit still holds back what follows it.
    if (lastBarrier >= 0 && (placedAt[lastBarrier] as number) >= unitStart) return [...listFrontier, lastBarrier, ...added];
    return [...listFrontier, ...added];
  };

  const planList = (items: readonly number[], entry: readonly number[]): number[] => {
    const frontier = new Set(entry);
    let k = 0;
    while (k < items.length) {
      let end = k + 1;
      if (runsInParallel(tasks[items[k] as number] as Task)) {
        while (end < items.length) {
          const next = tasks[items[end] as number] as Task;
          if (!runsInParallel(next) || next.separatedFromPrevious) break;
          end++;
        }
      }
      const members = items.slice(k, end);
      const before = [...frontier];
      const unitStart = placed;
      for (const m of members) {
        const deps = depsFor(m, before, unitStart);
        const sub = structure.children[m] as readonly number[];
        if (structure.containers.has(m)) place(m, planList(sub, deps));
        else place(m, deps);
        for (const d of deps) frontier.delete(d);
        frontier.add(m);
      }
      if (members.length >= 2) groups.push(members);
      k = end;
    }
    return [...frontier];
  };

  planList(structure.roots, []);
  return { preds, groups, rank: placedAt, cut };
}
