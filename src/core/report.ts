// The plan as people and programs read it: the stable JSON of `ralph plan --json` and the human
// text of `ralph plan`. Pure functions, so the CLI, the extension and tests share them.

import { firstOfEachId, type Diagnostic, type Plan, type Task } from './model';
import { formatMinutes } from './duration';

export interface PlanJsonTask {
  id: string;
  title: string;
  /** 1-based line of the task in its file. */
  line: number;
  done: boolean;
  state: Task['check'];
  /** The checkbox character as written (`~` for `[~]`); null for manifests. */
  mark: string | null;
  /** Kiro `- [ ]* 2.3`: may be left out. */
  optional: boolean;
  /** An open optional task that a run of this plan skips (planned without --include-optional). */
  skipped: boolean;
  markers: string[];
  files: string[];
  verify: string | null;
  /** Direct predecessors in the DAG. */
  dependsOn: string[];
  dependents: string[];
  phase: string | null;
  group: number | null;
  parent: string | null;
  estimateMinutes: number | null;
  risk: string | null;
}

export interface PlanJsonDiagnostic {
  severity: Diagnostic['severity'];
  code: Diagnostic['code'];
  line: number;
  column: number;
  message: string;
  taskId: string | null;
}

export interface PlanJson {
  version: 1;
  spec: { path: string; format: string; title: string | null };
  tasks: PlanJsonTask[];
  groups: { index: number; taskIds: string[] }[];
  conflicts: [string, string][];
  exclusive: string[];
  levels: string[][];
  /** Runs of adjacent tasks that could run together if marked [P] (no file in common, no
   *  dependency between them); markdown lists only. */
  parallelOpportunities: string[][];
  diagnostics: PlanJsonDiagnostic[];
  estimate: Plan['estimate'];
}

export function toPlanJson(plan: Plan): PlanJson {
  const { spec } = plan;
  const groupOf = new Map<string, number>();
  for (const g of plan.groups) for (const id of g.taskIds) groupOf.set(id, g.index);
  const inDag = new Set(plan.taskIds);
  const skipped = new Set(plan.skippedOptional ?? []);
  const tasks = firstOfEachId(spec.tasks)
    .filter((t) => inDag.has(t.id))
    .map(
      (t): PlanJsonTask => ({
        id: t.id,
        title: t.title,
        line: t.ranges.line.start.line + 1,
        done: t.done,
        state: t.check,
        mark: t.mark ?? null,
        optional: t.optional,
        skipped: skipped.has(t.id),
        markers: t.markers.map((m) => m.name),
        files: [...t.files],
        verify: t.verify ?? null,
        dependsOn: [...(plan.dependsOn[t.id] ?? [])],
        dependents: [...(plan.dependents[t.id] ?? [])],
        phase: t.phaseIndex !== undefined ? (spec.phases[t.phaseIndex]?.title ?? null) : null,
        group: groupOf.get(t.id) ?? null,
        parent: t.parentId ?? null,
        estimateMinutes: t.estimateMinutes ?? null,
        risk: t.risk ?? null,
      }),
    );
  return {
    version: 1,
    spec: { path: spec.path, format: spec.format, title: spec.title ?? null },
    tasks,
    groups: plan.groups.map((g) => ({ index: g.index, taskIds: [...g.taskIds] })),
    conflicts: plan.conflicts.map(([a, b]) => [a, b]),
    exclusive: [...plan.exclusive],
    levels: plan.levels.map((l) => [...l]),
    parallelOpportunities: (plan.parallelHints?.opportunities ?? []).map((o) => [...o]),
    diagnostics: plan.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      message: d.message,
      taskId: d.taskId ?? null,
    })),
    estimate: plan.estimate,
  };
}

/** `file:line: severity: message`, the shape compilers use, so terminals and editors link it. */
export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.range.start.line + 1}: ${d.severity}: ${d.message}`;
}

/** Lines of `ralph plan` for the [P] opportunities; the JSON has them all. */
const OPPORTUNITY_LINES = 8;

export function formatPlanText(plan: Plan): string {
  const { spec, estimate } = plan;
  const out: string[] = [];
  const inDag = new Set(plan.taskIds);
  const done = firstOfEachId(spec.tasks).filter((t) => t.done && inDag.has(t.id)).length;
  // Task Master has tags and no phases: the header names the tag read instead.
  const where =
    spec.format === 'taskmaster'
      ? spec.tag !== undefined
        ? `tag ${spec.tag}`
        : 'no tags'
      : `${spec.phases.length} phase${spec.phases.length === 1 ? '' : 's'}`;
  const skipped = new Set(plan.skippedOptional ?? []);
  const optional = firstOfEachId(spec.tasks).filter((t) => inDag.has(t.id) && (t.optional || skipped.has(t.id)) && !t.done);
  const counts = [done ? `${done} done` : '', skipped.size ? `${skipped.size} optional skipped` : ''].filter(Boolean).join(', ');
  out.push(
    `${spec.path} — ${spec.format}, ${plan.taskIds.length} task${plan.taskIds.length === 1 ? '' : 's'}` +
      `${counts ? ` (${counts})` : ''}, ${where}`,
  );
  const optionalIds = new Set(optional.map((t) => t.id));
  const star = (id: string): string => (optionalIds.has(id) ? `${id}*` : id);

  out.push('', 'Parallel groups');
  if (plan.groups.length === 0) out.push('  (none)');
  for (const g of plan.groups) out.push(`  group ${g.index + 1}: ${g.taskIds.join(', ')}`);

  const opportunities = plan.parallelHints?.opportunities ?? [];
  if (opportunities.length > 0) {
    out.push('', 'Could run together if marked [P] (next to each other, no file in common, no dependency)');
    for (const ids of opportunities.slice(0, OPPORTUNITY_LINES)) out.push(`  ${ids.join(', ')}`);
    const more = opportunities.length - OPPORTUNITY_LINES;
    if (more > 0) out.push(`  … and ${more} more (ralph plan --json lists them all)`);
  }

  out.push('', `DAG levels (tasks on one level may run at the same time${optional.length ? '; * optional' : ''})`);
  plan.levels.forEach((level, i) => {
    out.push(`  ${String(i).padStart(2)}: ${level.map(star).join(' ')}`);
  });

  if (optional.length) {
    out.push(
      '',
      skipped.size
        ? 'Optional tasks (skipped: run with --include-optional, or run one with --task ID)'
        : 'Optional tasks (included)',
    );
    for (const t of optional) out.push(`  ${t.id}  ${t.title}`);
  }

  out.push('', 'Conflicts (never run together)');
  if (plan.conflicts.length === 0) out.push('  (none)');
  for (const [a, b] of plan.conflicts) out.push(`  ${a} ↔ ${b}`);
  if (plan.exclusive.length) out.push(`  run alone: ${plan.exclusive.join(', ')}`);

  out.push('', 'Diagnostics');
  if (plan.diagnostics.length === 0) out.push('  (none)');
  for (const d of plan.diagnostics) out.push(`  ${formatDiagnostic(spec.path, d)}`);

  out.push(
    '',
    `Estimate (up to ${estimate.maxConcurrent} at once; ${estimate.estimatedTasks} task(s) with an estimate, others ${formatMinutes(estimate.defaultTaskMinutes)})`,
  );
  out.push(`  serial          ${formatMinutes(estimate.serialMinutes)}`);
  out.push(`  DAG schedule    ${formatMinutes(estimate.scheduleMinutes)}  (${estimate.savingsPercent}% saved; --mode dag: a task starts once its dependencies are done)`);
  out.push(`  waves           ${formatMinutes(estimate.waveMinutes)}  (${estimate.waveSavingsPercent}% saved; --mode waves: one group at a time, file order)`);
  const cp = estimate.criticalPath.join(' → ');
  out.push(`  critical path   ${cp || '(empty)'}  (${formatMinutes(estimate.criticalPathMinutes)})`);
  return out.join('\n') + '\n';
}
