// Stopping one task of a run while the others go on (the tree's Stop action, closing a task's
// terminal): an Executor wrapper that gives every task a token of its own, linked to the run's.

import { CancellationSource } from './cancellation';
import type { CancellationToken, Executor, ExecutorRequest, ExecutorResult } from '../ports';

export class StoppableExecutor implements Executor {
  private readonly stops = new Map<string, CancellationSource>();

  constructor(private readonly inner: Executor) {}

  /** Ids of the tasks whose agent is running now. */
  get runningIds(): string[] {
    return [...this.stops.keys()];
  }

  /** Stops the task's agent; the scheduler reports the task cancelled and blocks what depends on
   *  it. False when the task has no agent running. */
  stop(taskId: string): boolean {
    const source = this.stops.get(taskId);
    if (!source) return false;
    source.cancel();
    return true;
  }

  async run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    const own = new CancellationSource(token);
    const id = request.task.id;
    this.stops.set(id, own);
    try {
      const result = await this.inner.run(request, onOutput, own.token);
      if (own.token.isCancellationRequested && !token.isCancellationRequested && result.outcome !== 'succeeded') {
        return { ...result, outcome: 'cancelled', reason: 'stopped by the user' };
      }
      return result;
    } finally {
      if (this.stops.get(id) === own) this.stops.delete(id);
      own.dispose();
    }
  }
}
