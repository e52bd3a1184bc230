// Kiro's optional tasks (`- [ ]* 2.3 Write unit tests`): the author says the spec is complete
// without them. A run leaves them out unless asked to include them (`--include-optional`, the
// `ralph.includeOptional` setting) or unless one is run by name. They stay in the DAG with their
// edges, so a plan reads the same either way; a skipped one counts as satisfied for what waits on
// it, is given no time in the estimate, and is neither done nor failed.

import type { Plan, Task } from '../model';
import type { RunScope } from '../ports';

/**
 * Positions of the tasks a run skips as optional: each open optional task, with its open
 * sub-tasks (an optional parent's steps go with it). Empty when optional tasks are included.
 */
export function skippedOptionalPositions(tasks: readonly Task[], includeOptional: boolean): Set<number> {
  const skipped = new Set<number>();
  if (includeOptional) return skipped;
  const skippedIds = new Set<string>();
  tasks.forEach((task, i) => {
    // File order: a parent comes before its sub-tasks.
    const underSkipped = task.parentId !== undefined && skippedIds.has(task.parentId);
    if ((task.optional || underSkipped) && !task.done) {
      skipped.add(i);
      skippedIds.add(task.id);
    }
  });
  return skipped;
}

/** Why a skipped optional task did not run, as the run's views and `ralph status` say it. */
export const OPTIONAL_SKIP_REASON = 'optional: skipped (run it by name, or include optional tasks)';

/**
 * The optional tasks a run of `plan` skips: those the plan skips, but for a task the run names
 * (`Run optional task`, `ralph run --task 2.3`) and its sub-tasks. The one place both the CLI
 * and the extension get this from is the scheduler, which calls this.
 */
export function optionalSkippedInRun(plan: Plan, scope: RunScope, descendantsOf: (id: string) => readonly string[]): Set<string> {
  const skipped = new Set(plan.skippedOptional ?? []);
  if (scope.kind === 'task') for (const id of [scope.taskId, ...descendantsOf(scope.taskId)]) skipped.delete(id);
  return skipped;
}

/**
 * Dependencies with each skipped optional task replaced by what it waits for, transitively:
 * skipping `2` in `1 → 2 → 3` lets 3 go once 1 is done, not before. (A skipped task is satisfied
 * for ordering, but passing through it must not drop what it stood between.)
 */
export function throughSkipped(deps: readonly string[], depsOf: (id: string) => readonly string[], skipped: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const queue = [...deps];
  for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
    if (!skipped.has(d)) out.add(d);
    else if (!seen.has(d)) {
      seen.add(d);
      queue.push(...depsOf(d));
    }
  }
  return [...out];
}
