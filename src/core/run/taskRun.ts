// What the scheduler knows of one task of the run while it runs: where it stands, how many
// attempts it has had, and what it waits for. (Its record in the state file is RalphTaskRecord.)
// Where it stands is a discriminated union: what only some states have (the start of a running
// attempt, the work of a passed one waiting for its merge) exists only on those states.

import type { Task } from '../model';
import type { AgentUsage, TaskRunStatus, TaskWorktree } from '../ports';

/** `merging`: worktree isolation, the attempt passed and the task waits for its turn to merge. */
export type Status = 'pending' | 'running' | 'merging' | TaskRunStatus;

export type TaskRunState =
  /** Waiting to start; `reason`: why the attempt before failed, when this is a retry. */
  | { readonly status: 'pending'; readonly reason?: string }
  | { readonly status: 'running'; readonly startedAt: number; readonly worktree?: TaskWorktree }
  | {
      readonly status: 'merging';
      /** How long the attempt that passed took, reported once the task is merged. */
      readonly passedInMs: number;
      /** The branch tip holding its work, and where it worked. */
      readonly workCommit?: string;
      readonly worktree?: TaskWorktree;
      /** Tokens, cost and log of the attempt that passed, reported once the task is merged. */
      readonly passedUsage?: AgentUsage;
      readonly passedLogFile?: string;
    }
  | { readonly status: 'succeeded' }
  | { readonly status: 'failed' | 'blocked' | 'cancelled' | 'skipped'; readonly reason?: string };

export interface TaskRun {
  readonly task: Task;
  readonly isContainer: boolean;
  /** Dependencies as the scheduler honours them (containers resolved). */
  readonly deps: readonly string[];
  /** Waves mode: the group or single task this one runs with; -1 for containers. */
  readonly wave: number;
  state: TaskRunState;
  /** Attempts started so far. */
  attempt: number;
  /** The failure of the last attempt with its output tail: what a retry's prompt shows. */
  lastFailure?: string;
}

/** The reason a state gives (a failure, a block, a skip, the failure before a retry). */
export function reasonOf(state: TaskRunState): string | undefined {
  return 'reason' in state ? state.reason : undefined;
}
