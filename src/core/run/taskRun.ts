// What the run engine knows of one task of the run while it runs: where it stands, how many
// attempts it has had, and what it waits for. (Its record in the state file is RalphTaskRecord.)

import type { Task } from '../model';
import type { AgentUsage, TaskRunStatus, TaskWorktree } from '../ports';

/** `merging`: worktree isolation, the attempt passed and the task waits for its turn to merge. */
export type Status = 'pending' | 'running' | 'merging' | TaskRunStatus;

export interface TaskRun {
  readonly task: Task;
  readonly isContainer: boolean;
  /** Dependencies as the scheduler honours them (containers resolved). */
  readonly deps: readonly string[];
  /** Waves mode: the group or single task this one runs with; -1 for containers. */
  readonly wave: number;
  status: Status;
  /** Attempts started so far. */
  attempt: number;
  reason?: string;
  lastFailure?: string;
  attemptStartedAt?: number;
  /** Worktree isolation: where the task works, and its branch tip once its attempt passed. */
  worktree?: TaskWorktree;
  workCommit?: string;
  /** How long the attempt that passed took, reported once the task is merged. */
  passedInMs?: number;
  /** Tokens and cost of the attempt that passed, reported once the task is merged. */
  passedUsage?: AgentUsage;
  passedLogFile?: string;
}
