// The ports through which the scheduler does side effects (its events are in runEvents.ts).
// src/core implements none of these with real I/O; src/node (and tests) provide adapters.

import type { Task } from './model';
import type { CompletedTask } from './progress';
import type { AgentUsage, IsolationMode } from './runEvents';

export interface Disposable {
  dispose(): void;
}

/** Shaped like vscode.CancellationToken so the extension can pass its own. */
export interface CancellationToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): Disposable;
}

export interface Clock {
  now(): number;
}

// ---------------------------------------------------------------------------------------------
// Executor: runs one task as an agent process.

export interface ExecutorRequest {
  readonly task: Task;
  /** 1 for the first try, 2 for the first retry, … */
  readonly attempt: number;
  /** The prompt text (task block, spec paths, where to write progress), built by core. */
  readonly prompt: string;
  /** Absolute path of the spec folder (holds tasks.md, requirements.md, design.md). */
  readonly specDir: string;
  /** Absolute path where the agent writes its progress: `.progress-task-<id>.md`. */
  readonly progressFile: string;
  /** Working directory for the agent: the repository root, or a worktree. */
  readonly cwd: string;
  readonly timeoutMs?: number;
  /** Folders outside `cwd` the agent must be able to write (e.g. where its progress file is,
   *  when that cannot be inside `cwd`). */
  readonly writableDirs?: readonly string[];
  /** The run the agent belongs to: handed to it (and so to everything it starts) in its
   *  environment, where a later run finds what a killed run left behind. */
  readonly runId?: string;
  /** Called the moment the agent process exists, before it has done anything worth speaking of,
   *  so the run can record it; again for each process of the request (rate-limit tries). */
  readonly onSpawn?: (agent: SpawnedAgent) => void;
}

/** An agent process as the executor started it: enough to find it again after Ralph was killed,
 *  and to tell it apart from an unrelated process that got the same pid later. */
export interface SpawnedAgent {
  readonly pid: number;
  /** Its process group (POSIX: every agent leads a group of its own). */
  readonly pgid?: number;
  /** When it started, as the operating system tells it; without it the process is never killed
   *  on the strength of the record alone. */
  readonly startTime?: string;
  /** The machine it runs on: a pid means nothing on another one (a spec on a shared folder). */
  readonly host?: string;
  /** The marker in its environment (`RALPH_AGENT_ID`), inherited by whatever it starts. */
  readonly agentId: string;
  /** Where it runs when not as a process here: the runner's label (`docker@box`); the process
   *  recorded is then the engine's client, and the container is found by its labels. */
  readonly runner?: string;
}

export type ExecutorOutcome = 'succeeded' | 'failed' | 'timedOut' | 'cancelled';

/** Why an attempt failed, where it decides what the run does next (see the agents' table):
 *  `unavailable` stops new tasks from starting; `rateLimited` waits and tries again without
 *  spending an attempt; `task` is an ordinary failure. */
export type FailureKind = 'unavailable' | 'rateLimited' | 'task';

export interface ExecutorResult {
  readonly outcome: ExecutorOutcome;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Why it failed, in one line a user understands ("exit code 2", "agent reported error: …",
   *  "timed out after 30s", "verify failed: `npm test` exited 1"). */
  readonly reason?: string;
  readonly durationMs: number;
  /** What the agent said of itself, where its output format reports it. */
  readonly agentResult?: { readonly isError: boolean; readonly summary?: string };
  /** The last few KB of combined output, for the failure tooltip. */
  readonly outputTail: string;
  /** What kind of failure this was, where it decides what the run does next. */
  readonly failureKind?: FailureKind;
  /** Tokens and cost of this attempt, where the agent reports them. */
  readonly usage?: AgentUsage;
  /** Where the agent's raw output of this attempt was kept. */
  readonly logFile?: string;
  /** The task's Verify, already run where the agent ran (a container): the verdict takes this
   *  instead of running Verify here, where the task's environment is not. */
  readonly verified?: VerifiedResult;
  /** Where the attempt ran, when not here (`docker`, `docker@box`). */
  readonly runner?: string;
}

/** What a Verify command did. */
export interface VerifiedResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly output: string;
}

export interface Executor {
  run(
    request: ExecutorRequest,
    onOutput: (chunk: string) => void,
    token: CancellationToken,
  ): Promise<ExecutorResult>;
}

/** Runs a task's `Verify` command (written by the spec author as a shell command). */
export interface Verifier {
  /** `env`: variables added to the command's environment (the run's marker, so a resume finds
   *  and stops a Verify a killed run left behind). */
  verify(
    command: string,
    cwd: string,
    token: CancellationToken,
    timeoutMs?: number,
    env?: Readonly<Record<string, string>>,
  ): Promise<VerifiedResult>;
}

// ---------------------------------------------------------------------------------------------
// State: `.ralph-state.json`, shared with the ralph-specum Claude Code plugin.

export type TaskResultStatus = 'pending' | 'running' | 'success' | 'failed' | 'blocked' | 'skipped';

export interface TaskResult {
  readonly status: TaskResultStatus;
  readonly error?: string;
}

/** The fields ralph-specum reads and writes; Ralph's own fields live under `ralph`. Unknown
 *  fields found in the file are kept as they are when Ralph writes it back. */
export interface RalphState {
  source?: string;
  name?: string;
  basePath?: string;
  phase?: string;
  taskIndex: number;
  totalTasks: number;
  taskIteration?: number;
  maxTaskIterations?: number;
  globalIteration?: number;
  maxGlobalIterations?: number;
  /** Ralph writes it only while a batch runs (the plugin's schema wants an object, never null);
   *  null is still read from files older Ralphs wrote. */
  parallelGroup?: { startIndex: number; endIndex: number; taskIndices: number[]; isParallel?: boolean } | null;
  /** Keyed by task index as a string, as ralph-specum does. */
  taskResults?: Record<string, TaskResult>;
  ralph?: RalphRunState;
  [unknown: string]: unknown;
}

/** What every task record holds, whatever its status. */
export interface TaskRecordCommon {
  readonly id: string;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  /** Why the task stands where it does: a failure, a block, a skip, or — on a task put back to
   *  pending after an attempt — why that attempt failed. */
  readonly reason?: string;
  /** Progress merged into .progress.md already. */
  readonly progressMerged?: boolean;
  /** Listed in .progress.md's `## Completed Tasks`: without a commit (none was made yet), or
   *  with it. */
  readonly completionNoted?: 'listed' | 'withCommit';
  /** Worktree isolation: where the task works (kept after a failure or a kill, for inspection
   *  and for the next attempt). Cleared once the worktree is removed after its merge. */
  readonly worktree?: TaskWorktree;
  /** Tokens and cost of every attempt so far, summed. */
  readonly usage?: AgentUsage;
  /** The raw output of the last attempt. */
  readonly logFile?: string;
}

/** Not started yet, or put back after an attempt. */
export interface PendingTaskRecord extends TaskRecordCommon {
  readonly status: 'pending';
}

/** An attempt is under way, or has passed and waits for its merge. */
export interface RunningTaskRecord extends TaskRecordCommon {
  readonly status: 'running';
  /** The agent process of the attempt running now, recorded as it is spawned and cleared once it
   *  is gone: what a resume stops first if a kill left it running. */
  readonly agent?: RecordedAgent;
  /** Worktree isolation: the attempt passed and its work is committed on the task's branch at
   *  this commit; the task waits for its turn to merge. A resume merges it without re-running. */
  readonly workCommit?: string;
  /** Worktree isolation: a merge was moving the user's branch; a resume finishes or forgets it. */
  readonly merging?: MergeJournal;
}

/** Its work is done (and, in worktrees, merged). */
export interface SucceededTaskRecord extends TaskRecordCommon {
  readonly status: 'success';
  /** Commit that recorded this task's work, so a resume never commits it twice. */
  readonly commit?: string;
  /** The commit step has dealt with this task's work: committed (hash in `commit`) or found
   *  nothing of it to commit. A resume commits only tasks where this is not set. */
  readonly commitHandled?: boolean;
  /** Shared tree: a commit of this task's work was being made on top of this commit (the
   *  branch's tip then; '' on an unborn branch). A resume looks for that commit before it
   *  commits the task again. */
  readonly committing?: string;
}

/** Ended without its work: failed, blocked by another's failure, or skipped (optional). */
export interface EndedTaskRecord extends TaskRecordCommon {
  readonly status: 'failed' | 'blocked' | 'skipped';
}

/** Ralph's record of one task in the state file: what each status can hold, and only that. */
export type RalphTaskRecord = PendingTaskRecord | RunningTaskRecord | SucceededTaskRecord | EndedTaskRecord;

/** A change of some fields of a record that keeps its status (TaskRecords.patch); `undefined`
 *  removes a field. */
export type TaskRecordPatch = Partial<Omit<TaskRecordCommon, 'id'> & Omit<RunningTaskRecord, 'status' | 'id'> & Omit<SucceededTaskRecord, 'status' | 'id'>>;

export interface RecordedAgent extends SpawnedAgent {
  readonly runId: string;
  readonly attempt: number;
}

export interface RalphRunState {
  readonly version: 1;
  readonly runId: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Running, finished (all done or nothing runnable), or interrupted (a kill left `running` tasks). */
  readonly status: 'running' | 'finished' | 'cancelled';
  readonly tasks: Readonly<Record<string, RalphTaskRecord>>;
  /** Files that were dirty before the run started: never committed by Ralph. */
  readonly preexistingDirty?: readonly string[];
  /** Shared tree: files the run's agents changed that it could not commit (a cancelled attempt,
   *  a failed commit). The next run does not take them for the user's own changes. */
  readonly leftUncommitted?: readonly string[];
  /** How the run's agents were kept apart. */
  readonly isolation?: IsolationMode;
  /** Tokens and cost of every task of the run, summed (resumed runs included). */
  readonly usage?: AgentUsage;
  /** Why the run stopped starting tasks before it ran out of them (agent unavailable, budget). */
  readonly haltReason?: string;
}

export interface StateStore {
  /** undefined when there is no state file; throws a StateError (with a backup made) when corrupt. */
  load(): Promise<RalphState | undefined>;
  /** Atomic: temp file, fsync, rename. */
  save(state: RalphState): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Survivors: agents are started in process groups of their own, so they outlive a Ralph that is
// killed outright. The next run stops them before any task runs again, or two agents would
// work on one task.

export interface SurvivorsPort {
  /** Stops what an earlier run left running: each recorded agent whose process is still the one
   *  recorded (same start time: a pid used again by an unrelated process is never touched), with
   *  its process group, and, where the system lets Ralph read other processes' environments,
   *  every process carrying the run's marker (descendants that left the group). Resolves once
   *  they are gone; what could not be stopped is in `left`. */
  stop(previous: { readonly runId: string; readonly agents: readonly { readonly taskId: string; readonly agent: RecordedAgent }[] }): Promise<SurvivorsStopped>;
}

export interface SurvivorProcess {
  readonly pid: number;
  /** The task it worked for, where the record or its environment says. */
  readonly taskId?: string;
  /** Found by the run's marker outside any recorded agent's process group. */
  readonly outsideGroup?: boolean;
  /** A container (its name or id) rather than a process here; `pid` is then 0. */
  readonly container?: string;
}

export interface SurvivorsStopped {
  readonly stopped: readonly SurvivorProcess[];
  /** Still running after SIGKILL (or not Ralph's to signal). */
  readonly left: readonly SurvivorProcess[];
}

// ---------------------------------------------------------------------------------------------
// Progress: `.progress-task-<id>.md` per executor, merged into `.progress.md` in task order.

export interface ProgressStore {
  pathFor(taskId: string): string;
  /** Takes the notes an agent wrote at `from` (inside its worktree) into pathFor(taskId) and
   *  removes `from`, so they are merged as usual and never committed on the task's branch.
   *  Nothing there: nothing happens. */
  collect?(taskId: string, from: string): Promise<void>;
  /** Removes a note left by an earlier attempt at `at`, so each attempt starts clean. */
  discard?(at: string): Promise<void>;
  /** Merge the given tasks' progress files (task order as given) into .progress.md and remove
   *  them. Idempotent; tolerates partial or missing files. */
  merge(taskIds: readonly string[]): Promise<void>;
  /** Lists finished tasks in .progress.md's `## Completed Tasks` the way ralph-specum does
   *  (`- [x] 1.2 Title - <commit>`), in the order given; a task listed already is not listed
   *  twice. Resolves true when the file changed. */
  noteCompleted?(tasks: readonly CompletedTask[]): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// tasks.md: check off a finished task by a targeted edit of its line, found by id in the file
// as it is now.

export interface TasksFile {
  /** Checks the task off; resolves once tasks.md says done, or rejects saying why it could not. */
  markDone(taskId: string): Promise<void>;
  /** Takes a check-off back (the task's work did not reach the branch after all). */
  unmark?(taskId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Git.

export interface GitPort {
  /** False outside a repository: the run goes on without commits. */
  isRepository(): Promise<boolean>;
  /** Paths (repo-relative) that are modified, staged or untracked right now. */
  dirtyPaths(): Promise<string[]>;
  /** 'merge' | 'rebase' | 'cherry-pick' | … when one is in progress, else undefined. */
  operationInProgress(): Promise<string | undefined>;
  /** Stage changed paths and commit; undefined when nothing to commit. `exclude` paths are never
   *  staged (files dirty before the run, Ralph's own state files); when `only` is given, just
   *  those paths (that changed) are staged. */
  commit(
    message: string,
    options: { readonly exclude: ReadonlySet<string>; readonly only?: readonly string[] },
  ): Promise<string | undefined>;
  /** The current branch's tip; '' on a branch without commits. */
  head?(): Promise<string>;
  /** The commits from `base` ('' = the root) to the tip, newest first, along first parents. */
  commitsSince?(base: string): Promise<{ readonly hash: string; readonly message: string }[]>;
}

// ---------------------------------------------------------------------------------------------
// Worktrees: each task of a run with `isolation: 'worktree'` works in a git worktree of its own,
// on a branch of its own, and is merged into the user's branch when its turn comes.


export interface TaskWorktree {
  /** Absolute path of the worktree folder: the agent's working directory. */
  readonly path: string;
  /** Short branch name, `ralph/<spec>/<task id>`. */
  readonly branch: string;
  /** The commit the branch started from. */
  readonly base: string;
}

/** A merge that moves `ref` from `from` to `to`; written to the state before the move. */
export interface MergeJournal {
  readonly ref: string;
  readonly from: string;
  readonly to: string;
}

export type WorktreeMerge =
  | { readonly kind: 'merged'; readonly commit: string; readonly files: readonly string[] }
  /** Nothing to merge: the task changed nothing, and there was no bookkeeping to record. */
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'conflict'; readonly files: readonly string[]; readonly reason: string };

export interface MergeHooks {
  /** Paths (relative to the repository root) never folded into a merge commit. */
  readonly exclude: ReadonlySet<string>;
  /** The merge is clean and will happen: check the task off and merge its progress now, so
   *  the merge commit records them. */
  readonly beforeCommit?: () => Promise<void>;
  /** The user's branch is about to move: make the journal durable first. */
  readonly beforeMove?: (journal: MergeJournal) => Promise<void>;
  /** Ralph's files as the merge commit would hold them (absolute path → text): false when they
   *  lack what beforeCommit put there (an editor saved its older copy in between), and the merge
   *  is made again. */
  readonly accept?: (committed: ReadonlyMap<string, string>) => boolean;
}

export interface WorktreePort {
  /** Files Ralph itself edits in the main working tree (tasks.md, .progress.md), absolute. */
  readonly bookkeeping: readonly string[];
  /** The task's worktree: the one already there (a retry, a resume), or a new one on a new
   *  branch from the user's branch as it is now. */
  prepare(taskId: string): Promise<TaskWorktree>;
  /** Commits whatever the agent changed in the worktree on its branch; the branch tip. */
  commitWork(worktree: TaskWorktree, message: string): Promise<string>;
  /** Merges `commit` (the task's branch tip) into the user's branch without touching the user's
   *  uncommitted changes; a conflict leaves the branch as it was. */
  merge(commit: string, message: string, hooks: MergeHooks): Promise<WorktreeMerge>;
  /** After a kill: completes a journaled merge whose move happened (true), or says it did not. */
  finishMerge(journal: MergeJournal): Promise<boolean>;
  /** Removes a merged task's worktree and branch. Refuses (throws) when either holds work that
   *  is not in the user's branch. */
  remove(worktree: TaskWorktree): Promise<void>;
  /** The run is over: let go of anything kept for later tasks. */
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The run: options and the event stream every view consumes (core/runEvents.ts).

export type { AgentUsage, CommitStrategy, IsolationMode, RunEvent, RunEventListener, RunMode, RunOptions, RunScope, RunSummary, TaskRunStatus } from './runEvents';
