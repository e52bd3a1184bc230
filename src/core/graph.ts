// The DAG view's model: what the webview draws of a Plan, and the rules that keep the drawing of a
// large spec readable and within what mermaid accepts. Pure, so it runs in the extension host (to
// build the model it posts) and in the webview bundle (to turn the model and the user's choice of
// view into mermaid text as they expand phases or move the focus).
//
// Why the rules: mermaid refuses more than 500 edges or 50 000 characters by default, and its
// layout of a flowchart grows worse than linearly, past a few hundred nodes it takes seconds and
// the result is a hairball nobody can read. So a spec over DAG_LIMITS is first shown as one node
// per phase (the current phase open), and a spec that cannot be cut by phases shows a task and its
// neighbourhood. Each view stays within DAG_LIMITS, which are well inside MERMAID_LIMITS, the
// page's mermaid configuration.
//
// This module is the model; src/core/graphDraw.ts chooses a view of it and draws it as mermaid.

import { mermaidNodeId, shorten } from './mermaidSyntax';
import { tasksById, type Plan, type Task } from './model';
import type { TaskStatus } from './status';

/** What the tooltip of a task shows. Long texts are cut so a plan message stays small. */
export interface DagTaskDetails {
  readonly title: string;
  readonly do?: string;
  readonly files: readonly string[];
  readonly verify?: string;
  readonly markers: readonly string[];
  readonly estimateMinutes?: number;
  readonly durationMs?: number;
  readonly reason?: string;
  readonly attempt?: number;
  readonly usage?: string;
}

export interface DagNode {
  /** The task id as written. */
  readonly id: string;
  readonly mermaidId: string;
  /** The title cut to TITLE_LIMIT characters; the label is the id and this. */
  readonly shortTitle: string;
  /** Index into DagGraph.phases of the phase the node is drawn in (a parallel group that spans
   *  phases is drawn outside them). */
  readonly phase?: number;
  /** Index into DagGraph.groups. */
  readonly group?: number;
  readonly status: TaskStatus;
  /** A Kiro task with sub-tasks: never executed itself. */
  readonly container: boolean;
  /** A Kiro optional task (`- [ ]* 2.3`): its label says so. */
  readonly optional?: boolean;
  readonly critical: boolean;
  readonly details: DagTaskDetails;
}

/** `from` finishes before `to` starts. */
export interface DagEdge {
  readonly from: string;
  readonly to: string;
  readonly critical: boolean;
}

export interface DagPhase {
  readonly index: number;
  readonly title: string;
  /** Tasks drawn in this phase, file order. */
  readonly taskIds: readonly string[];
}

export interface DagGroup {
  readonly index: number;
  readonly taskIds: readonly string[];
}

/** The plan as the DAG page needs it: plain data, posted as it is. */
export interface DagGraph {
  readonly specPath: string;
  readonly title?: string;
  readonly nodes: readonly DagNode[];
  readonly edges: readonly DagEdge[];
  /** Pairs that never run at the same time (overlapping files, declared conflicts). */
  readonly conflicts: readonly (readonly [string, string])[];
  readonly criticalPath: readonly string[];
  readonly criticalPathMinutes: number;
  readonly phases: readonly DagPhase[];
  readonly groups: readonly DagGroup[];
  readonly errorCount: number;
}

/** One task's board entry as the DAG page takes it (RunBoard.updatesFor): the page replaces its
 *  state of the task with it, whole, and recolours without drawing again. */
export interface DagStatusUpdate {
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly reason?: string;
  readonly durationMs?: number;
  readonly attempt?: number;
  /** Tokens and cost as one line of text (`12.3k in · 1.2k out · $0.04`). */
  readonly usage?: string;
}

export const TITLE_LIMIT = 40;
const DETAIL_LIMIT = 600;
const FILES_LIMIT = 20;

export interface DagGraphOptions {
  /** Known statuses by task id (from the state file or a run in progress); other tasks are
   *  `done` when checked in the file, else `pending`. */
  readonly statuses?: Readonly<Record<string, Omit<DagStatusUpdate, 'taskId'>>>;
}

export function buildDagGraph(plan: Plan, options: DagGraphOptions = {}): DagGraph {
  const { spec } = plan;
  const byId = tasksById(spec.tasks);

  const { groupOf, groupPhase } = groupPlacement(plan, byId);

  const onPath = new Set(plan.estimate.criticalPath);
  const containers = new Set(plan.containers ?? []);
  const nodes: DagNode[] = [];
  const phaseMembers = spec.phases.map((): string[] => []);
  for (const id of plan.taskIds) {
    const task = byId.get(id);
    if (!task) continue;
    const group = groupOf.get(id);
    const phase = group === undefined ? task.phaseIndex : groupPhase.get(group);
    if (phase !== undefined) phaseMembers[phase]?.push(id);
    const known = options.statuses?.[id];
    const details: DagTaskDetails = {
      title: cut(task.title, DETAIL_LIMIT),
      files: task.files.slice(0, FILES_LIMIT),
      markers: task.markers.map((m) => (m.arg === undefined ? m.name : `${m.name} ${m.arg}`)),
      ...(task.doText === undefined ? {} : { do: cut(task.doText, DETAIL_LIMIT) }),
      ...(task.verify === undefined ? {} : { verify: cut(task.verify, DETAIL_LIMIT) }),
      ...(task.estimateMinutes === undefined ? {} : { estimateMinutes: task.estimateMinutes }),
      ...(known?.durationMs === undefined ? {} : { durationMs: known.durationMs }),
      ...(known?.reason === undefined ? {} : { reason: cut(known.reason, DETAIL_LIMIT) }),
      ...(known?.attempt === undefined ? {} : { attempt: known.attempt }),
      ...(known?.usage === undefined ? {} : { usage: known.usage }),
    };
    nodes.push({
      id,
      mermaidId: mermaidNodeId(id),
      shortTitle: shorten(task.title, TITLE_LIMIT),
      ...(phase === undefined ? {} : { phase }),
      ...(group === undefined ? {} : { group }),
      status: known?.status ?? (task.done ? 'done' : 'pending'),
      container: containers.has(id),
      ...(task.optional ? { optional: true } : {}),
      critical: onPath.has(id),
      details,
    });
  }

  const criticalPairs = new Set<string>();
  const path = plan.estimate.criticalPath;
  for (let i = 1; i < path.length; i++) criticalPairs.add(`${path[i - 1]}\n${path[i]}`);
  const edges: DagEdge[] = [];
  for (const id of plan.taskIds) {
    for (const pred of plan.dependsOn[id] ?? []) edges.push({ from: pred, to: id, critical: criticalPairs.has(`${pred}\n${id}`) });
  }

  return {
    specPath: spec.path,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    nodes,
    edges,
    conflicts: plan.conflicts.map(([a, b]) => [a, b] as const),
    criticalPath: [...path],
    criticalPathMinutes: plan.estimate.criticalPathMinutes,
    phases: spec.phases.map((p, index) => ({ index, title: p.title, taskIds: phaseMembers[index] ?? [] })),
    groups: plan.groups.map((g) => ({ index: g.index, taskIds: [...g.taskIds] })),
    errorCount: plan.diagnostics.filter((d) => d.severity === 'error').length,
  };
}

/** Which group each task is in, and the phase a group is drawn inside: the one all its members
 *  share, else none (the group is drawn at the top level). */
function groupPlacement(
  plan: Plan,
  byId: ReadonlyMap<string, Task>,
): { groupOf: Map<string, number>; groupPhase: Map<number, number | undefined> } {
  const groupOf = new Map<string, number>();
  for (const g of plan.groups) for (const id of g.taskIds) groupOf.set(id, g.index);
  const groupPhase = new Map<number, number | undefined>();
  for (const g of plan.groups) {
    const phases = new Set(g.taskIds.map((id) => byId.get(id)?.phaseIndex));
    groupPhase.set(g.index, phases.size === 1 ? [...phases][0] : undefined);
  }
  return { groupOf, groupPhase };
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

