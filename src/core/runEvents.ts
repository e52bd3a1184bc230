// What a run is asked to do (RunOptions, RunScope) and what it says while it goes (RunEvent): the
// stream the scheduler emits and every view — the RunBoard, the CLI's live view, the extension —
// consumes.

/** Tokens and cost of one attempt (or a sum of them), as the agent CLI reported them.
 *  `inputTokens` counts every input token, cached ones too; `cachedInputTokens` is the part of
 *  them read from the provider's cache. `costUsd` only where the CLI reports a price. */
export interface AgentUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly costUsd?: number;
}

/** Where the agents work: all in the user's working tree, or each task in a git worktree of its own. */
export type IsolationMode = 'none' | 'worktree';

export type RunMode = 'dag' | 'waves';
export type CommitStrategy = 'batch' | 'individual' | 'none';

/** `withDependencies`: also run whatever the group or task waits for that is not done yet
 *  (without it, such a task is reported blocked "not done"). */
export type RunScope =
  | { readonly kind: 'spec' }
  | { readonly kind: 'group'; readonly groupIndex: number; readonly withDependencies?: boolean }
  | { readonly kind: 'task'; readonly taskId: string; readonly withDependencies?: boolean }
  | { readonly kind: 'retryFailed' };

export interface RunOptions {
  readonly maxConcurrent: number;
  readonly mode: RunMode;
  readonly commit: CommitStrategy;
  readonly scope: RunScope;
  /** Tries per task, ralph-specum's maxTaskIterations (1 = no retry). */
  readonly maxTaskIterations: number;
  readonly taskTimeoutMs?: number;
  /** `worktree`: each task works in a git worktree of its own, merged back in task order
   *  (needs RunPorts.worktrees). Default `none`: all agents share the working tree. */
  readonly isolation?: IsolationMode;
  /** A budget in US dollars: once the run's agents have reported this much, no new task starts
   *  (running ones finish). Only agents that report a cost count towards it. */
  readonly maxCostUsd?: number;
  /** Rate limits (429/529): how long the first wait is (doubling each time, default 15 s) and
   *  how many waits a task gets before the failure counts (default 6). */
  readonly rateLimitWaitMs?: number;
  readonly rateLimitWaits?: number;
}

/** How the scheduler ended a task: the run's own word, a subset of the views' TaskStatus
 *  (core/status.ts), into which the RunBoard turns it. */
export type TaskRunStatus = 'succeeded' | 'failed' | 'blocked' | 'cancelled' | 'skipped';

export interface RunSummary {
  readonly succeeded: number;
  readonly failed: number;
  readonly blocked: number;
  readonly cancelled: number;
  readonly skipped: number;
  readonly elapsedMs: number;
  readonly serialEstimateMinutes: number;
  /** Tokens and cost of this run's attempts, where the agents report them. */
  readonly usage?: AgentUsage;
  /** Why the run stopped starting tasks early (agent unavailable, budget spent). */
  readonly haltReason?: string;
}

export type RunEvent =
  | { readonly type: 'runStarted'; readonly runId: string; readonly taskIds: readonly string[]; readonly resumed: boolean; readonly at: number }
  | { readonly type: 'taskQueued'; readonly taskId: string; readonly at: number }
  | { readonly type: 'taskStarted'; readonly taskId: string; readonly attempt: number; readonly at: number }
  | { readonly type: 'taskOutput'; readonly taskId: string; readonly chunk: string; readonly at: number }
  /** The attempt's agent runs somewhere other than here (a container, another engine). */
  | { readonly type: 'taskPlaced'; readonly taskId: string; readonly attempt: number; readonly runner: string; readonly at: number }
  | {
      readonly type: 'taskFinished';
      readonly taskId: string;
      readonly status: TaskRunStatus;
      readonly reason?: string;
      readonly attempt: number;
      readonly durationMs: number;
      /** This attempt failed and another follows: the task is queued again, not finished. */
      readonly willRetry?: boolean;
      /** Tokens and cost of this attempt (with the rate-limited tries before it). */
      readonly usage?: AgentUsage;
      /** Where this attempt's raw agent output is kept. */
      readonly logFile?: string;
      readonly at: number;
    }
  /** The run starts no new task: the agent cannot work (not installed, not logged in) or the
   *  budget is spent. Said once; tasks already running finish. */
  | { readonly type: 'runHalted'; readonly reason: string; readonly at: number }
  | { readonly type: 'batchCommitted'; readonly taskIds: readonly string[]; readonly commit: string; readonly at: number }
  | { readonly type: 'runFinished'; readonly summary: RunSummary; readonly at: number };

export type RunEventListener = (event: RunEvent) => void;
