// Resuming: what the run before this one left, and how this run starts from it. The agents of a
// killed run are stopped first; a task the earlier run finished (or whose box is ticked) is
// skipped, one that failed stays failed in a resumed run, an interrupted attempt runs again under
// its own number, and a task whose worktree attempt passed only waits for its merge.

import type { RalphRunState, RalphState, RalphTaskRecord, SurvivorProcess, TaskResultStatus } from '../ports';
import { OPTIONAL_SKIP_REASON } from '../plan/optional';
import type { Bookkeeping } from './bookkeeping';
import type { RunContext } from './context';
import type { TaskEndings } from './endings';
import type { TaskRecords } from './records';
import type { RunRelations } from './scope';
import { workCommitOf } from './recordFields';

/** The loaded state, as recovery corrected it: what resume logic asks of the run before. */
export class PreviousRun {
  /** The earlier run was killed (its state still says running): this one goes on with it. */
  readonly resumed: boolean;

  constructor(
    private loaded: RalphState | undefined,
    private readonly relations: RunRelations,
    private readonly records: TaskRecords,
    private readonly isolated: boolean,
  ) {
    this.resumed = loaded?.ralph?.status === 'running';
  }

  get state(): RalphState | undefined {
    return this.loaded;
  }

  /** What the loaded state says of a task, corrected by recovery, so resume logic reads it. */
  remember(id: string, record: RalphTaskRecord): void {
    const previousRun = this.loaded?.ralph;
    if (!this.loaded || !previousRun) return;
    this.loaded = { ...this.loaded, ralph: { ...previousRun, tasks: { ...previousRun.tasks, [id]: record } } };
  }

  /** Worktree isolation: the task passed before the run stopped and was not merged yet. */
  awaitsMerge(id: string): boolean {
    const record = this.records.get(id);
    return this.isolated && record?.status === 'running' && record.workCommit !== undefined;
  }

  /** Done before this run: checked in tasks.md, or recorded as a success. */
  isDone(id: string): boolean {
    return this.relations.byId.get(id)?.done === true || this.status(id) === 'success';
  }

  /** The status the loaded state gave a task: Ralph's record, else ralph-specum's result. */
  status(id: string): TaskResultStatus | undefined {
    const record = this.loaded?.ralph?.tasks[id];
    if (record) return record.status;
    const task = this.relations.byId.get(id);
    return task ? this.loaded?.taskResults?.[String(task.index)]?.status : undefined;
  }
}

/** Agents have process groups of their own, so a killed run's go on running. They are
 *  stopped before anything else: a task must never get a second agent beside the first, and an
 *  orphan must not write in a worktree this run is about to remove or set up anew. */
export async function stopSurvivors(ctx: Pick<RunContext, 'ports' | 'records' | 'log'>, previousRun: RalphRunState): Promise<void> {
  const port = ctx.ports.survivors;
  if (port === undefined) return;
  const agents = Object.entries(previousRun.tasks).flatMap(([taskId, record]) => (record.status === 'running' && record.agent ? [{ taskId, agent: record.agent }] : []));
  const { stopped, left } = await port.stop({ runId: previousRun.runId, agents });
  const which = previousRun.status === 'running' ? 'the killed run' : 'an earlier run';
  const list = (ps: readonly SurvivorProcess[]): string =>
    ps.map((p) => `${p.taskId ?? 'unknown task'} (${p.container !== undefined ? `container ${p.container}` : `pid ${p.pid}`}${p.outsideGroup ? ', outside its process group' : ''})`).join(', ');
  const count = (n: number): string => `${n} agent ${n === 1 ? 'process' : 'processes'}`;
  if (stopped.length > 0) ctx.log(`stopped ${count(stopped.length)} left by ${which}: ${list(stopped)}`);
  if (left.length > 0) {
    throw new Error(`${count(left.length)} left by ${which} could not be stopped: ${list(left)}; stop them and run again`);
  }
  for (const { taskId } of agents) ctx.records.patch(taskId, { agent: undefined });
}

/** The initial picture: each task of the run as the earlier run left it, and the events saying so
 *  (skipped, failed, blocked by what is missing or failed, queued). */
export async function settleInitialStatuses(ctx: RunContext, previous: PreviousRun, endings: TaskEndings, bookkeeping: Bookkeeping): Promise<void> {
  const now = ctx.ports.clock.now();
  for (const [id, run] of ctx.runs) {
    const record = ctx.records.get(id);
    if (record !== undefined && previous.awaitsMerge(id)) {
      // Its attempt passed before the run stopped: it only waits for its merge. This comes
      // before the checkbox, which the merge ticks just before it moves the branch.
      run.state = {
        status: 'merging',
        passedInMs: record.durationMs ?? 0,
        ...(workCommitOf(record) !== undefined ? { workCommit: workCommitOf(record) as string } : {}),
        ...(record.worktree ? { worktree: record.worktree } : {}),
      };
      run.attempt = record.attempts;
    } else if (previous.isDone(id)) {
      run.state = { status: 'skipped', reason: 'already done' };
      // A killed run may have recorded success before it could tick the box.
      if (!run.task.done && record?.status === 'success') await bookkeeping.markDone(id);
      endings.emitFinished(run, 'skipped', 0, now);
    } else if (ctx.relations.skippedOptional.has(id)) {
      // Neither done nor failed: it stays open in tasks.md, and a later run may include it.
      run.state = { status: 'skipped', reason: OPTIONAL_SKIP_REASON };
      ctx.records.set(id, { id, status: 'skipped', attempts: record?.attempts ?? 0, reason: OPTIONAL_SKIP_REASON });
      endings.emitFinished(run, 'skipped', 0, now);
    } else if (previous.resumed && record?.status === 'failed') {
      // A resumed run goes on where it stopped: what failed stays failed (retryFailed re-runs it).
      run.state = { status: 'failed', ...(record.reason !== undefined ? { reason: record.reason } : {}) };
      run.attempt = record.attempts;
      endings.emitFinished(run, 'failed', record.durationMs ?? 0, now);
    } else if (previous.resumed && record?.status === 'running') {
      // The interrupted attempt is done again under its own number.
      run.attempt = Math.max(0, record.attempts - 1);
    }
  }
  for (const [id, run] of ctx.runs) {
    if (run.state.status === 'failed') endings.blockDependents(id, 'failed');
  }
  for (const [, run] of ctx.runs) {
    if (run.state.status !== 'pending') continue;
    const missing = run.deps.find((dep) => !ctx.runs.has(dep) && !previous.isDone(dep));
    if (missing !== undefined) {
      const why = previous.status(missing) === 'failed' ? 'failed' : 'not done';
      endings.block(run, `blocked by ${missing} (${why})`);
      endings.blockDependents(run.task.id, undefined, missing, why);
    }
  }
  for (const [id, run] of ctx.runs) {
    if (run.state.status === 'skipped') continue;
    // ralph-specum lists every task of the batch, pending ones too.
    const record = ctx.records.get(id);
    if (record) ctx.records.set(id, record);
    else ctx.records.listPending(run.task);
    if (run.state.status === 'pending') ctx.emit({ type: 'taskQueued', taskId: id, at: now });
  }
}
