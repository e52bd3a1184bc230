// Each task's status on the page: the host sends its RunBoard's entries and the page replaces
// its own with them, whole (no merging rules of its own, so it cannot drift from the tree), then
// swaps classes on the drawn elements: a status never lays anything out again.

import type { DagGraph, DagStatusUpdate } from '../src/core/graph';
import { TASK_STATUSES, type TaskStatus } from '../src/core/status';
import { page, summary, type TaskState } from './page';

const STATUS_CLASSES = TASK_STATUSES.map((s) => `status-${s}`);

export function statusOf(taskId: string): TaskStatus {
  return page.taskStates.get(taskId)?.status ?? 'pending';
}

/** The entries a new plan arrives with (the board's snapshot, built into the graph's nodes). */
export function seedStatuses(graph: DagGraph): void {
  page.taskStates.clear();
  for (const n of graph.nodes) {
    const { reason, durationMs, attempt, usage } = n.details;
    const s: TaskState = {
      status: n.status,
      ...(reason !== undefined ? { reason } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(attempt !== undefined ? { attempt } : {}),
      ...(usage !== undefined ? { usage } : {}),
    };
    page.taskStates.set(n.id, s);
  }
}

/** Replaces the entries of the tasks the host sent, and their drawn classes. */
export function replaceStatuses(updates: readonly DagStatusUpdate[]): void {
  const touchedPhases = new Set<number>();
  for (const { taskId, ...entry } of updates) {
    const node = page.nodeById.get(taskId);
    if (!node) continue;
    page.taskStates.set(taskId, entry);
    const el = page.taskElements.get(taskId);
    if (el) {
      setStatusClass(el, entry.status);
      el.setAttribute('aria-label', taskAriaLabel(taskId));
    }
    if (node.phase !== undefined) touchedPhases.add(node.phase);
  }
  for (const p of touchedPhases) refreshPhase(p);
  updateSummary();
}

export function setStatusClass(el: Element, status: TaskStatus): void {
  el.classList.remove(...STATUS_CLASSES);
  el.classList.add(`status-${status}`);
}

export function taskAriaLabel(taskId: string): string {
  const node = page.nodeById.get(taskId);
  return `${taskId} ${node?.details.title ?? ''}: ${statusOf(taskId)}`;
}

/** A collapsed phase shows the most telling status among its tasks. */
const PHASE_PRECEDENCE: readonly TaskStatus[] = ['failed', 'running', 'retrying', 'blocked', 'cancelled', 'queued', 'pending', 'skipped', 'succeeded', 'done'];

export function phaseCounts(phase: number): Map<TaskStatus, number> {
  const counts = new Map<TaskStatus, number>();
  for (const id of page.graph?.phases[phase]?.taskIds ?? []) {
    const status = statusOf(id);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}

function phaseStatus(counts: ReadonlyMap<TaskStatus, number>): TaskStatus {
  const finished = (counts.get('succeeded') ?? 0) + (counts.get('done') ?? 0) + (counts.get('skipped') ?? 0);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total > 0 && finished === total) return (counts.get('succeeded') ?? 0) > 0 ? 'succeeded' : 'done';
  return PHASE_PRECEDENCE.find((s) => (counts.get(s) ?? 0) > 0 && s !== 'succeeded' && s !== 'done' && s !== 'skipped') ?? 'pending';
}

export function refreshPhase(phase: number): void {
  const el = page.phaseElements.get(phase);
  if (!el) return;
  const counts = phaseCounts(phase);
  setStatusClass(el, phaseStatus(counts));
  const title = page.graph?.phases[phase]?.title ?? '';
  el.setAttribute('aria-label', `${title}: ${countsText(counts)}. Activate to open the phase.`);
}

export function countsText(counts: ReadonlyMap<TaskStatus, number>): string {
  return TASK_STATUSES.filter((s) => (counts.get(s) ?? 0) > 0)
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

export function updateSummary(): void {
  const graph = page.graph;
  if (!graph) return;
  const counts = new Map<TaskStatus, number>();
  for (const n of graph.nodes) {
    const s = statusOf(n.id);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  summary.textContent = `${graph.nodes.length} task${graph.nodes.length === 1 ? '' : 's'}${counts.size > 0 ? ` · ${countsText(counts)}` : ''}`;
}
