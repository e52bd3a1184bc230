// The quick fixes for a `[P]` that has no effect (plan/hints.ts): remove it, or mark a neighbour
// `[P]` too. Pure text edits of the task lines as parsed, so the editor only applies them and tests
// check them without one.

import { range, tasksById, type Plan, type Range, type Task } from './model';

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

export interface QuickFix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
  /** The fix that keeps the plan as it is. */
  readonly preferred: boolean;
}

const lineOf = (task: Task): string => task.text.split('\n', 1)[0] ?? '';

/** Removes the `[P]` marker and the blanks before it: `T012 [P] [US1] Add` → `T012 [US1] Add`. */
export function removeParallelMarker(task: Task): TextEdit | undefined {
  const marker = task.markers.find((m) => m.name === 'P');
  if (!marker || marker.range.start.line !== marker.range.end.line) return undefined;
  const line = lineOf(task);
  let start = marker.range.start.character;
  while (start > task.ranges.id.end.character && (line[start - 1] === ' ' || line[start - 1] === '\t')) start--;
  const { line: at } = marker.range.start;
  return { range: range(at, start, at, marker.range.end.character), newText: '' };
}

/** Adds `[P]` where the parser reads markers: before the first marker, else after the id (and the
 *  `.` or `:` that may follow it). */
export function addParallelMarker(task: Task): TextEdit | undefined {
  if (task.markers.some((m) => m.name === 'P')) return undefined;
  const at = task.ranges.id.end.line;
  const first = task.markers[0];
  if (first) return { range: range(at, first.range.start.character, at, first.range.start.character), newText: '[P] ' };
  const line = lineOf(task);
  let p = task.ranges.id.end.character;
  if (line[p] === '.' || line[p] === ':') p++;
  return { range: range(at, p, at, p), newText: ' [P]' };
}

/** The fixes for the `[P]` of `taskId` when the plan says it has no effect; none otherwise. */
export function parallelMarkerFixes(plan: Plan, taskId: string): QuickFix[] {
  const joinable = plan.parallelHints?.joinable[taskId];
  if (joinable === undefined) return [];
  const byId = tasksById(plan.spec.tasks);
  const task = byId.get(taskId);
  if (!task) return [];
  const fixes: QuickFix[] = [];
  for (const id of joinable) {
    const other = byId.get(id);
    const edit = other ? addParallelMarker(other) : undefined;
    if (edit) fixes.push({ title: `Mark ${id} [P] too, to run it beside ${taskId}`, edits: [edit], preferred: false });
  }
  const remove = removeParallelMarker(task);
  if (remove) fixes.push({ title: `Remove the [P] of ${taskId} (it has no effect)`, edits: [remove], preferred: true });
  return fixes;
}
