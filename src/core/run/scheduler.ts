// The scheduler's loop: starts each task the moment its dependencies have succeeded and a slot
// is free, keeps conflicting and exclusive tasks apart, and between attempts lets the merge queue
// (worktree isolation) and the commit points (shared tree) do their work. It owns the run's
// state and hands its parts a narrow view of it (context.ts); what each part decides lives in
// its own module:
//   ordering.ts      which ready task goes first (longest remaining path), waves, conflicts
//   attempt.ts       one attempt of a task, up to its verdict (verdict.ts)
//   outcome.ts       what an outcome does to the task: merging, succeeded, retried, failed
//   endings.ts       the taskFinished event, and blocking what waits on a failure
//   mergeQueue.ts    worktree isolation: merging in task order
//   commitPoints.ts  shared tree: commits at quiescent points, the commit journal
//   bookkeeping.ts   tasks.md check-offs and .progress.md notes
//   resume.ts        what the run before this one left, and how this one starts from it
//   records.ts, state.ts  the task records and the state file built from them
//   budget.ts        usage, the cost budget, halting
//
// An exclusive task that is ready but waiting for the running tasks to drain holds back the
// tasks after it in start order, so it cannot starve.

import type { Plan, Task } from '../model';
import type { CancellationToken, RalphState, RunEvent, RunEventListener, RunOptions, RunSummary } from '../ports';
import { waveNumbers } from '../plan/waves';
import { runAttempt } from './attempt';
import { Bookkeeping } from './bookkeeping';
import { RunBudget } from './budget';
import { CancellationSource } from './cancellation';
import { CommitPoints } from './commitPoints';
import { worktreePortOf, type RunContext, type RunPorts } from './context';
import { TaskEndings } from './endings';
import { MergeQueue } from './mergeQueue';
import { completeContainer, finishAttempt, type RunParts } from './outcome';
import { byRemainingPath, conflictsWithRunning, currentWave, dependentsOf, parallelGroup } from './ordering';
import { TaskRecords } from './records';
import { PreviousRun, settleInitialStatuses, stopSurvivors } from './resume';
import { resolveScope, RunRelations } from './scope';
import { firstOpenTask, stateOf, StateWriter } from './state';
import type { Status, TaskRun } from './taskRun';
import { iso, messageOf, newRunId } from './text';
import type { AttemptOutcome } from './verdict';

export type { RunPorts } from './context';
export { RUN_LOCK_FILE } from './context';

export function runPlan(
  plan: Plan,
  ports: RunPorts,
  options: RunOptions,
  token: CancellationToken,
  onEvent: RunEventListener,
): Promise<RunSummary> {
  return new Scheduler(plan, ports, options, token, onEvent).run();
}

class Scheduler {
  /** The run's dependency relation: tasks by id, containers, sub-tasks, skipped optional tasks. */
  private readonly relations: RunRelations;
  private readonly byId: ReadonlyMap<string, Task>;
  private readonly containers: ReadonlySet<string>;
  /** The tasks this run is about, file order. */
  private readonly runs = new Map<string, TaskRun>();
  /** The same runs in the order ready tasks get a free slot: longest remaining path first. */
  private startOrder: TaskRun[] = [];
  private readonly dependents = new Map<string, string[]>();
  private readonly endings: TaskEndings;
  private readonly merges: MergeQueue;
  private readonly commits: CommitPoints;
  private readonly running = new Map<string, Promise<AttemptOutcome>>();
  private readonly records: TaskRecords;
  private readonly cancellation: CancellationSource;
  private readonly writer: StateWriter;
  /** The loaded state: its unknown fields are written back as they were. */
  private base: RalphState = { taskIndex: 0, totalTasks: 0 };
  private runStatus: 'running' | 'finished' | 'cancelled' = 'running';
  private taskIndexCursor = 0;
  /** The run before this one, as its state file (corrected by recovery) tells it. */
  private previous: PreviousRun;
  private runId = '';
  private startedAt = 0;
  private resumed = false;
  private fatal: unknown;
  private readonly isolated: boolean;
  /** tasks.md check-offs and .progress.md notes. */
  private readonly bookkeeping: Bookkeeping;
  /** Usage, the cost budget, and halting when no new task should start. */
  private readonly budget: RunBudget;

  constructor(
    private readonly plan: Plan,
    private readonly ports: RunPorts,
    private readonly options: RunOptions,
    token: CancellationToken,
    private readonly onEvent: RunEventListener,
  ) {
    if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
      throw new Error(`maxConcurrent must be a whole number of at least 1, got ${options.maxConcurrent}`);
    }
    if (!Number.isInteger(options.maxTaskIterations) || options.maxTaskIterations < 1) {
      throw new Error(`maxTaskIterations must be a whole number of at least 1, got ${options.maxTaskIterations}`);
    }
    this.relations = new RunRelations(plan, options.scope);
    this.byId = this.relations.byId;
    this.containers = this.relations.containers;
    this.isolated = options.isolation === 'worktree';
    if (this.isolated && ports.worktrees === undefined) throw new Error('worktree isolation needs a worktree port');
    if (this.isolated && options.commit === 'none') {
      throw new Error("worktree isolation merges each task's work as a commit; commit 'none' needs isolation 'none'");
    }
    this.cancellation = new CancellationSource(token);
    this.records = new TaskRecords(this.relations, (id) => this.runs.get(id)?.task);
    this.previous = new PreviousRun(undefined, this.relations, this.records, this.isolated);
    this.bookkeeping = new Bookkeeping(this.context);
    this.budget = new RunBudget(this.context);
    this.endings = new TaskEndings(this.context, this.dependents);
    this.merges = new MergeQueue(this.context, this.bookkeeping, this.endings, () => this.commits.excludedPaths());
    this.commits = new CommitPoints(this.context, this.bookkeeping, this.endings, (id) => this.previous.isDone(id));
    this.writer = new StateWriter(ports.state, () => this.buildState(), (error) => {
      this.fatal = error;
      this.log(`saving the run state failed, stopping the run: ${messageOf(error)}`);
      this.cancellation.cancel();
    });
  }

  private get parts(): RunParts {
    return { endings: this.endings, bookkeeping: this.bookkeeping, budget: this.budget };
  }

  /** What the engine's parts see of the run. */
  private get context(): RunContext {
    return {
      plan: this.plan,
      ports: this.ports,
      options: this.options,
      relations: this.relations,
      runs: this.runs,
      records: this.records,
      isolated: this.isolated,
      token: this.cancellation.token,
      sync: () => this.sync(),
      flush: () => this.writer.flush(),
      emit: (event) => this.emit(event),
      log: (msg) => this.log(msg),
    };
  }

  async run(): Promise<RunSummary> {
    try {
      return await this.execute();
    } finally {
      this.cancellation.dispose();
    }
  }

  private async execute(): Promise<RunSummary> {
    const { clock, git } = this.ports;
    this.startedAt = clock.now();
    // A corrupt state file throws here on purpose: the user must see it, not lose it.
    const loaded = await this.ports.state.load();
    this.previous = new PreviousRun(loaded, this.relations, this.records, this.isolated);
    const previousRun = loaded?.ralph;
    this.resumed = this.previous.resumed;
    this.base = loaded ?? { taskIndex: 0, totalTasks: 0 };
    this.records.load(loaded?.taskResults ?? {}, previousRun?.tasks ?? {});
    if (previousRun) await stopSurvivors(this.context, previousRun);
    if (this.isolated) await this.merges.recover((id, record) => this.previous.remember(id, record));
    this.runId = this.resumed && previousRun ? previousRun.runId : newRunId(this.startedAt);
    if (this.resumed) this.budget.resumeFrom(previousRun?.usage);
    if (this.resumed) {
      this.commits.preexistingDirty = previousRun?.preexistingDirty ?? [];
    } else if (await git.isRepository()) {
      // What an earlier run's agents left uncommitted is not the user's: the tasks it belongs to
      // run again and commit it.
      const left = new Set(previousRun?.leftUncommitted ?? []);
      this.commits.preexistingDirty = (await git.dirtyPaths()).filter((p) => !left.has(p));
    }
    if (!this.isolated) await this.commits.recover((id, record) => this.previous.remember(id, record));

    const scope = resolveScope(
      this.relations,
      this.options.scope,
      { isDone: (id) => this.previous.isDone(id), failedBefore: (id) => this.previous.status(id) === 'failed', awaitsMerge: (id) => this.previous.awaitsMerge(id) },
      this.plan.spec.path || this.ports.specDir,
    );
    this.createRuns(scope);
    this.emit({ type: 'runStarted', runId: this.runId, taskIds: scope, resumed: this.resumed, at: clock.now() });
    await settleInitialStatuses(this.context, this.previous, this.endings, this.bookkeeping);
    this.sync();
    // On disk before any agent starts: a kill from here on is a resume, and what the agents
    // change is never taken for the user's own changes.
    await this.writer.flush();

    while (true) {
      await this.merges.mergeReady();
      if (this.running.size === 0) await this.commits.quiescentPoint();
      await this.startReady();
      if (this.running.size === 0) break;
      const outcome = await Promise.race(this.running.values());
      this.running.delete(outcome.id);
      await finishAttempt(this.context, this.parts, outcome);
    }

    this.closeLeftovers();
    // A cancelled retry no longer holds back the tasks after it.
    await this.merges.mergeReady();
    await this.bookkeeping.settleCheckOffs([...this.runs].filter(([, run]) => run.state.status === 'succeeded' && !run.isContainer).map(([id]) => id));
    await this.commits.quiescentPoint(true);
    await this.commits.noteUncommitted();
    if (this.isolated) {
      try {
        await worktreePortOf(this.ports).close?.();
      } catch (error) {
        this.log(`removing spare worktrees failed (ralph clean removes them): ${messageOf(error)}`);
      }
    }
    const cancelled = this.cancellation.token.isCancellationRequested;
    this.sync(cancelled ? 'cancelled' : 'finished');
    await this.writer.flush();
    const summary = this.summary();
    this.emit({ type: 'runFinished', summary, at: clock.now() });
    if (this.fatal !== undefined) throw this.fatal;
    return summary;
  }

  // -------------------------------------------------------------------------------------------
  // Scope and the initial picture.

  private createRuns(scope: readonly string[]): void {
    const waveOf = waveNumbers(this.plan);
    for (const id of scope) {
      const task = this.byId.get(id);
      if (!task) continue;
      this.runs.set(id, {
        task,
        isContainer: this.containers.has(id),
        deps: this.relations.effectiveDeps(id),
        wave: waveOf.get(id) ?? -1,
        state: { status: 'pending' },
        attempt: 0,
      });
    }
    for (const [id, list] of dependentsOf(this.runs)) this.dependents.set(id, list);
    this.startOrder = byRemainingPath(this.runs, this.dependents, this.plan.estimate.defaultTaskMinutes);
  }

  // -------------------------------------------------------------------------------------------
  // Starting tasks.

  private async startReady(): Promise<void> {
    let changed = true;
    while (changed) {
      changed = false;
      if (this.cancellation.token.isCancellationRequested || this.budget.haltReason !== undefined) return;
      const wave = currentWave(this.runs.values());
      for (const run of this.startOrder) {
        const id = run.task.id;
        if (run.state.status !== 'pending' || !run.deps.every((dep) => this.isSatisfied(dep))) continue;
        if (run.isContainer) {
          await completeContainer(this.context, this.parts, run);
          changed = true;
          break;
        }
        if (this.options.mode === 'waves' && run.wave !== wave) continue;
        if (this.running.size >= this.options.maxConcurrent) return;
        const exclusive = this.plan.exclusive.includes(id);
        if (exclusive && this.running.size > 0) return;
        if ([...this.running.keys()].some((r) => this.plan.exclusive.includes(r))) return;
        if (conflictsWithRunning(this.plan, run.task, this.running, this.runs)) continue;
        this.start(run);
      }
    }
  }

  private start(run: TaskRun): void {
    const { clock } = this.ports;
    const id = run.task.id;
    run.attempt += 1;
    const attempt = run.attempt;
    const now = clock.now();
    run.state = { status: 'running', startedAt: now };
    const before = this.records.get(id);
    this.records.set(id, {
      id,
      status: 'running',
      attempts: attempt,
      startedAt: attempt === 1 || !before?.startedAt ? iso(now) : before.startedAt,
      // A fresh attempt produces fresh work and progress: neither is committed or merged yet.
      progressMerged: false,
      ...(before?.worktree ? { worktree: before.worktree } : {}),
      // What earlier attempts (and a killed run) spent is still spent.
      ...(before?.usage ? { usage: before.usage } : {}),
    });
    this.emit({ type: 'taskStarted', taskId: id, attempt, at: now });
    this.sync();

    this.running.set(id, runAttempt(this.context, run, attempt, this.runId, (task) => this.commits.usersChangesIn(task)));
  }

  // -------------------------------------------------------------------------------------------
  // Finishing tasks.

  /** Whatever is still pending when nothing can start any more. */
  private closeLeftovers(): void {
    const now = this.ports.clock.now();
    const cancelled = this.cancellation.token.isCancellationRequested;
    for (const [, run] of this.runs) {
      if (run.state.status !== 'pending') continue;
      if (cancelled || this.budget.haltReason !== undefined) {
        run.state = { status: 'cancelled', reason: cancelled ? 'run cancelled before the task started' : `not started: ${this.budget.haltReason ?? ''}` };
        this.endings.emitFinished(run, 'cancelled', 0, now);
      } else {
        const waitingOn = run.deps.find((dep) => !this.isSatisfied(dep));
        const later = waitingOn !== undefined && this.options.mode === 'waves' && (this.runs.get(waitingOn)?.wave ?? -1) > run.wave;
        this.endings.block(
          run,
          waitingOn === undefined
            ? 'blocked (could not be scheduled)'
            : later
              ? `blocked by ${waitingOn} (it comes later in file order, and waves run in file order)`
              : `blocked by ${waitingOn} (dependency cycle)`,
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // The state file.

  /** A status changed: the state file must follow. The state itself is built when the write
   *  begins, so a burst of changes costs one write and one copy. */
  private sync(runStatus?: 'running' | 'finished' | 'cancelled'): void {
    if (runStatus !== undefined) this.runStatus = runStatus;
    this.writer.request();
  }

  private buildState(): RalphState {
    const tasks = this.plan.spec.tasks;
    // A task the loaded state says succeeded is skipped, and finished all the same.
    const finished = (task: Task): boolean => task.done || this.records.get(task.id)?.status === 'success' || this.runs.get(task.id)?.state.status === 'skipped';
    this.taskIndexCursor = firstOpenTask(tasks, this.taskIndexCursor, finished);
    const previousRun = this.previous.state?.ralph;
    const current = tasks[this.taskIndexCursor];
    return stateOf({
      base: this.base,
      previousRun,
      specDir: this.ports.specDir,
      cwd: this.ports.cwd,
      taskIndex: this.taskIndexCursor,
      totalTasks: tasks.length,
      taskIteration: Math.max(1, (current && this.records.get(current.id)?.attempts) || 1),
      maxTaskIterations: this.options.maxTaskIterations,
      parallelGroup: this.runStatus === 'running' ? parallelGroup(this.options.mode, this.runs, this.running.keys(), (id) => this.byId.get(id)?.index) : undefined,
      taskResults: this.records.taskResults(),
      ralph: {
        runId: this.runId,
        startedAt: this.resumed && previousRun ? previousRun.startedAt : iso(this.startedAt),
        updatedAt: iso(this.ports.clock.now()),
        status: this.runStatus,
        tasks: this.records.snapshot(),
        preexistingDirty: [...this.commits.preexistingDirty],
        ...(this.commits.leftUncommitted.length > 0 ? { leftUncommitted: [...this.commits.leftUncommitted] } : { leftUncommitted: undefined }),
        isolation: this.options.isolation ?? 'none',
        ...this.budget.stateFields(),
      },
    });
  }

  private isSatisfied(dep: string): boolean {
    const run = this.runs.get(dep);
    if (run) return run.state.status === 'succeeded' || run.state.status === 'skipped';
    return this.previous.isDone(dep);
  }

  private emit(event: RunEvent): void {
    try {
      this.onEvent(event);
    } catch (error) {
      this.log(`a run event listener threw on ${event.type}: ${messageOf(error)}`);
    }
  }

  private log(msg: string): void {
    try {
      this.ports.log?.(msg);
    } catch {
      // Logging must never be the thing that breaks a run.
    }
  }

  private summary(): RunSummary {
    const count = (status: Status) => [...this.runs.values()].filter((r) => r.state.status === status).length;
    return {
      succeeded: count('succeeded'),
      failed: count('failed'),
      blocked: count('blocked'),
      cancelled: count('cancelled'),
      skipped: count('skipped'),
      elapsedMs: this.ports.clock.now() - this.startedAt,
      serialEstimateMinutes: this.plan.estimate.serialMinutes,
      ...(this.budget.usage !== undefined ? { usage: this.budget.usage } : {}),
      ...(this.budget.haltReason !== undefined ? { haltReason: this.budget.haltReason } : {}),
    };
  }
}
