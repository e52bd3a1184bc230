// Kiro parents written flat. Kiro nests sub-tasks under their parent (`- [ ] 1. Database` with an
// indented `  - [ ] 1.1 Create schema`), but many hand-written or re-flowed task lists put them at
// the parent's own indentation. The ids say the same thing the indentation would: `1.1` right
// after `1.` (with only `1.x` tasks between) is its sub-task. Read that way, the flat list plans
// exactly as the nested one: `1.` is a container that never runs, and it is checked off once its
// sub-tasks are.

import type { Task } from '../model';

/**
 * The tasks with flat sub-tasks attached to their parents (parentId on the sub-task, its id added
 * to the parent's childIds). A task `P.n` becomes the sub-task of the nearest task `P` above it in
 * the same list (same list parent, same depth) when every task between them is `P` or one of
 * `P`'s own `P.…` tasks; deeper ids nest the same way (`1.1.1` under a flat `1.1`), also inside a
 * nested list (`1.1.1` beside `1.1` under `1.` moves under `1.1`). Returns the same array when
 * nothing is flat.
 */
export function attachFlatSubtasks(tasks: readonly Task[]): readonly Task[] {
  const parentOf = new Map<number, number>();
  // Per list (parent id and depth): the chain of tasks whose sub-tasks may still follow.
  const chains = new Map<string, number[]>();
  tasks.forEach((task, i) => {
    const key = `${task.parentId ?? ''}\u0000${task.depth}`;
    let chain = chains.get(key);
    if (!chain) chains.set(key, (chain = []));
    while (chain.length > 0 && !task.id.startsWith(`${(tasks[chain[chain.length - 1] as number] as Task).id}.`)) chain.pop();
    const top = chain[chain.length - 1];
    if (top !== undefined && !task.id.slice((tasks[top] as Task).id.length + 1).includes('.')) parentOf.set(i, top);
    chain.push(i);
  });
  if (parentOf.size === 0) return tasks;

  const added = new Map<number, string[]>();
  // A task moved from the list parent it had by indentation leaves that parent's childIds.
  const moved = new Map<string, Set<string>>();
  for (const [child, parent] of parentOf) {
    const { id, parentId } = tasks[child] as Task;
    const list = added.get(parent) ?? [];
    list.push(id);
    added.set(parent, list);
    if (parentId !== undefined) moved.set(parentId, (moved.get(parentId) ?? new Set()).add(id));
  }
  return tasks.map((task, i) => {
    const parent = parentOf.get(i);
    const gone = moved.get(task.id);
    const children = added.get(i);
    if (parent === undefined && children === undefined && gone === undefined) return task;
    const kept = gone === undefined ? task.childIds : task.childIds.filter((c) => !gone.has(c));
    return {
      ...task,
      ...(parent !== undefined ? { parentId: (tasks[parent] as Task).id } : {}),
      childIds: [...kept, ...(children ?? [])],
    };
  });
}

/** A flat sub-task read again on its own (an edit inside its block) keeps the parent the whole
 *  list gave it: the edit kept its id, and nothing above it changed. */
export function keepFlatParent(task: Task, before: Task): Task {
  if (task.parentId !== undefined || before.parentId === undefined) return task;
  return { ...task, parentId: before.parentId };
}
