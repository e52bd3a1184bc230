// The planner: Spec in, Plan out. Pure and synchronous; linear-ish in the number of tasks (plus
// the number of overlapping file pairs), so a 10 000-task spec plans well under a second.
//
// Decisions worth knowing when reading a Plan:
// - Containers (a task with sub-tasks, Kiro style) are in the DAG but never executed: their
//   sub-tasks wait for what the container would have waited for, and the container depends on its
//   sub-tasks, so it is satisfied the moment they all are (see Plan.containers).
// - Optional tasks a run skips (Plan.skippedOptional) keep their place and edges in the DAG; only
//   the estimate and the scheduler leave them out.
// - Conflict pairs leave out pairs where one task is an ancestor of the other in the DAG: they can
//   never run together, so listing them would only clutter the graph. Pairs with a task on or
//   behind a cycle are kept, and so is every pair if a spec is too large to decide ancestry cheaply.
// - Tasks on or behind a dependency cycle have no topological level and are not scheduled in the
//   estimate; the cycle is an error, so the plan cannot run anyway.

import type { Diagnostic, ParallelGroup, Plan, Spec, Task } from '../model';
import { compareDiagnostics } from '../model';
import { buildStructure, isBarrier, manifestEdges, markdownEdges, taskMasterEdges, type Edges, type Structure } from './dag';
import { estimatePlan } from './estimate';
import { overlappingOwners, type ScopeOverlap } from './files';
import { parallelHints } from './hints';
import { waveNumbers } from './waves';
import { skippedOptionalPositions } from './optional';
import { ancestryOracle, cyclicComponents, shortestCycle, topologicalLevels } from './graph';

export { filesOverlap } from './files';

export interface PlanOptions {
  /** Slots for the schedule estimate; default DEFAULT_MAX_CONCURRENT. */
  readonly maxConcurrent?: number;
  /** Minutes assumed for a task without its own estimate; default DEFAULT_TASK_MINUTES. */
  readonly defaultTaskMinutes?: number;
  /** Run Kiro's optional tasks (`- [ ]* 2.3`) too; default false: they are skipped. */
  readonly includeOptional?: boolean;
}

/** The estimate's slots when nothing says how many agents run at once (`ralph.maxConcurrent`'s
 *  and `--max-concurrent`'s default too). */
export const DEFAULT_MAX_CONCURRENT = 3;
export const DEFAULT_TASK_MINUTES = 10;

const byPosition = (a: number, b: number): number => a - b;

export function planSpec(spec: Spec, options: PlanOptions = {}): Plan {
  return planWithOwnDiagnostics(spec, options).plan;
}

/** The plan, and the diagnostics the planner itself made (in the order it made them), so a
 *  re-planner can put them beside the parse diagnostics of a newer spec. */
export function planWithOwnDiagnostics(spec: Spec, options: PlanOptions = {}): { plan: Plan; own: readonly Diagnostic[] } {
  const maxConcurrent = Math.max(1, Math.floor(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT));
  const defaultTaskMinutes = Math.max(0, options.defaultTaskMinutes ?? DEFAULT_TASK_MINUTES);
  const { tasks } = spec;
  const diagnostics: Diagnostic[] = [];
  const task = (i: number): Task => tasks[i] as Task;

  const structure = buildStructure(spec, diagnostics);
  const nodes = tasks.map((_, i) => i).filter((i) => structure.included[i]);
  const edges =
    spec.format === 'manifest'
      ? manifestEdges(spec, structure, diagnostics)
      : spec.format === 'taskmaster'
        ? taskMasterEdges(spec, structure, diagnostics)
        : markdownEdges(spec, structure, diagnostics);
  const preds = edges.preds.map((list) => [...list].sort(byPosition));
  const succs: number[][] = tasks.map(() => []);
  for (const n of nodes) for (const p of preds[n] as number[]) (succs[p] as number[]).push(n);
  for (const list of succs) list.sort(byPosition);

  const groupLists = [...edges.groups].sort((a, b) => (a[0] as number) - (b[0] as number));
  const groupOf = new Map<number, number>();
  groupLists.forEach((members, g) => members.forEach((m) => groupOf.set(m, g)));
  const groups: ParallelGroup[] = groupLists.map((members, index) => ({ index, taskIds: members.map((m) => task(m).id) }));

  // Levels and cycles.
  const { levelOf, order } = topologicalLevels(nodes, preds, succs);
  const levels: string[][] = [];
  for (const n of nodes) {
    const level = levelOf[n] as number;
    if (level < 0) continue;
    while (levels.length <= level) levels.push([]);
    (levels[level] as string[]).push(task(n).id);
  }
  if (order.length < nodes.length) {
    const unleveled = nodes.filter((n) => (levelOf[n] as number) < 0);
    for (const component of cyclicComponents(unleveled, preds)) {
      const members = new Set(component);
      for (const n of component) {
        const cycle = shortestCycle(n, members, preds).map((c) => task(c).id).join(' → ');
        diagnostics.push({
          severity: 'error',
          code: 'dependency-cycle',
          message: `Dependency cycle ${cycle}: each task waits for the next, so none of them can start.`,
          range: task(n).ranges.line,
          taskId: task(n).id,
        });
      }
    }
  }

  markerDiagnostics(spec, structure, diagnostics);
  const hints = parallelHints(spec, structure, groupOf, diagnostics);
  const conflicts = findConflicts(spec, structure, edges, preds, succs, order, levelOf, groupOf, diagnostics);

  const usesParallelFlag = spec.format === 'manifest' && tasks.some((t) => t.parallelRequested || 'parallel' in t.fields);
  const exclusiveSet = new Set(usesParallelFlag ? nodes.filter((n) => !task(n).parallelRequested) : []);

  // Estimate.
  const skipped = skippedOptionalPositions(tasks, options.includeOptional === true);
  const runnable = nodes.filter((n) => !task(n).done && !structure.containers.has(n) && !skipped.has(n));
  const minutes = tasks.map(() => 0);
  for (const n of runnable) minutes[n] = task(n).estimateMinutes ?? defaultTaskMinutes;
  const conflictsOf = new Map<number, Set<number>>();
  for (const [a, b] of conflicts) {
    conflictsOf.set(a, (conflictsOf.get(a) ?? new Set()).add(b));
    conflictsOf.set(b, (conflictsOf.get(b) ?? new Set()).add(a));
  }
  const idsOf = (list: readonly number[]): string[] => list.map((n) => task(n).id);
  const waveIds = waveNumbers({ spec, taskIds: idsOf(nodes), groups, levels, containers: idsOf([...structure.containers]) });
  const waveOf = tasks.map((t, i) => (structure.included[i] ? (waveIds.get(t.id) ?? -1) : -1));
  const estimate = estimatePlan({
    minutes,
    runnable,
    estimatedTasks: runnable.filter((n) => task(n).estimateMinutes !== undefined).length,
    preds,
    succs,
    order,
    conflictsOf,
    exclusive: exclusiveSet,
    waveOf,
    maxConcurrent,
    defaultTaskMinutes,
    idOf: (n) => task(n).id,
  });

  const allDiagnostics = [...spec.diagnostics, ...diagnostics].sort(compareDiagnostics);
  const plan: Plan = {
    spec,
    taskIds: idsOf(nodes),
    // fromEntries defines own properties, so an id like `__proto__` stays an ordinary key.
    dependsOn: Object.fromEntries(nodes.map((n) => [task(n).id, idsOf(preds[n] as number[])])),
    dependents: Object.fromEntries(nodes.map((n) => [task(n).id, idsOf(succs[n] as number[])])),
    groups,
    conflicts: conflicts.map(([a, b]) => [task(a).id, task(b).id] as const),
    exclusive: idsOf([...exclusiveSet]),
    containers: idsOf([...structure.containers].sort(byPosition)),
    skippedOptional: idsOf(nodes.filter((n) => skipped.has(n))),
    levels,
    diagnostics: allDiagnostics,
    hasErrors: allDiagnostics.some((d) => d.severity === 'error'),
    estimate,
    parallelHints: hints,
  };
  return { plan, own: diagnostics };
}

function markerDiagnostics(spec: Spec, structure: Structure, diagnostics: Diagnostic[]): void {
  spec.tasks.forEach((task, i) => {
    if (!structure.included[i]) return;
    if (task.parallelRequested && isBarrier(task)) {
      const barrier = task.markers.find((m) => m.name === 'VERIFY' || m.name === 'SEQUENTIAL');
      const p = task.markers.find((m) => m.name === 'P');
      diagnostics.push({
        severity: 'warning',
        code: 'parallel-with-barrier',
        message: `Task ${task.id} is marked both [P] and [${barrier?.name ?? 'VERIFY'}]: [${barrier?.name ?? 'VERIFY'}] wins and the task runs alone.`,
        range: p?.range ?? task.ranges.line,
        taskId: task.id,
      });
    }
    if (task.risk === 'high' && task.parallelRequested) {
      diagnostics.push({
        severity: 'warning',
        code: 'high-risk-parallel',
        message: `Task ${task.id} is high risk but marked parallel; a failure may spoil the tasks running beside it.`,
        range: task.ranges.line,
        taskId: task.id,
      });
    }
  });
}

/** Conflict pairs (positions, a < b, sorted), with the diagnostics they call for. */
function findConflicts(
  spec: Spec,
  structure: Structure,
  edges: Edges,
  preds: readonly (readonly number[])[],
  succs: readonly (readonly number[])[],
  order: readonly number[],
  levelOf: readonly number[],
  groupOf: ReadonlyMap<number, number>,
  diagnostics: Diagnostic[],
): [number, number][] {
  const { tasks } = spec;
  const task = (i: number): Task => tasks[i] as Task;
  // Containers never run, so their scopes conflict with nothing.
  const runs = (i: number): boolean => structure.included[i] === true && !structure.containers.has(i);
  const named = new Set<number>();
  for (const t of tasks) for (const id of t.conflictsWith) {
    const j = structure.positionOf.get(id);
    if (j !== undefined) named.add(j);
  }

  // Ancestry is asked only of tasks that could conflict at all.
  const asked = tasks
    .map((t, i) => i)
    .filter((i) => runs(i) && (levelOf[i] as number) >= 0 && (task(i).files.length > 0 || task(i).conflictsWith.length > 0 || named.has(i)));
  const oracle = ancestryOracle(order, preds, succs, asked);
  const isAncestor = oracle ?? ((): boolean => false);
  const concurrent = (a: number, b: number): boolean => !isAncestor(a, b) && !isAncestor(b, a);
  const fileOverlaps = overlappingOwners(
    tasks.map((t, i) => (runs(i) ? t.files : undefined)),
    oracle ? { isAncestor: oracle, rank: edges.rank, isCut: (i) => edges.cut[i] === true } : undefined,
  );
  for (const overlap of fileOverlaps) {
    const group = groupOf.get(overlap.a);
    if (group === undefined || group !== groupOf.get(overlap.b)) continue;
    diagnostics.push(overlapWarning(task(overlap.a), task(overlap.b), overlap, group));
  }

  const key = (a: number, b: number): number => a * tasks.length + b;
  const pairs = new Map<number, [number, number]>();
  for (const { a, b } of fileOverlaps) pairs.set(key(a, b), [a, b]);

  const namedPairs = new Set<number>();
  tasks.forEach((t, i) => {
    if (!structure.included[i]) return;
    for (const otherId of t.conflictsWith) {
      const j = structure.positionOf.get(otherId);
      if (j === undefined) {
        diagnostics.push({
          severity: 'warning',
          code: 'unknown-dependency',
          message: `Task ${t.id} names ${otherId} in conflicts_with, but no task has that id; ignored.`,
          range: t.ranges.line,
          taskId: t.id,
        });
        continue;
      }
      if (j === i) continue;
      namedPairs.add(key(i, j));
      if (runs(i) && runs(j) && concurrent(i, j)) pairs.set(key(Math.min(i, j), Math.max(i, j)), [Math.min(i, j), Math.max(i, j)]);
    }
  });
  tasks.forEach((t, i) => {
    if (!structure.included[i]) return;
    const reported = new Set<number>();
    for (const otherId of t.conflictsWith) {
      const j = structure.positionOf.get(otherId);
      if (j === undefined || j === i || namedPairs.has(key(j, i)) || reported.has(j)) continue;
      reported.add(j);
      diagnostics.push({
        severity: 'info',
        code: 'asymmetric-conflict',
        message: `Task ${t.id} names ${otherId} in conflicts_with but ${otherId} does not name ${t.id}; they are kept apart both ways.`,
        range: t.ranges.line,
        taskId: t.id,
      });
    }
  });

  return [...pairs.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function overlapWarning(first: Task, later: Task, overlap: ScopeOverlap, group: number): Diagnostic {
  const files = overlap.fileA === overlap.fileB ? overlap.fileA : `${overlap.fileB} (${first.id} has ${overlap.fileA})`;
  return {
    severity: 'warning',
    code: 'parallel-file-overlap',
    message: `Task ${later.id} is in parallel group ${group + 1} with ${first.id} but both touch ${files}; they will run one after the other.`,
    range: later.ranges.line,
    taskId: later.id,
  };
}
