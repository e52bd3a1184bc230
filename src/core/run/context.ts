// What the scheduler's parts share: the ports a run is given, and the narrow view of the run
// that the parts (merge queue, commit points, resume, attempts) work on. The loop in
// scheduler.ts owns the run; the parts read it through this and change it only through the
// task records and the few operations named here.

import type { Plan } from '../model';
import type {
  CancellationToken,
  Clock,
  Executor,
  GitPort,
  ProgressStore,
  RunEvent,
  RunOptions,
  StateStore,
  SurvivorsPort,
  TasksFile,
  Verifier,
  WorktreePort,
} from '../ports';
import type { TaskRecords } from './records';
import type { RunRelations } from './scope';
import type { TaskRun } from './taskRun';

export interface RunPorts {
  readonly executor: Executor;
  readonly verifier: Verifier;
  readonly state: StateStore;
  readonly progress: ProgressStore;
  readonly tasksFile: TasksFile;
  readonly git: GitPort;
  /** Needed when RunOptions.isolation is `worktree`. */
  readonly worktrees?: WorktreePort;
  /** Stops the agents a killed run left running before this one starts any task. */
  readonly survivors?: SurvivorsPort;
  readonly clock: Clock;
  /** Waits `ms` or until the token is cancelled (rate-limit waits); default setTimeout. */
  readonly delay?: (ms: number, token: CancellationToken) => Promise<void>;
  /** Absolute path of the spec folder. */
  readonly specDir: string;
  /** Absolute path of the file the tasks were read from (tasks.md, tasks.json), when known. */
  readonly specFile?: string;
  /** The repository root (or the folder the agents work in); git paths are relative to it. */
  readonly cwd: string;
  readonly log?: (msg: string) => void;
}

/** Held by the process running a spec (src/node/stores/lock.ts): never work to commit. */
export const RUN_LOCK_FILE = '.ralph-run.lock';

export interface RunContext {
  readonly plan: Plan;
  readonly ports: RunPorts;
  readonly options: RunOptions;
  /** The run's dependency relation: tasks by id, containers, sub-tasks, skipped optional tasks. */
  readonly relations: RunRelations;
  /** The tasks this run is about, file order. */
  readonly runs: ReadonlyMap<string, TaskRun>;
  readonly records: TaskRecords;
  /** Worktree isolation: each task works in a worktree of its own and is merged in task order. */
  readonly isolated: boolean;
  /** The run's own token: cancelled by the user, or by the run when its state cannot be saved. */
  readonly token: CancellationToken;
  /** A status changed: the state file must follow (writes are coalesced). */
  sync(): void;
  /** Resolves once the state file holds every change so far. */
  flush(): Promise<void>;
  emit(event: RunEvent): void;
  log(msg: string): void;
}

/** The worktree port, which worktree isolation cannot do without. */
export function worktreePortOf(ports: RunPorts): WorktreePort {
  const port = ports.worktrees;
  if (!port) throw new Error('worktree isolation needs a worktree port');
  return port;
}
