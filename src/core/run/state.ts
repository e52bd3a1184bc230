// Writing `.ralph-state.json` from a run: the ralph-specum fields kept right, Ralph's own under
// `ralph`, saves serialized and coalesced so a burst of status changes costs one write at a time.

import type { Task } from '../model';
import type { RalphRunState, RalphState, StateStore, TaskResult } from '../ports';
import { relativeTo } from './commits';

/** The spec's name as the plugin's schema wants it (`^[a-z0-9-]+$`): the folder's name, which is
 *  what the plugin names it after, in kebab case. */
export function specNameOf(specDir: string): string {
  const folder = specDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const kebab = folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return kebab === '' ? 'spec' : kebab;
}

/** The spec folder the way the plugin writes `basePath`: `./specs/<name>`, relative to the
 *  repository; a spec kept outside it is named by its absolute path. */
export function basePathOf(cwd: string, specDir: string): string {
  const relative = relativeTo(cwd, specDir);
  if (relative === undefined) return specDir.replace(/\\/g, '/');
  return relative === '' ? '.' : `./${relative}`;
}

/** The run at one moment, as the state file says it. */
export interface RunMoment {
  /** The loaded state: its unknown fields are written back as they were. */
  readonly base: RalphState;
  /** The loaded state's own run: what this run does not say is kept from it. */
  readonly previousRun: RalphRunState | undefined;
  readonly specDir: string;
  readonly cwd: string;
  readonly totalTasks: number;
  readonly taskIndex: number;
  readonly taskIteration: number;
  readonly maxTaskIterations: number;
  readonly parallelGroup: RalphState['parallelGroup'];
  readonly taskResults: Record<string, TaskResult>;
  readonly ralph: Omit<RalphRunState, 'version'>;
}

export function stateOf(moment: RunMoment): RalphState {
  return {
    // The plugin's schema requires these; a state it wrote keeps its own values.
    source: 'direct',
    name: specNameOf(moment.specDir),
    basePath: basePathOf(moment.cwd, moment.specDir),
    ...moment.base,
    phase: 'execution',
    taskIndex: moment.taskIndex,
    totalTasks: moment.totalTasks,
    taskIteration: moment.taskIteration,
    maxTaskIterations: moment.maxTaskIterations,
    // The schema allows only an object: no batch, no key (undefined is left out of the JSON).
    parallelGroup: moment.parallelGroup,
    taskResults: moment.taskResults,
    ralph: { ...(moment.previousRun ?? {}), version: 1, ...moment.ralph },
  };
}

/** ralph-specum's `taskIndex`: the first task from `from` on that is not finished. Done and
 *  succeeded never go back within a run, so the caller may start where it last stopped. */
export function firstOpenTask(tasks: readonly Task[], from: number, finished: (task: Task) => boolean): number {
  let index = from;
  while (index < tasks.length) {
    const task = tasks[index];
    if (!task || !finished(task)) break;
    index += 1;
  }
  return index;
}

export class StateWriter {
  private inFlight: Promise<void> | undefined;
  private again = false;
  private failure: unknown;

  /** `current` builds the state to write; it must return a fresh object each time that later
   *  changes do not touch, since the store may still be writing it. */
  constructor(
    private readonly store: StateStore,
    private readonly current: () => RalphState,
    private readonly onError: (error: unknown) => void,
  ) {}

  get error(): unknown {
    return this.failure;
  }

  /** Saves the state as it is when the write begins. While a save is in flight, further
   *  requests collapse into one more save of the then-latest state. */
  request(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.drain();
  }

  /** Resolves when every requested save has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.store.save(this.current());
      } catch (error) {
        if (this.failure === undefined) {
          this.failure = error;
          this.onError(error);
        }
      }
    } while (this.again && this.failure === undefined);
    this.inFlight = undefined;
  }
}
