// What every view of a run shows: each task's status, attempt, timing and failure reason, kept up
// to date from the RunEvent stream and seeded from `.ralph-state.json` when no run is going. The
// tree view, the decorations in tasks.md, the CodeLens, the status bar and the DAG page all read
// the same board, so they can never disagree about a task.

import type { DagStatusUpdate } from './graph';
import { specTasksById, type Spec } from './model';
import { statusFromTaskResult, type TaskStatus } from './status';
import type { AgentUsage, RalphState, RunEvent } from './ports';
import { addUsage, formatUsage, isUsage } from './usage';
import { formatDuration } from './duration';

export interface BoardEntry {
  readonly status: TaskStatus;
  readonly attempt?: number;
  /** When the running attempt started (clock of the events), for a live duration. */
  readonly startedAt?: number;
  readonly durationMs?: number;
  readonly reason?: string;
  /** Tokens and cost of the task's attempts, where its agent reports them. */
  readonly usage?: AgentUsage;
  /** Where the last attempt's raw agent output is kept. */
  readonly logFile?: string;
  /** Where the last attempt ran when not here (`docker@box`). */
  readonly runner?: string;
}

export interface BoardCounts {
  readonly queued: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly blocked: number;
  readonly cancelled: number;
  /** Tasks this run is about; for a board read from a state file, the tasks it records. */
  readonly inRun: number;
  /** Tasks of the run that are over, whatever the outcome. */
  readonly finished: number;
}

const FINAL: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['succeeded', 'failed', 'blocked', 'cancelled', 'skipped']);

const DONE: BoardEntry = { status: 'done' };
const PENDING: BoardEntry = { status: 'pending' };

export class RunBoard {
  private readonly entries = new Map<string, BoardEntry>();
  private runTaskIds: readonly string[] = [];
  private active = false;

  /** Statuses of the last run, as its state file left them. A task recorded `running` belongs
   *  to a run that was killed: it is shown as interrupted, and runs again next time. */
  static fromState(state: RalphState | undefined): RunBoard {
    const board = new RunBoard();
    const records = state?.ralph?.tasks ?? {};
    for (const [id, record] of Object.entries(records)) {
      if (record.status === 'pending' && record.reason === undefined) continue;
      if (record.status === 'running') {
        board.entries.set(id, {
          status: 'cancelled',
          reason: 'interrupted: the run was stopped before this task ended; it runs again on the next run',
          attempt: record.attempts,
          ...(isUsage(record.usage) ? { usage: record.usage } : {}),
        });
        continue;
      }
      board.entries.set(id, {
        status: record.status === 'pending' ? 'pending' : statusFromTaskResult(record.status),
        attempt: record.attempts,
        ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
        ...(record.reason !== undefined ? { reason: record.reason } : {}),
        ...(isUsage(record.usage) ? { usage: record.usage } : {}),
        ...(typeof record.logFile === 'string' ? { logFile: record.logFile } : {}),
      });
    }
    return board;
  }

  /** A board for a new run that still shows what the last one said of every task. */
  static carryOver(previous: RunBoard | undefined): RunBoard {
    const board = new RunBoard();
    if (previous) for (const [id, e] of previous.entries) board.entries.set(id, e.status === 'running' || e.status === 'queued' ? { ...e, status: 'cancelled' } : e);
    return board;
  }

  get running(): boolean {
    return this.active;
  }

  /** Applies one event; returns the ids whose entry changed. */
  apply(event: RunEvent): readonly string[] {
    switch (event.type) {
      case 'runStarted': {
        this.active = true;
        this.runTaskIds = event.taskIds;
        // The tasks of this run start over; the others keep what the last run said of them.
        for (const id of event.taskIds) this.entries.set(id, { status: 'pending' });
        return event.taskIds;
      }
      case 'runFinished':
        this.active = false;
        return [];
      case 'taskQueued': {
        const before = this.entries.get(event.taskId);
        this.entries.set(event.taskId, {
          status: 'queued',
          ...(before?.attempt !== undefined ? { attempt: before.attempt } : {}),
          // A retried task keeps showing why the last attempt failed until it ends.
          ...(before?.reason !== undefined ? { reason: before.reason } : {}),
          ...usageAfter(before, event),
        });
        return [event.taskId];
      }
      case 'taskStarted': {
        const before = this.entries.get(event.taskId);
        // A retry's first attempt already cost something: the task's total keeps it.
        this.entries.set(event.taskId, {
          status: 'running',
          attempt: event.attempt,
          startedAt: event.at,
          ...(event.attempt > 1 && before?.usage !== undefined ? { usage: before.usage } : {}),
        });
        return [event.taskId];
      }
      case 'taskPlaced': {
        const before = this.entries.get(event.taskId);
        if (before === undefined) return [];
        this.entries.set(event.taskId, { ...before, runner: event.runner });
        return [event.taskId];
      }
      case 'taskFinished': {
        const before = this.entries.get(event.taskId);
        // From start to finish as the user watched it: a worktree task's duration leaves out its
        // wait to merge, so the live "running 2.1 s" would otherwise end in "2.0 s".
        const watched = before?.status === 'running' && before.startedAt !== undefined ? event.at - before.startedAt : 0;
        this.entries.set(event.taskId, {
          status: event.willRetry === true ? 'retrying' : event.status,
          attempt: event.attempt,
          durationMs: Math.max(event.durationMs, watched),
          ...(event.reason !== undefined ? { reason: event.reason } : {}),
          ...(before?.runner !== undefined ? { runner: before.runner } : {}),
          ...usageAfter(before, event),
        });
        return [event.taskId];
      }
      default:
        // Output, commits, merges and halts change no task's status.
        return [];
    }
  }

  /** A task's entry; tasks the board knows nothing of are `done` when checked off, else pending. */
  entry(id: string, spec?: Spec): BoardEntry {
    const known = this.entries.get(id);
    if (known !== undefined) return known;
    return (spec !== undefined && specTasksById(spec).get(id)?.done === true) ? DONE : PENDING;
  }

  /** Every known entry, for the DAG page's initial colours. */
  snapshot(): Record<string, Omit<DagStatusUpdate, 'taskId'>> {
    const out: Record<string, Omit<DagStatusUpdate, 'taskId'>> = {};
    for (const [id, e] of this.entries) out[id] = asSent(e);
    return out;
  }

  /** The entries of the given tasks, as the DAG page takes them (it replaces its own with them). */
  updatesFor(ids: readonly string[]): DagStatusUpdate[] {
    return ids.flatMap((id) => {
      const e = this.entries.get(id);
      return e === undefined ? [] : [{ taskId: id, ...asSent(e) }];
    });
  }

  /** Tokens and cost of every task the board knows of (this run's and earlier ones'). */
  totalUsage(): AgentUsage | undefined {
    let total: AgentUsage | undefined;
    for (const e of this.entries.values()) total = addUsage(total, e.usage);
    return total;
  }

  /** Ids of the tasks that failed (what "Retry failed" would run again). */
  failedIds(): string[] {
    return [...this.entries].filter(([, e]) => e.status === 'failed').map(([id]) => id);
  }

  counts(): BoardCounts {
    // A board read from a state file knows no run's task list: count the tasks it has entries for.
    const ids = this.runTaskIds.length > 0 ? this.runTaskIds : [...this.entries.keys()];
    const c = { queued: 0, running: 0, succeeded: 0, failed: 0, blocked: 0, cancelled: 0, inRun: ids.length, finished: 0 };
    for (const id of ids) {
      const s = this.entries.get(id)?.status;
      if (s === undefined) continue;
      if (s === 'queued' || s === 'retrying') c.queued++;
      else if (s === 'running') c.running++;
      else if (s === 'succeeded') c.succeeded++;
      else if (s === 'failed') c.failed++;
      else if (s === 'blocked') c.blocked++;
      else if (s === 'cancelled') c.cancelled++;
      if (FINAL.has(s)) c.finished++;
    }
    return c;
  }
}

/** An entry as it crosses to the DAG page: plain data, its usage as one line of text. */
function asSent(e: BoardEntry): Omit<DagStatusUpdate, 'taskId'> {
  return {
    status: e.status,
    ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
    ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.usage !== undefined ? { usage: formatUsage(e.usage) } : {}),
  };
}

/** An entry's usage and log after an event: a finished attempt adds its usage to the task's. */
function usageAfter(before: BoardEntry | undefined, event: RunEvent): { usage?: AgentUsage; logFile?: string } {
  const finished = event.type === 'taskFinished' ? event : undefined;
  const usage = addUsage(before?.usage, finished?.usage);
  const logFile = finished?.logFile ?? before?.logFile;
  return { ...(usage !== undefined ? { usage } : {}), ...(logFile !== undefined ? { logFile } : {}) };
}

/** The short status text after a task's title, live while it runs: the tree's description and the
 *  decoration beside a task line. */
export function statusText(entry: BoardEntry, now = Date.now()): string {
  switch (entry.status) {
    case 'running':
      return `running${entry.startedAt !== undefined ? ` ${formatDuration(now - entry.startedAt)}` : ''}${entry.attempt && entry.attempt > 1 ? ` · attempt ${entry.attempt}` : ''}`;
    case 'succeeded':
      return `succeeded${entry.durationMs ? ` in ${formatDuration(entry.durationMs)}` : ''}${entry.attempt && entry.attempt > 1 ? ` · ${entry.attempt} attempts` : ''}`;
    case 'failed':
      return `failed${entry.durationMs ? ` after ${formatDuration(entry.durationMs)}` : ''}${entry.reason ? ` · ${firstLine(entry.reason)}` : ''}`;
    case 'retrying':
      return `retrying${entry.reason ? ` · ${firstLine(entry.reason)}` : ''}`;
    case 'blocked':
      return entry.reason ? firstLine(entry.reason) : 'blocked';
    case 'cancelled':
      return entry.reason ? firstLine(entry.reason) : 'cancelled';
    case 'pending':
      return '';
    default:
      return entry.status;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
