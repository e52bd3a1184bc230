// Which tasks a run covers, and what each of them waits for — decided here for the scheduler, the
// CLI's live view (through the run's own `runStarted` list) and the extension's "run what it waits
// for first?" question, so the three can never count a scope three ways.
//
// The relation a run uses is the plan's `dependsOn`, widened for sub-tasks and narrowed for
// skipped optional tasks:
//   - a sub-task also waits for what its container (a parent of sub-tasks) waits for;
//   - a container waits for its sub-tasks (it is done when they are), never the other way round;
//   - a skipped optional task is passed through: what waits on it waits for what it waited for.

import { tasksById, type Plan, type Task } from '../model';
import type { RunScope } from '../ports';
import { unfinishedAncestors } from './ancestors';
import { optionalSkippedInRun, throughSkipped } from '../plan/optional';

/** The dependency relation of one run over a plan: the tasks of the plan (first of each id, file
 *  order), containers, sub-tasks and the optional tasks the run skips. */
export class RunRelations {
  readonly byId = new Map<string, Task>();
  readonly containers: ReadonlySet<string>;
  /** Optional tasks this run skips (satisfied for what waits on them, never started). */
  readonly skippedOptional: ReadonlySet<string>;

  constructor(
    readonly plan: Plan,
    scope: RunScope,
  ) {
    const firstById = tasksById(plan.spec.tasks);
    for (const id of plan.taskIds) {
      const task = firstById.get(id);
      if (task) this.byId.set(id, task);
    }
    this.containers = new Set((plan.containers ?? []).filter((id) => this.byId.has(id)));
    this.skippedOptional = optionalSkippedInRun(plan, scope, (id) => this.descendantsOf(id));
  }

  /** What a task waits for in this run (see the module comment). */
  effectiveDeps(id: string): string[] {
    const deps = this.directDeps(id);
    if (this.skippedOptional.size === 0 || this.skippedOptional.has(id)) return deps;
    return throughSkipped(deps, (d) => this.directDeps(d), this.skippedOptional).filter((d) => d !== id);
  }

  private directDeps(id: string): string[] {
    const deps = new Set<string>();
    for (const dep of this.plan.dependsOn[id] ?? []) {
      // A sub-task never waits for its own parent: the parent waits for it.
      if (this.containers.has(dep) && this.isDescendant(id, dep)) continue;
      deps.add(dep);
    }
    // What a parent waits for, its children wait for.
    for (let a = this.parentOf(id); a !== undefined; a = this.parentOf(a)) {
      if (!this.containers.has(a)) continue;
      for (const dep of this.plan.dependsOn[a] ?? []) {
        if (dep !== a && !this.isDescendant(dep, a) && !this.isDescendant(id, dep)) deps.add(dep);
      }
    }
    if (this.containers.has(id)) {
      for (const child of this.byId.get(id)?.childIds ?? []) if (this.byId.has(child)) deps.add(child);
    }
    deps.delete(id);
    return [...deps].filter((d) => this.byId.has(d));
  }

  parentOf(id: string): string | undefined {
    const parent = this.byId.get(id)?.parentId;
    return parent !== undefined && this.byId.has(parent) ? parent : undefined;
  }

  isDescendant(id: string, ancestor: string): boolean {
    const seen = new Set<string>();
    for (let p = this.parentOf(id); p !== undefined && !seen.has(p); p = this.parentOf(p)) {
      if (p === ancestor) return true;
      seen.add(p);
    }
    return false;
  }

  /** A task's sub-tasks, theirs, and so on. */
  descendantsOf(id: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const queue = [...(this.byId.get(id)?.childIds ?? [])];
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      if (!this.byId.has(c) || seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      queue.push(...(this.byId.get(c)?.childIds ?? []));
    }
    return out;
  }

  /** The ids, and every task they wait for (directly or not) that is not done. */
  withUnfinishedAncestors(ids: readonly string[], isDone: (id: string) => boolean): string[] {
    return [...ids, ...unfinishedAncestors(ids, (id) => this.effectiveDeps(id), isDone)];
  }

  inFileOrder(ids: Iterable<string>): string[] {
    const wanted = new Set(ids);
    return [...this.byId.keys()].filter((id) => wanted.has(id));
  }
}

/** What the scope needs to know of the run before this one. */
export interface ScopeFacts {
  /** Done before this run (checked in the spec, or recorded as a success). */
  readonly isDone: (id: string) => boolean;
  /** The previous run failed it. */
  readonly failedBefore: (id: string) => boolean;
  /** Its work passed and only waits for its merge (worktree runs). */
  readonly awaitsMerge: (id: string) => boolean;
}

/** A scope that names what the plan does not have: shown with the spec's path. */
export class ScopeError extends Error {}

/**
 * The tasks a run covers, file order: the whole spec; a parallel group or a task (with its
 * sub-tasks), and with `withDependencies` everything they wait for that is not done; or, for a
 * retry, the failed tasks and everything that waits on them.
 */
export function resolveScope(relations: RunRelations, scope: RunScope, facts: ScopeFacts, where: string): string[] {
  const { plan, byId } = relations;
  switch (scope.kind) {
    case 'spec':
      return [...byId.keys()];
    case 'group': {
      const group = plan.groups.find((g) => g.index === scope.groupIndex) ?? plan.groups[scope.groupIndex];
      if (!group) throw new ScopeError(`${where}: there is no parallel group ${scope.groupIndex} (the plan has ${plan.groups.length})`);
      const ids = group.taskIds.filter((id) => byId.has(id));
      return relations.inFileOrder(scope.withDependencies === true ? relations.withUnfinishedAncestors(ids, facts.isDone) : ids);
    }
    case 'task': {
      if (!byId.has(scope.taskId)) throw new ScopeError(`${where}: there is no task ${scope.taskId} to run`);
      const ids = [scope.taskId, ...relations.descendantsOf(scope.taskId)];
      return relations.inFileOrder(scope.withDependencies === true ? relations.withUnfinishedAncestors(ids, facts.isDone) : ids);
    }
    case 'retryFailed': {
      const failed = [...byId.keys()].filter((id) => facts.failedBefore(id) || facts.awaitsMerge(id));
      const closure = new Set(failed);
      const queue = [...failed];
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        for (const next of plan.dependents[id] ?? []) {
          if (!closure.has(next) && byId.has(next)) {
            closure.add(next);
            queue.push(next);
          }
        }
      }
      return relations.inFileOrder([...closure].filter((id) => !facts.isDone(id) || facts.awaitsMerge(id)));
    }
  }
}

/**
 * What a run of `scope` (a group or a task, with its sub-tasks) waits for that is not done, file
 * order, as the scheduler orders it: run alone, the scope would only report these blocking it.
 * The extension asks whether to run them first; `withDependencies` does.
 */
export function unfinishedDependencies(plan: Plan, scope: RunScope, isDone: (id: string) => boolean): string[] {
  const relations = new RunRelations(plan, scope);
  const alone = scope.kind === 'group' || scope.kind === 'task' ? { ...scope, withDependencies: false } : scope;
  const own = resolveScope(relations, alone, { isDone, failedBefore: () => false, awaitsMerge: () => false }, plan.spec.path);
  const ownSet = new Set(own);
  return relations.inFileOrder(relations.withUnfinishedAncestors(own, isDone).filter((id) => !ownSet.has(id)));
}
