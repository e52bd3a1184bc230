// What the editor shows on a tasks.md from a plan and the run's board, as plain data: each
// parallel group as a band of lines, and each task's status after its line (running 12 s,
// succeeded in 3.1 s, failed: reason). Pure, so the refresh that runs every second while a run
// goes on is measured in plain Node (bench/decorations.bench.ts); src/vscode/decorations.ts only
// turns it into editor decorations.

import { statusText, type RunBoard } from './board';
import { specTasksById, type Plan } from './model';
import type { TaskStatus } from './status';

/** The statuses shown after a task's line, each with its glyph; a pending or done task shows none. */
export const STATUS_GLYPH = {
  queued: '◷',
  running: '●',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  blocked: '⊘',
  cancelled: '■',
} as const satisfies Partial<Record<TaskStatus, string>>;

export type DecoratedStatus = keyof typeof STATUS_GLYPH;

function isDecorated(status: TaskStatus): status is DecoratedStatus {
  return Object.prototype.hasOwnProperty.call(STATUS_GLYPH, status);
}

/** The lines of the document the decorations go on, as far as they matter here. */
export interface DocumentLines {
  readonly lineCount: number;
  isBlank(line: number): boolean;
}

export interface GroupBand {
  readonly startLine: number;
  readonly endLine: number;
  readonly hover: string;
}

export interface StatusMark {
  readonly line: number;
  readonly status: DecoratedStatus;
  readonly text: string;
  /** The whole reason, for the hover. */
  readonly reason?: string;
}

export interface TaskDecorationModel {
  readonly bands: readonly GroupBand[];
  readonly marks: readonly StatusMark[];
}

export function taskDecorations(plan: Plan, board: RunBoard, doc: DocumentLines, now: number): TaskDecorationModel {
  const clamp = (line: number) => Math.max(0, Math.min(doc.lineCount - 1, line));
  const byId = specTasksById(plan.spec);

  const bands: GroupBand[] = [];
  for (const group of plan.groups) {
    const first = byId.get(group.taskIds[0] as string);
    const last = byId.get(group.taskIds[group.taskIds.length - 1] as string);
    if (!first || !last) continue;
    // To the last line with text in the last task's block, not the blank line after it.
    let end = clamp(last.ranges.block.end.line);
    if (last.ranges.block.end.character === 0 && end > last.ranges.line.start.line) end--;
    while (end > first.ranges.line.start.line && doc.isBlank(end)) end--;
    bands.push({
      startLine: clamp(first.ranges.line.start.line),
      endLine: end,
      hover: `Parallel group ${group.index + 1}: ${group.taskIds.join(', ')} run at the same time`,
    });
  }

  const marks: StatusMark[] = [];
  for (const task of plan.spec.tasks) {
    const state = board.entry(task.id, plan.spec);
    if (!isDecorated(state.status)) continue;
    marks.push({
      line: clamp(task.ranges.line.start.line),
      status: state.status,
      text: `${STATUS_GLYPH[state.status]} ${statusText(state, now)}`.trim(),
      ...(state.reason ? { reason: state.reason } : {}),
    });
  }
  return { bands, marks };
}
