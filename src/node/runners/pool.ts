// Several runners at once, each with its own slot count (2 here + 8 on a cluster): the pool is
// the run's executor, and hands each attempt to the first runner in the order given that has a
// free slot. The scheduler's maxConcurrent is the sum of the slots (core/runners.ts decides it),
// so a free slot always exists when an attempt arrives.

import type { CancellationToken, Executor, ExecutorRequest, ExecutorResult } from '../../core/ports';

export interface PoolMember {
  readonly label: string;
  readonly slots: number;
  readonly executor: Executor;
}

export class RunnerPool implements Executor {
  private readonly busy = new Map<string, number>();

  constructor(private readonly members: readonly PoolMember[]) {
    if (members.length === 0) throw new Error('a run needs at least one runner');
  }

  /** How many attempts each runner has now (for views and tests). */
  load(): ReadonlyMap<string, number> {
    return new Map(this.busy);
  }

  async run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    const member = this.members.find((m) => (this.busy.get(m.label) ?? 0) < m.slots) ?? this.leastBusy();
    this.busy.set(member.label, (this.busy.get(member.label) ?? 0) + 1);
    try {
      return await member.executor.run(request, onOutput, token);
    } finally {
      this.busy.set(member.label, (this.busy.get(member.label) ?? 1) - 1);
    }
  }

  /** Only if asked for more than the slots (a wrapper retrying on its own): the least loaded. */
  private leastBusy(): PoolMember {
    let best = this.members[0] as PoolMember;
    for (const m of this.members) if ((this.busy.get(m.label) ?? 0) / m.slots < (this.busy.get(best.label) ?? 0) / best.slots) best = m;
    return best;
  }
}
