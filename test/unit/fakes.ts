// In-memory fakes of the scheduler's ports, and a Plan builder. The fake executor finishes a
// task only when the test says so and journals every start and end, so overlap facts are exact
// and no test sleeps.

import type { Plan, Task } from '../../src/core/model';
import { range } from '../../src/core/model';
import type {
  CancellationToken,
  Clock,
  Executor,
  ExecutorOutcome,
  ExecutorRequest,
  ExecutorResult,
  GitPort,
  ProgressStore,
  RalphState,
  RunEvent,
  StateStore,
  TasksFile,
  Verifier,
} from '../../src/core/ports';
import type { RunPorts } from '../../src/core/run';

// ---------------------------------------------------------------------------------------------
// Plans.

export interface TaskSpec {
  readonly done?: boolean;
  readonly verify?: string;
  readonly files?: readonly string[];
  readonly commit?: string;
  readonly title?: string;
  readonly parentId?: string;
  readonly childIds?: readonly string[];
}

export interface PlanSpec {
  readonly tasks: readonly string[];
  readonly dependsOn?: Readonly<Record<string, readonly string[]>>;
  readonly conflicts?: readonly (readonly [string, string])[];
  readonly groups?: readonly (readonly string[])[];
  readonly exclusive?: readonly string[];
  readonly containers?: readonly string[];
  readonly task?: Readonly<Record<string, TaskSpec>>;
  readonly path?: string;
  readonly serialMinutes?: number;
}

export function makeTask(id: string, index: number, spec: TaskSpec = {}): Task {
  const title = spec.title ?? `Task ${id}`;
  const line = range(index * 3, 0, index * 3, 10 + title.length);
  return {
    id,
    index,
    title,
    check: spec.done ? 'done' : 'todo',
    done: spec.done ?? false,
    optional: false,
    markers: [],
    files: spec.files ?? [],
    ...(spec.verify !== undefined ? { verify: spec.verify } : {}),
    ...(spec.commit !== undefined ? { commit: spec.commit } : {}),
    requirements: [],
    conflictsWith: [],
    parallelRequested: false,
    ...(spec.parentId !== undefined ? { parentId: spec.parentId } : {}),
    childIds: spec.childIds ?? [],
    depth: spec.parentId !== undefined ? 1 : 0,
    separatedFromPrevious: false,
    fields: {},
    text: `- [${spec.done ? 'x' : ' '}] ${id} ${title}\n  - **Do**: the work of ${id}`,
    ranges: { line, checkbox: range(index * 3, 2, index * 3, 5), id: line, block: range(index * 3, 0, index * 3 + 1, 20) },
  };
}

/** A Plan as the planner would produce it, from ids and edges written by hand. */
export function plan(spec: PlanSpec): Plan {
  const tasks = spec.tasks.map((id, index) => makeTask(id, index, spec.task?.[id] ?? {}));
  const dependsOn: Record<string, string[]> = {};
  const dependents: Record<string, string[]> = {};
  for (const id of spec.tasks) {
    dependsOn[id] = [...(spec.dependsOn?.[id] ?? [])];
    dependents[id] = [];
  }
  for (const [id, deps] of Object.entries(dependsOn)) for (const d of deps) dependents[d]?.push(id);
  const serialMinutes = spec.serialMinutes ?? spec.tasks.length * 5;
  return {
    spec: {
      path: spec.path ?? '/repo/specs/demo/tasks.md',
      format: 'ralph-specum',
      phases: [],
      tasks,
      diagnostics: [],
      lineCount: tasks.length * 3,
    },
    taskIds: [...spec.tasks],
    dependsOn,
    dependents,
    groups: (spec.groups ?? []).map((taskIds, index) => ({ index, taskIds: [...taskIds] })),
    conflicts: spec.conflicts ?? [],
    exclusive: spec.exclusive ?? [],
    levels: [],
    diagnostics: [],
    hasErrors: false,
    estimate: {
      maxConcurrent: 3,
      defaultTaskMinutes: 5,
      estimatedTasks: 0,
      serialMinutes,
      scheduleMinutes: serialMinutes,
      waveMinutes: serialMinutes,
      criticalPath: [],
      criticalPathMinutes: 0,
      savingsPercent: 0,
      waveSavingsPercent: 0,
    },
    ...(spec.containers ? { containers: spec.containers } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// A journal every fake writes to, so tests can check the order of side effects across ports.

export class Journal {
  readonly entries: string[] = [];
  add(entry: string): void {
    this.entries.push(entry);
  }
  /** Tasks running (started, not ended) right before each entry matching `pattern`. */
  runningAt(pattern: RegExp): string[][] {
    const running = new Set<string>();
    const out: string[][] = [];
    for (const e of this.entries) {
      const [kind, id] = e.split(' ');
      if (kind === 'start' && id) running.add(id);
      if (kind === 'end' && id) running.delete(id);
      if (pattern.test(e)) out.push([...running]);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Executor.

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface ExecutorCall {
  readonly request: ExecutorRequest;
  readonly token: CancellationToken;
}

export class FakeExecutor implements Executor {
  readonly calls: ExecutorCall[] = [];
  /** `start 1`, `end 1` in the order they happened. */
  readonly order: string[] = [];
  maxRunning = 0;
  private readonly pending = new Map<string, Deferred<ExecutorResult>>();
  private readonly outputs = new Map<string, (chunk: string) => void>();

  constructor(private readonly journal = new Journal()) {}

  run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    const id = request.task.id;
    if (this.pending.has(id)) throw new Error(`fake executor: ${id} started while already running`);
    this.calls.push({ request, token });
    this.order.push(`start ${id}`);
    this.journal.add(`start ${id}`);
    const d = deferred<ExecutorResult>();
    this.pending.set(id, d);
    this.outputs.set(id, onOutput);
    this.maxRunning = Math.max(this.maxRunning, this.pending.size);
    // A real executor stops its process when the token fires and reports it cancelled.
    const sub = token.onCancellationRequested(() => this.resolve(id, 'cancelled'));
    return d.promise.finally(() => sub.dispose());
  }

  /** Ids running now, in start order. */
  running(): string[] {
    return [...this.pending.keys()];
  }

  output(id: string, chunk: string): void {
    const emit = this.outputs.get(id);
    if (!emit) throw new Error(`fake executor: ${id} is not running`);
    emit(chunk);
  }

  resolve(id: string, outcome: ExecutorOutcome | Partial<ExecutorResult> = 'succeeded'): void {
    const d = this.pending.get(id);
    if (!d) throw new Error(`fake executor: ${id} is not running (running: ${this.running().join(', ')})`);
    this.pending.delete(id);
    this.outputs.delete(id);
    this.order.push(`end ${id}`);
    this.journal.add(`end ${id}`);
    const partial = typeof outcome === 'string' ? { outcome } : outcome;
    const kind = partial.outcome ?? 'succeeded';
    d.resolve({
      outcome: kind,
      exitCode: kind === 'succeeded' ? 0 : kind === 'failed' ? 1 : null,
      signal: kind === 'cancelled' || kind === 'timedOut' ? 'SIGTERM' : null,
      durationMs: 0,
      outputTail: '',
      ...partial,
    });
  }

  promptsOf(id: string): string[] {
    return this.calls.filter((c) => c.request.task.id === id).map((c) => c.request.prompt);
  }
}

// ---------------------------------------------------------------------------------------------
// The other ports.

export class FakeVerifier implements Verifier {
  readonly calls: string[] = [];
  /** Exit codes by command; a command not listed passes. */
  readonly exitCodes = new Map<string, number>();

  /** The extra environment each call was given. */
  readonly envs: (Readonly<Record<string, string>> | undefined)[] = [];

  async verify(
    command: string,
    _cwd?: string,
    _token?: unknown,
    _timeoutMs?: number,
    env?: Readonly<Record<string, string>>,
  ): Promise<{ ok: boolean; exitCode: number | null; output: string }> {
    this.calls.push(command);
    this.envs.push(env);
    const exitCode = this.exitCodes.get(command) ?? 0;
    return { ok: exitCode === 0, exitCode, output: exitCode === 0 ? '' : `${command}: 1 test failing` };
  }
}

export class MemoryStateStore implements StateStore {
  readonly saves: RalphState[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, each save waits for `release()`: lets a test hold a save in flight. */
  gated = false;
  private gates: (() => void)[] = [];
  loadError: Error | undefined;

  constructor(public state: RalphState | undefined = undefined) {}

  async load(): Promise<RalphState | undefined> {
    if (this.loadError) throw this.loadError;
    return this.state ? clone(this.state) : undefined;
  }

  async save(state: RalphState): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gated) await new Promise<void>((r) => this.gates.push(r));
      this.state = clone(state);
      this.saves.push(clone(state));
    } finally {
      this.inFlight -= 1;
    }
  }

  release(): void {
    const gates = this.gates;
    this.gates = [];
    gates.forEach((g) => g());
  }

  get current(): RalphState {
    if (!this.state) throw new Error('no state saved yet');
    return this.state;
  }
}

export class FakeProgress implements ProgressStore {
  readonly merges: string[][] = [];
  constructor(
    private readonly specDir: string,
    private readonly journal = new Journal(),
  ) {}
  pathFor(taskId: string): string {
    return `${this.specDir}/.progress-task-${taskId}.md`;
  }
  /** Journal `discard <path>` too (off by default: most tests follow starts and commits). */
  journalDiscards = false;
  async discard(at: string): Promise<void> {
    if (this.journalDiscards) this.journal.add(`discard ${at}`);
  }
  async merge(taskIds: readonly string[]): Promise<void> {
    this.merges.push([...taskIds]);
    this.journal.add(`merge ${taskIds.join(',')}`);
  }
}

export class FakeTasksFile implements TasksFile {
  readonly done: string[] = [];
  constructor(private readonly journal = new Journal()) {}
  /** Check-offs of an id that fail (tasks.md kept changing) before one lands. */
  readonly failures = new Map<string, number>();
  async markDone(taskId: string): Promise<void> {
    const left = this.failures.get(taskId) ?? 0;
    if (left > 0) {
      this.failures.set(taskId, left - 1);
      this.journal.add(`markDone failed ${taskId}`);
      throw new Error('the file kept changing');
    }
    // Checking a checked task changes nothing, and is not journaled.
    if (this.done.includes(taskId)) return;
    this.done.push(taskId);
    this.journal.add(`markDone ${taskId}`);
  }
  async unmark(taskId: string): Promise<void> {
    const at = this.done.indexOf(taskId);
    if (at >= 0) this.done.splice(at, 1);
    this.journal.add(`unmark ${taskId}`);
  }
}

export interface RecordedCommit {
  readonly message: string;
  readonly exclude: string[];
  readonly only?: string[];
  readonly hash: string;
}

export class FakeGit implements GitPort {
  repository = true;
  operation: string | undefined;
  dirty: string[] = [];
  readonly commits: RecordedCommit[] = [];
  constructor(private readonly journal = new Journal()) {}
  async isRepository(): Promise<boolean> {
    return this.repository;
  }
  async dirtyPaths(): Promise<string[]> {
    return [...this.dirty];
  }
  async operationInProgress(): Promise<string | undefined> {
    return this.operation;
  }
  /** When set, every commit fails with this message (a pre-commit hook saying no). */
  failCommit: string | undefined;
  /** Commits made outside this fake's `commit` (before a kill), newest last. */
  readonly history: { hash: string; message: string }[] = [];
  async head(): Promise<string> {
    return this.history[this.history.length - 1]?.hash ?? '';
  }
  async commitsSince(base: string): Promise<{ hash: string; message: string }[]> {
    const from = base === '' ? 0 : this.history.findIndex((c) => c.hash === base) + 1;
    return this.history.slice(from).reverse();
  }
  async commit(message: string, options: { exclude: ReadonlySet<string>; only?: readonly string[] }): Promise<string | undefined> {
    if (this.failCommit !== undefined) {
      this.journal.add(`commit failed ${message.split('\n')[0]}`);
      throw new Error(this.failCommit);
    }
    const staged = this.dirty.filter((p) => !options.exclude.has(p) && (!options.only || options.only.includes(p)));
    if (staged.length === 0) return undefined;
    this.dirty = this.dirty.filter((p) => !staged.includes(p));
    const hash = `c${this.commits.length + 1}`;
    this.commits.push({
      message,
      exclude: [...options.exclude].sort(),
      ...(options.only ? { only: [...options.only] } : {}),
      hash,
    });
    this.history.push({ hash, message });
    this.journal.add(`commit ${hash} ${message.split('\n')[0]}`);
    return hash;
  }
}

export class ManualClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

// ---------------------------------------------------------------------------------------------
// Everything wired together.

export interface Rig {
  readonly journal: Journal;
  readonly executor: FakeExecutor;
  readonly verifier: FakeVerifier;
  readonly state: MemoryStateStore;
  readonly progress: FakeProgress;
  readonly tasksFile: FakeTasksFile;
  readonly git: FakeGit;
  readonly clock: ManualClock;
  readonly logs: string[];
  readonly events: RunEvent[];
  readonly ports: RunPorts;
  /** Event types and ids, compact: `started 1`, `finished 1 succeeded`. */
  eventLog(): string[];
}

export const SPEC_DIR = '/repo/specs/demo';
export const REPO = '/repo';

export function rig(initialState?: RalphState): Rig {
  const journal = new Journal();
  const executor = new FakeExecutor(journal);
  const verifier = new FakeVerifier();
  const state = new MemoryStateStore(initialState);
  const progress = new FakeProgress(SPEC_DIR, journal);
  const tasksFile = new FakeTasksFile(journal);
  const git = new FakeGit(journal);
  const clock = new ManualClock();
  const logs: string[] = [];
  const events: RunEvent[] = [];
  return {
    journal,
    executor,
    verifier,
    state,
    progress,
    tasksFile,
    git,
    clock,
    logs,
    events,
    ports: {
      executor,
      verifier,
      state,
      progress,
      tasksFile,
      git,
      clock,
      specDir: SPEC_DIR,
      cwd: REPO,
      log: (msg) => logs.push(msg),
    },
    eventLog: () =>
      events.map((e) => {
        switch (e.type) {
          case 'taskStarted':
            return `started ${e.taskId}#${e.attempt}`;
          case 'taskFinished':
            return `finished ${e.taskId} ${e.status}${e.willRetry ? ' (retry)' : ''}`;
          case 'taskQueued':
            return `queued ${e.taskId}`;
          case 'taskOutput':
            return `output ${e.taskId}`;
          case 'batchCommitted':
            return `committed ${e.taskIds.join(',')} ${e.commit}`;
          case 'runStarted':
            return `runStarted${e.resumed ? ' resumed' : ''}`;
          case 'runHalted':
            return `halted: ${e.reason}`;
          case 'runFinished':
            return 'runFinished';
          case 'taskPlaced':
            return `placed ${e.taskId} on ${e.runner}`;
        }
      }),
  };
}

/** Lets every promise chain the run has going settle: fakes resolve on microtasks only. */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
