// Stopping one task of a run while the others go on (the tree's Stop action, closing a task's
// terminal): an Executor wrapper that gives every task a token of its own, linked to the run's.

import { CancellationSource } from './cancellation';
import type { CancellationToken, Executor, ExecutorRequest, ExecutorResult } from '../ports';

export class StoppableExecutor implements Executor {
  private readonly stops = new Map<string, CancellationSource>();
  /** Stops asked for while the task was being set up (its worktree), before its agent started. */
  private readonly early = new Set<string>();

  constructor(private readonly inner: Executor) {}

  /** Ids of the tasks whose agent is running now. */
  get runningIds(): string[] {
    return [...this.stops.keys()];
  }

  /** Stops the task's agent; the scheduler reports the task cancelled and blocks what depends on
   *  it. `starting`: the task has started but its agent may not be running yet (a worktree is
   *  being set up); the agent is then stopped as it starts. False when there is nothing to stop. */
  stop(taskId: string, starting = false): boolean {
    const source = this.stops.get(taskId);
    if (source) {
      source.cancel();
      return true;
    }
    if (!starting) return false;
    this.early.add(taskId);
    return true;
  }

  async run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    const own = new CancellationSource(token);
    const id = request.task.id;
    this.stops.set(id, own);
    if (this.early.delete(id)) own.cancel();
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
