// A task's status as every view shows it: the tree, the decorations, the CodeLens, the status
// bar, the DAG page, the mermaid text and the CLI. The run itself speaks a smaller language:
// `TaskRunStatus` (core/ports.ts) is how an attempt ended, one of these; `TaskResultStatus` is
// what the state file records. RunBoard (core/board.ts) is the one place that turns either into
// a TaskStatus.

import type { TaskResultStatus, TaskRunStatus } from './ports';

export type TaskStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'blocked'
  | 'cancelled'
  | 'skipped'
  | 'done';

export const TASK_STATUSES: readonly TaskStatus[] = [
  'pending',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'blocked',
  'cancelled',
  'skipped',
  'done',
];

/** Every way a run ends a task is a status the views know (a compile-time check). */
export type RunStatusesAreTaskStatuses = TaskRunStatus extends TaskStatus ? true : never;

/** What a status from `.ralph-state.json` shows as. */
export function statusFromTaskResult(status: TaskResultStatus): TaskStatus {
  return status === 'success' ? 'succeeded' : status;
}
