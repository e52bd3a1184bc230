// The plan as mermaid flowchart text, for the DAG webview and `ralph graph`. Everything the author
// wrote (titles, ids, phase names) reaches the diagram only inside quoted labels with mermaid's
// entity codes, so no title can end a label, add a link or a click handler, or inject markup.

import { tasksById, type Plan, type Task } from './model';

export interface MermaidOptions {
  /** Run status per task id (pending, running, succeeded, failed, blocked, done, cancelled,
   *  skipped; `success` is read as succeeded). Tasks not listed: `done` when checked, else pending. */
  readonly statuses?: Readonly<Record<string, string>>;
  readonly direction?: 'TD' | 'LR';
}

const TITLE_LIMIT = 40;

const STATUS_STYLES: readonly (readonly [string, string])[] = [
  ['pending', 'fill:#f4f4f4,stroke:#999,color:#333'],
  ['running', 'fill:#dbeafe,stroke:#2563eb,color:#1e3a8a,stroke-width:2px'],
  ['succeeded', 'fill:#dcfce7,stroke:#16a34a,color:#14532d'],
  ['failed', 'fill:#fee2e2,stroke:#dc2626,color:#7f1d1d,stroke-width:2px'],
  ['blocked', 'fill:#fef3c7,stroke:#d97706,color:#78350f'],
  ['done', 'fill:#e5e7eb,stroke:#6b7280,color:#374151'],
  ['cancelled', 'fill:#f3e8ff,stroke:#9333ea,color:#581c87'],
  ['skipped', 'fill:#f4f4f4,stroke:#bbb,color:#777,stroke-dasharray:3 3'],
];
const KNOWN_STATUSES = new Set(STATUS_STYLES.map(([name]) => name));
const STATUS_ALIASES: Readonly<Record<string, string>> = { success: 'succeeded' };

// Everything that means something to mermaid's lexer or to HTML, as mermaid entity codes
// (`#quot;`, or `#<decimal>;`).
const ENTITY = /["#<>`[\]|;&{}%\\]/g;

/** Text as the inside of a quoted mermaid label: one line, every special character as an entity. */
export function escapeLabel(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\u2028\u2029\s]+/g, ' ')
    .trim()
    .replace(ENTITY, (c) => (c === '"' ? '#quot;' : `#${c.charCodeAt(0)};`));
}

/** At most `limit` characters (code points), cut with an ellipsis. */
export function shorten(text: string, limit: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= limit ? chars.join('') : `${chars.slice(0, limit - 1).join('').trimEnd()}…`;
}

/**
 * A mermaid node id for a task id: `t_` and the id with dots as underscores for ordinary ids
 * (`1.2` → `t_1_2`); any other id becomes `t__` and its characters, each that is not a letter or
 * digit as `_` and four hex digits. Distinct task ids give distinct node ids, and none is a
 * mermaid keyword.
 */
export function mermaidNodeId(taskId: string): string {
  if (/^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$/.test(taskId)) return `t_${taskId.replace(/\./g, '_')}`;
  let body = '';
  for (let i = 0; i < taskId.length; i++) {
    const c = taskId[i] as string;
    body += /[A-Za-z0-9]/.test(c) ? c : `_${taskId.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return `t__${body}`;
}

function nodeLine(task: Task): string {
  return `${mermaidNodeId(task.id)}["${escapeLabel(`${task.id} ${shorten(task.title, TITLE_LIMIT)}`)}"]`;
}

export function toMermaid(plan: Plan, options: MermaidOptions = {}): string {
  const { spec } = plan;
  const out: string[] = [`flowchart ${options.direction ?? 'TD'}`];
  const byId = tasksById(spec.tasks);
  const inPlan = plan.taskIds.map((id) => byId.get(id)).filter((t): t is Task => t !== undefined);

  // A group is drawn inside its phase when all its members share one; else at the top level.
  const { groupOf, groupPhase } = groupPlacement(plan, byId);
  const phaseOfNode = (t: Task): number | undefined => {
    const g = groupOf.get(t.id);
    return g === undefined ? t.phaseIndex : groupPhase.get(g);
  };

  const emitItems = (tasks: readonly Task[], indent: string): void => {
    const drawnGroups = new Set<number>();
    for (const t of tasks) {
      const g = groupOf.get(t.id);
      if (g === undefined) {
        out.push(`${indent}${nodeLine(t)}`);
        continue;
      }
      if (drawnGroups.has(g)) continue;
      drawnGroups.add(g);
      out.push(`${indent}subgraph g_${g}["Parallel group ${g + 1}"]`);
      for (const id of plan.groups[g]?.taskIds ?? []) {
        const m = byId.get(id);
        if (m) out.push(`${indent}  ${nodeLine(m)}`);
      }
      out.push(`${indent}end`);
    }
  };

  const unphased = inPlan.filter((t) => phaseOfNode(t) === undefined);
  const phased = new Map<number, Task[]>();
  for (const t of inPlan) {
    const p = phaseOfNode(t);
    if (p === undefined) continue;
    const list = phased.get(p);
    if (list) list.push(t);
    else phased.set(p, [t]);
  }
  // Tasks above the first heading come first, as in the file.
  emitItems(unphased.filter((t) => t.phaseIndex === undefined), '  ');
  spec.phases.forEach((phase, p) => {
    const members = phased.get(p);
    if (!members) return;
    out.push(`  subgraph p_${p}["${escapeLabel(shorten(phase.title, 60))}"]`);
    emitItems(members, '    ');
    out.push('  end');
  });
  emitItems(unphased.filter((t) => t.phaseIndex !== undefined), '  ');

  let links = 0;
  for (const id of plan.taskIds) {
    for (const pred of plan.dependsOn[id] ?? []) {
      out.push(`  ${mermaidNodeId(pred)} --> ${mermaidNodeId(id)}`);
      links++;
    }
  }
  const conflictLinks: number[] = [];
  for (const [a, b] of plan.conflicts) {
    out.push(`  ${mermaidNodeId(a)} -.- ${mermaidNodeId(b)}`);
    conflictLinks.push(links++);
  }

  for (const [name, style] of STATUS_STYLES) out.push(`  classDef ${name} ${style}`);
  const classes = new Map<string, string[]>();
  for (const t of inPlan) {
    const given = options.statuses?.[t.id];
    const status = given === undefined ? undefined : (STATUS_ALIASES[given] ?? given);
    const name = status !== undefined && KNOWN_STATUSES.has(status) ? status : t.done ? 'done' : 'pending';
    const list = classes.get(name);
    if (list) list.push(mermaidNodeId(t.id));
    else classes.set(name, [mermaidNodeId(t.id)]);
  }
  for (const [name] of STATUS_STYLES) {
    const nodes = classes.get(name);
    if (nodes) out.push(`  class ${nodes.join(',')} ${name}`);
  }
  if (conflictLinks.length > 0) out.push(`  linkStyle ${conflictLinks.join(',')} stroke:#dc2626,stroke-dasharray:4 3`);
  return out.join('\n') + '\n';
}

/** Which group each task is in, and the phase a group is drawn inside: the one all its members
 *  share, else none (the group is drawn at the top level). */
export function groupPlacement(
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
