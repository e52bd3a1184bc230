// Views of the DAG model (src/core/graph.ts) and their mermaid text. The view rules keep the
// drawing of a large spec readable and within what mermaid accepts (see graph.ts for why); the
// drawing carries no statuses, so the page recolours a view without laying it out again. Pure:
// it runs in the extension host and in the webview bundle.

import { escapeLabel, shorten, taskLabel } from './mermaidSyntax';
import { tasksById } from './model';
import { TITLE_LIMIT, type DagGraph, type DagNode } from './graph';
import type { TaskStatus } from './status';

export interface DagLimits {
  readonly maxNodes: number;
  readonly maxEdges: number;
  readonly maxTextSize: number;
}

/** What one drawing may hold. With the page's own layout (webview/layout/) a generated spec of
 *  100 tasks draws in about 0.26 s and a whole 300-task graph in 0.6 s (bench/dag.bench.ts,
 *  2 cores); with mermaid's dagre (`ralph.dag.layout: dagre`) 100 tasks take about 1 s. 100 is
 *  kept because past it one drawing stops reading as a graph on a screen, and so that the
 *  dagre fallback stays near the 0.5 s first-view goal; the edge and text ceilings leave room
 *  for a dense 100-node spec with long escaped titles. */
export const DAG_LIMITS: DagLimits = { maxNodes: 100, maxEdges: 300, maxTextSize: 40_000 };

/** The page's mermaid `maxEdges` / `maxTextSize`: above anything a view within DAG_LIMITS
 *  produces, so mermaid never refuses a drawing the rules allowed. */
export const MERMAID_LIMITS = { maxEdges: 1_000, maxTextSize: 100_000 } as const;

export type DagView =
  | { readonly kind: 'full' }
  /** One node per phase, except the phases in `expanded` (oldest expansion first). */
  | { readonly kind: 'phases'; readonly expanded: readonly number[] }
  /** A task with its predecessors and successors up to `radius` steps away. */
  | { readonly kind: 'focus'; readonly taskId: string; readonly radius: number };

export type DagViewNode =
  | { readonly kind: 'task'; readonly mermaidId: string; readonly taskId: string; readonly hiddenNeighbours: boolean }
  | { readonly kind: 'phase'; readonly mermaidId: string; readonly phase: number; readonly taskCount: number }
  | { readonly kind: 'more'; readonly mermaidId: string; readonly direction: 'before' | 'after'; readonly count: number };

export interface DagViewEdge {
  /** The edge's id in the mermaid text (`e12`): mermaid puts it in the path's `data-id`. */
  readonly edgeId: string;
  readonly kind: 'dependency' | 'conflict' | 'more';
  readonly from: string;
  readonly to: string;
  readonly critical: boolean;
}

/** An expanded phase drawn as a box; its mermaid id is the cluster's. */
export interface DagViewCluster {
  readonly mermaidId: string;
  readonly phase: number;
}

export interface DagDrawing {
  readonly view: DagView;
  readonly text: string;
  readonly nodes: readonly DagViewNode[];
  readonly edges: readonly DagViewEdge[];
  readonly clusters: readonly DagViewCluster[];
}

export interface DrawOptions {
  readonly direction?: 'TD' | 'LR';
  readonly limits?: DagLimits;
  /** Name each edge (`a e1@--> b`, mermaid 11) for the page to find it; default true. Without,
   *  an edge is its index in `edges`, as mermaid's `linkStyle` counts. */
  readonly edgeIds?: boolean;
}

export function phaseNodeId(phase: number): string {
  return `P_${phase}`;
}

export function phaseClusterId(phase: number): string {
  return `p_${phase}`;
}

export function fits(drawing: DagDrawing, limits: DagLimits = DAG_LIMITS): boolean {
  return drawing.nodes.length <= limits.maxNodes && drawing.edges.length <= limits.maxEdges && drawing.text.length <= limits.maxTextSize;
}

const FINISHED: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['done', 'succeeded', 'skipped']);

/** The task a large view starts from: the first one not finished, else the first one. */
export function currentTaskId(graph: DagGraph): string | undefined {
  return (graph.nodes.find((n) => !FINISHED.has(n.status) && !n.container) ?? graph.nodes[0])?.id;
}

/** The view a graph opens in: all of it when that fits; else its phases with the current one
 *  open; else the neighbourhood of the current task. */
export function initialView(graph: DagGraph, limits: DagLimits = DAG_LIMITS): DagView {
  const full: DagView = { kind: 'full' };
  if (graph.nodes.length <= limits.maxNodes && fits(drawView(graph, full, { limits }), limits)) return full;
  if (graph.phases.filter((p) => p.taskIds.length > 0).length >= 2) {
    const overview: DagView = { kind: 'phases', expanded: [] };
    if (fits(drawView(graph, overview, { limits }), limits)) {
      const current = currentTaskId(graph);
      const phase = graph.nodes.find((n) => n.id === current)?.phase;
      return phase === undefined ? overview : expandPhase(graph, overview, phase, limits);
    }
  }
  const taskId = currentTaskId(graph);
  return taskId === undefined ? full : focusView(graph, taskId, limits);
}

/** The phases view with `phase` open too; phases opened earlier close, oldest first, while the
 *  drawing would not fit. A phase too large to show on its own opens as the focus view of its
 *  current task instead. */
export function expandPhase(graph: DagGraph, view: DagView, phase: number, limits: DagLimits = DAG_LIMITS): DagView {
  const before = view.kind === 'phases' ? view.expanded.filter((p) => p !== phase) : [];
  for (let drop = 0; drop <= before.length; drop++) {
    const candidate: DagView = { kind: 'phases', expanded: [...before.slice(drop), phase] };
    if (fits(drawView(graph, candidate, { limits }), limits)) return candidate;
  }
  const members = new Set(graph.phases[phase]?.taskIds ?? []);
  const inPhase = graph.nodes.filter((n) => members.has(n.id));
  const target = (inPhase.find((n) => !FINISHED.has(n.status) && !n.container) ?? inPhase[0])?.id;
  return target === undefined ? view : focusView(graph, target, limits);
}

export function collapsePhase(view: DagView, phase: number): DagView {
  return view.kind === 'phases' ? { kind: 'phases', expanded: view.expanded.filter((p) => p !== phase) } : view;
}

/** The focus view of a task with the widest radius (up to 3) that fits; at radius 1 the
 *  drawing itself caps the neighbours it shows. */
export function focusView(graph: DagGraph, taskId: string, limits: DagLimits = DAG_LIMITS): DagView {
  for (let radius = 3; radius > 1; radius--) {
    const view: DagView = { kind: 'focus', taskId, radius };
    if (fits(drawView(graph, view, { limits }), limits)) return view;
  }
  return { kind: 'focus', taskId, radius: 1 };
}

/** The mermaid text of a view, and which drawn element is which, for the page to decorate.
 *  No statuses or styles are in the text: the page sets them as classes, so a status change
 *  never draws again. */
export function drawView(graph: DagGraph, view: DagView, options: DrawOptions = {}): DagDrawing {
  const limits = options.limits ?? DAG_LIMITS;
  const out: string[] = [`flowchart ${options.direction ?? 'TD'}`];
  const nodes: DagViewNode[] = [];
  const edges: DagViewEdge[] = [];
  const clusters: DagViewCluster[] = [];
  const nodeById = tasksById(graph.nodes);
  const addEdge = (kind: DagViewEdge['kind'], from: string, to: string, critical: boolean): void => {
    const edgeId = `e${edges.length}`;
    const arrow = kind === 'dependency' ? '-->' : kind === 'conflict' ? '-.-' : '-.->';
    out.push(`  ${from} ${options.edgeIds === false ? '' : `${edgeId}@`}${arrow} ${to}`);
    edges.push({ edgeId, kind, from, to, critical });
  };

  if (view.kind === 'focus') {
    drawFocus(graph, view, limits, nodeById, out, nodes, addEdge);
    return { view, text: out.join('\n') + '\n', nodes, edges, clusters };
  }

  const expanded = new Set(view.kind === 'phases' ? view.expanded : graph.phases.map((p) => p.index));
  // Where each task is drawn: its own node, or the node of its collapsed phase.
  const shownAs = new Map<string, string>();
  for (const n of graph.nodes) {
    shownAs.set(n.id, n.phase === undefined || expanded.has(n.phase) ? n.mermaidId : phaseNodeId(n.phase));
  }

  const emitTasks = (members: readonly DagNode[], indent: string): void => {
    const drawnGroups = new Set<number>();
    for (const n of members) {
      if (n.group === undefined) {
        out.push(`${indent}${taskNodeLine(n)}`);
        nodes.push({ kind: 'task', mermaidId: n.mermaidId, taskId: n.id, hiddenNeighbours: false });
        continue;
      }
      if (drawnGroups.has(n.group)) continue;
      drawnGroups.add(n.group);
      out.push(`${indent}subgraph g_${n.group}["Parallel group ${n.group + 1}"]`);
      for (const id of graph.groups[n.group]?.taskIds ?? []) {
        const m = nodeById.get(id);
        if (!m) continue;
        out.push(`${indent}  ${taskNodeLine(m)}`);
        nodes.push({ kind: 'task', mermaidId: m.mermaidId, taskId: m.id, hiddenNeighbours: false });
      }
      out.push(`${indent}end`);
    }
  };

  const firstPhased = graph.nodes.findIndex((n) => n.phase !== undefined);
  const unphasedBefore = graph.nodes.filter((n, i) => n.phase === undefined && (firstPhased < 0 || i < firstPhased));
  const unphasedAfter = firstPhased < 0 ? [] : graph.nodes.filter((n, i) => n.phase === undefined && i > firstPhased);
  // Tasks above the first heading come first, as in the file; groups that span phases after them.
  emitTasks(unphasedBefore, '  ');
  for (const phase of graph.phases) {
    if (phase.taskIds.length === 0) continue;
    if (expanded.has(phase.index)) {
      out.push(`  subgraph ${phaseClusterId(phase.index)}["${escapeLabel(shorten(phase.title, 60))}"]`);
      emitTasks(phase.taskIds.map((id) => nodeById.get(id)).filter((n): n is DagNode => n !== undefined), '    ');
      out.push('  end');
      clusters.push({ mermaidId: phaseClusterId(phase.index), phase: phase.index });
    } else {
      const label = `${shorten(phase.title, TITLE_LIMIT)} · ${phase.taskIds.length} task${phase.taskIds.length === 1 ? '' : 's'}`;
      out.push(`  ${phaseNodeId(phase.index)}(["${escapeLabel(label)}"])`);
      nodes.push({ kind: 'phase', mermaidId: phaseNodeId(phase.index), phase: phase.index, taskCount: phase.taskIds.length });
    }
  }
  emitTasks(unphasedAfter, '  ');

  const seen = new Set<string>();
  for (const e of graph.edges) {
    const from = shownAs.get(e.from);
    const to = shownAs.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    const key = `${from}\n${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    addEdge('dependency', from, to, e.critical && from === nodeById.get(e.from)?.mermaidId && to === nodeById.get(e.to)?.mermaidId);
  }
  for (const [a, b] of graph.conflicts) {
    const from = shownAs.get(a);
    const to = shownAs.get(b);
    // A conflict inside a collapsed phase, or to one, says nothing at that scale.
    if (from === nodeById.get(a)?.mermaidId && to === nodeById.get(b)?.mermaidId && from !== undefined && to !== undefined) {
      addEdge('conflict', from, to, false);
    }
  }
  return { view, text: out.join('\n') + '\n', nodes, edges, clusters };
}

function taskNodeLine(n: DagNode): string {
  return `${n.mermaidId}["${escapeLabel(taskLabel(n.id, n.shortTitle, n.optional === true))}"]`;
}

function drawFocus(
  graph: DagGraph,
  view: Extract<DagView, { kind: 'focus' }>,
  limits: DagLimits,
  nodeById: ReadonlyMap<string, DagNode>,
  out: string[],
  nodes: DagViewNode[],
  addEdge: (kind: DagViewEdge['kind'], from: string, to: string, critical: boolean) => void,
): void {
  const centre = nodeById.get(view.taskId);
  if (!centre) return;
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const e of graph.edges) {
    (preds.get(e.to) ?? preds.set(e.to, []).get(e.to))?.push(e.from);
    (succs.get(e.from) ?? succs.set(e.from, []).get(e.from))?.push(e.to);
  }
  // Two "+N more" nodes may be needed beside the centre.
  const budget = Math.max(1, limits.maxNodes - 3);
  const shown = new Set<string>([centre.id]);
  const hidden = { before: 0, after: 0 };
  const walk = (next: ReadonlyMap<string, string[]>, side: 'before' | 'after', share: number): void => {
    let frontier = [centre.id];
    let taken = 0;
    const reached = new Set<string>([centre.id]);
    for (let step = 0; step < view.radius && frontier.length > 0; step++) {
      const following: string[] = [];
      for (const id of frontier) {
        for (const n of next.get(id) ?? []) {
          if (reached.has(n)) continue;
          reached.add(n);
          following.push(n);
        }
      }
      for (const n of following) {
        if (shown.has(n)) continue;
        if (taken < share) {
          shown.add(n);
          taken++;
        } else hidden[side]++;
      }
      frontier = following.filter((n) => shown.has(n));
    }
  };
  const half = Math.floor((budget - 1) / 2);
  walk(preds, 'before', half);
  walk(succs, 'after', budget - 1 - half);

  const hasHidden = (id: string): boolean =>
    [...(preds.get(id) ?? []), ...(succs.get(id) ?? [])].some((n) => !shown.has(n));
  for (const n of graph.nodes) {
    if (!shown.has(n.id)) continue;
    out.push(`  ${taskNodeLine(n)}`);
    nodes.push({ kind: 'task', mermaidId: n.mermaidId, taskId: n.id, hiddenNeighbours: hasHidden(n.id) });
  }
  for (const side of ['before', 'after'] as const) {
    if (hidden[side] === 0) continue;
    const mermaidId = `more_${side}`;
    out.push(`  ${mermaidId}["${escapeLabel(`+${hidden[side]} more ${side === 'before' ? 'predecessors' : 'successors'}`)}"]`);
    nodes.push({ kind: 'more', mermaidId, direction: side, count: hidden[side] });
  }
  for (const e of graph.edges) {
    if (!shown.has(e.from) || !shown.has(e.to)) continue;
    const from = nodeById.get(e.from)?.mermaidId;
    const to = nodeById.get(e.to)?.mermaidId;
    if (from !== undefined && to !== undefined) addEdge('dependency', from, to, e.critical);
  }
  for (const [a, b] of graph.conflicts) {
    if (!shown.has(a) || !shown.has(b)) continue;
    const from = nodeById.get(a)?.mermaidId;
    const to = nodeById.get(b)?.mermaidId;
    if (from !== undefined && to !== undefined) addEdge('conflict', from, to, false);
  }
  if (hidden.before > 0) addEdge('more', 'more_before', centre.mermaidId, false);
  if (hidden.after > 0) addEdge('more', centre.mermaidId, 'more_after', false);
}
