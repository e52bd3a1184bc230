// Several runners at once, each with its own slot count (2 here + 8 on a cluster): the pool is
// the run's executor, and hands each attempt to the first runner in the order given that has a
// free slot. The scheduler's maxConcurrent is the sum of the slots (core/runners.ts decides it).
//
// A runner that cannot work (its engine unreachable, the agent missing from its image, no
// credentials inside) is taken out for the rest of the run, said once in the task's output, and
// the attempt goes to another runner without spending one of the task's attempts; attempts then
// wait for a slot on the runners left. Only when none is left does the attempt report the
// runner's failure, which stops the run starting tasks as an unavailable agent does.

import type { CancellationToken, Executor, ExecutorRequest, ExecutorResult } from '../../core/ports';

export interface PoolMember {
  readonly label: string;
  readonly slots: number;
  readonly executor: Executor;
}

export class RunnerPool implements Executor {
  private readonly busy = new Map<string, number>();
  private readonly down = new Map<string, string>();
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly members: readonly PoolMember[]) {
    if (members.length === 0) throw new Error('a run needs at least one runner');
  }

  /** How many attempts each runner has now (for views and tests). */
  load(): ReadonlyMap<string, number> {
    return new Map(this.busy);
  }

  /** Runners taken out of this run, with why. */
  unavailable(): ReadonlyMap<string, string> {
    return new Map(this.down);
  }

  async run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    for (;;) {
      const member = await this.slot(token);
      if (member === undefined) return { outcome: 'cancelled', exitCode: null, signal: null, reason: 'cancelled', durationMs: 0, outputTail: '' };
      let result: ExecutorResult;
      try {
        result = await member.executor.run(request, onOutput, token);
      } finally {
        this.release(member);
      }
      const alive = this.members.filter((m) => !this.down.has(m.label) && m !== member);
      if (result.failureKind !== 'unavailable' || alive.length === 0 || token.isCancellationRequested) return result;
      // This runner cannot work; the others may.
      this.down.set(member.label, result.reason ?? 'unavailable');
      onOutput(`\n⚠ ${member.label} is taken out of this run: ${result.reason ?? 'it cannot run agents'} — trying on ${alive.map((m) => m.label).join(', ')}\n`);
      this.wake();
    }
  }

  /** The first live runner with a free slot, waiting for one if need be. */
  private async slot(token: CancellationToken): Promise<PoolMember | undefined> {
    for (;;) {
      if (token.isCancellationRequested) return undefined;
      const live = this.members.filter((m) => !this.down.has(m.label));
      const free = live.find((m) => (this.busy.get(m.label) ?? 0) < m.slots);
      if (free !== undefined) {
        this.busy.set(free.label, (this.busy.get(free.label) ?? 0) + 1);
        return free;
      }
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        const sub = token.onCancellationRequested(() => {
          sub.dispose();
          resolve();
        });
      });
    }
  }

  private release(member: PoolMember): void {
    this.busy.set(member.label, (this.busy.get(member.label) ?? 1) - 1);
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
