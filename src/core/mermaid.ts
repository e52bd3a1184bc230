// The plan as mermaid flowchart text for `ralph graph --mermaid`: the DAG page's own drawing of the
// whole graph (drawView in ./graphDraw, the one place that writes a flowchart), with each task's status
// as a mermaid class, so the text renders with its colours anywhere mermaid does (a README, an
// issue). The page sets the same statuses as CSS classes (media/dag.css) instead, so a status
// change never draws again.

import { buildDagGraph, type DagStatusUpdate } from './graph';
import { drawView } from './graphDraw';
import { TASK_STATUSES, type TaskStatus } from './status';
import type { Plan } from './model';

export interface MermaidOptions {
  /** Run status per task id: any TaskStatus, or `success` as the state file writes it. Tasks not
   *  listed, or with a status that is none of these: `done` when checked, else pending. */
  readonly statuses?: Readonly<Record<string, string>>;
  readonly direction?: 'TD' | 'LR';
}

/** One style per status: a Record, so a status added to TaskStatus cannot go unstyled. */
export const STATUS_STYLES: Readonly<Record<TaskStatus, string>> = {
  pending: 'fill:#f4f4f4,stroke:#999,color:#333',
  queued: 'fill:#f3e8ff,stroke:#8250df,color:#3b0764,stroke-dasharray:3 3',
  running: 'fill:#dbeafe,stroke:#2563eb,color:#1e3a8a,stroke-width:2px',
  retrying: 'fill:#dbeafe,stroke:#2563eb,color:#1e3a8a,stroke-width:2px,stroke-dasharray:4 3',
  succeeded: 'fill:#dcfce7,stroke:#16a34a,color:#14532d',
  failed: 'fill:#fee2e2,stroke:#dc2626,color:#7f1d1d,stroke-width:2px',
  blocked: 'fill:#fef3c7,stroke:#d97706,color:#78350f',
  cancelled: 'fill:#fef9c3,stroke:#9a6700,color:#713f12',
  skipped: 'fill:#f4f4f4,stroke:#bbb,color:#777,stroke-dasharray:3 3',
  done: 'fill:#e5e7eb,stroke:#6b7280,color:#374151',
};

const CONFLICT_STYLE = 'stroke:#dc2626,stroke-dasharray:4 3';

export function toMermaid(plan: Plan, options: MermaidOptions = {}): string {
  const statuses: Record<string, Omit<DagStatusUpdate, 'taskId'>> = {};
  for (const [id, given] of Object.entries(options.statuses ?? {})) {
    const status = given === 'success' ? 'succeeded' : given;
    if ((TASK_STATUSES as readonly string[]).includes(status)) statuses[id] = { status: status as TaskStatus };
  }
  const graph = buildDagGraph(plan, { statuses });
  // Plain arrows: edge ids (`e1@-->`) are for the page's decorations and need mermaid 11.
  const drawing = drawView(graph, { kind: 'full' }, { edgeIds: false, ...(options.direction ? { direction: options.direction } : {}) });
  const out = [drawing.text.trimEnd()];
  for (const status of TASK_STATUSES) out.push(`  classDef ${status} ${STATUS_STYLES[status]}`);
  for (const status of TASK_STATUSES) {
    const nodes = graph.nodes.filter((n) => n.status === status).map((n) => n.mermaidId);
    if (nodes.length > 0) out.push(`  class ${nodes.join(',')} ${status}`);
  }
  const conflictLinks = drawing.edges.flatMap((e, index) => (e.kind === 'conflict' ? [index] : []));
  if (conflictLinks.length > 0) out.push(`  linkStyle ${conflictLinks.join(',')} ${CONFLICT_STYLE}`);
  return out.join('\n') + '\n';
}
