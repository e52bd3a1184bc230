// How a task of the run ends, told once: the taskFinished event, and what a failure does to the
// tasks that wait on it (blocked, reported in file order, with the cause in the reason).

import type { AgentUsage, TaskRunStatus } from '../ports';
import type { RunContext } from './context';
import { reasonOf, type TaskRun } from './taskRun';
import { commonOf } from './recordFields';

/** Tokens, cost and raw log of the attempt a taskFinished event reports. */
export interface AttemptInfo {
  readonly usage?: AgentUsage;
  readonly logFile?: string;
}

export class TaskEndings {
  /** `dependents`: for each task, the tasks of the run that wait for it (filled once the runs
   *  are made). */
  constructor(
    private readonly run: Pick<RunContext, 'runs' | 'records' | 'ports' | 'emit'>,
    private readonly dependents: ReadonlyMap<string, readonly string[]>,
  ) {}

  /** Reports that a task ended (or, with `willRetry`, that an attempt of it did). */
  emitFinished(task: TaskRun, status: TaskRunStatus, durationMs: number, at: number, willRetry = false, attempt: AttemptInfo = {}): void {
    this.run.emit({
      type: 'taskFinished',
      taskId: task.task.id,
      status,
      ...(reasonOf(task.state) !== undefined ? { reason: reasonOf(task.state) } : {}),
      attempt: task.attempt,
      durationMs,
      ...(willRetry ? { willRetry } : {}),
      ...attempt,
      at,
    });
  }

  /** Blocks the pending tasks that wait on `rootId`, directly or not; the reason names
   *  `causeId` and `causeWhy` (by default the root and how it ended). */
  blockDependents(rootId: string, why?: 'failed' | 'cancelled', causeId = rootId, causeWhy: string = why ?? 'failed'): void {
    const reached = new Set<string>();
    const queue = [...(this.dependents.get(rootId) ?? [])];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (reached.has(id) || this.run.runs.get(id)?.state.status !== 'pending') continue;
      reached.add(id);
      queue.push(...(this.dependents.get(id) ?? []));
    }
    // Reported in file order, as the user reads the list.
    for (const [id, task] of this.run.runs) if (reached.has(id)) this.block(task, `blocked by ${causeId} (${causeWhy})`);
  }

  block(task: TaskRun, reason: string): void {
    task.state = { status: 'blocked', reason };
    const id = task.task.id;
    const before = this.run.records.get(id);
    this.run.records.set(id, { ...(before ? commonOf(before) : {}), id, status: 'blocked', attempts: before?.attempts ?? 0, reason });
    this.emitFinished(task, 'blocked', 0, this.run.ports.clock.now());
  }
}
