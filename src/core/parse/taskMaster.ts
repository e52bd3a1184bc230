// Task Master's `.taskmaster/tasks/tasks.json` → Spec.
//
// The shape, as Task Master (eyaltoledano/claude-task-master) writes it: since its tags (0.17) the
// file is `{ "<tag>": { "tasks": [...], "metadata": {...} }, ... }` with `master` the default tag;
// older files are `{ "tasks": [...] }`. A task is `{ id: number, title, description, status,
// dependencies: (number | "3.1")[], priority, details, testStrategy, subtasks: [...] }`; a
// subtask has the same fields with an `id` local to its parent (1, 2, …) and is named `3.1`
// elsewhere. In a subtask's `dependencies` a bare number is, by Task Master's own convention
// (dependency-manager's cycle check), a sibling subtask; Ralph takes a top-level task of that id
// when no sibling has it. Statuses seen: pending, in-progress, review, done, deferred, cancelled
// (and blocked, todo in some versions).
//
// Mapping: `3` and its subtasks `3.1`, `3.2` are a container and its sub-tasks, as Kiro nesting
// is; `done` is done; `cancelled` and `deferred` are also read as done, so a run skips them and
// does not hold back what depends on them (no one means them to be done now); `in-progress` and
// `review` are in progress; anything else is to do. `testStrategy` is the task's "done when"
// guidance for the agent (prose, never run as a command).

import { parseTree, type Node } from 'jsonc-parser';
import type { CheckState, Diagnostic, Range, Spec, Task } from '../model';
import { compareDiagnostics, range, tasksById } from '../model';
import { readJsonTree } from './jsonTree';
import { bracketNestingBeyond } from './limits';
import { offsetRanges } from './values';

export const TASK_MASTER_DEFAULT_TAG = 'master';

/** Task Master statuses read as done: the run skips these tasks. */
const DONE_STATUSES = new Set(['done', 'completed', 'cancelled', 'canceled', 'deferred']);
const IN_PROGRESS_STATUSES = new Set(['in-progress', 'in_progress', 'review']);

export function taskMasterCheck(status: string | undefined): CheckState {
  const s = status?.trim().toLowerCase();
  if (s !== undefined && DONE_STATUSES.has(s)) return 'done';
  if (s !== undefined && IN_PROGRESS_STATUSES.has(s)) return 'in-progress';
  return 'todo';
}

export function property(object: Node, key: string): Node | undefined {
  for (const p of object.children ?? []) {
    if (p.type === 'property' && p.children?.[0]?.value === key) return p.children[1];
  }
  return undefined;
}

/** Whether a parsed JSON document is a Task Master file (tagged or not) rather than a manifest. */
export function isTaskMasterTree(root: Node | undefined): boolean {
  if (root?.type !== 'object') return false;
  const tasks = property(root, 'tasks');
  if (tasks) {
    const first = tasks.children?.find((c) => c.type === 'object');
    return tasks.type === 'array' && first !== undefined && property(first, 'task_id') === undefined && property(first, 'id') !== undefined;
  }
  const tags = (root.children ?? []).map((p) => p.children?.[1]);
  return tags.length > 0 && tags.some((v) => v?.type === 'object' && property(v, 'tasks')?.type === 'array');
}

export function looksLikeTaskMaster(text: string, path: string): boolean {
  if (/(^|[\\/])\.taskmaster[\\/]/.test(path)) return true;
  if (bracketNestingBeyond(text, { comments: true })) return false;
  return isTaskMasterTree(parseTree(text, [], { allowTrailingComma: true, disallowComments: false }));
}

export type TaskListLookup =
  | { readonly kind: 'found'; readonly list: Node; readonly tag?: string }
  | { readonly kind: 'error'; readonly message: string; readonly at: Node };

/** The `tasks` array of the tag asked for, else of `master`, else of the only tag. */
export function taskMasterList(root: Node, tag?: string): TaskListLookup {
  if (root.type !== 'object') return { kind: 'error', message: 'A Task Master tasks.json is a JSON object', at: root };
  const direct = property(root, 'tasks');
  if (direct && tag === undefined) {
    return direct.type === 'array' ? { kind: 'found', list: direct } : { kind: 'error', message: '"tasks" should be an array', at: direct };
  }
  const tags = new Map<string, Node>();
  for (const p of root.children ?? []) {
    const key = p.children?.[0];
    const value = p.children?.[1];
    if (key && value?.type === 'object' && property(value, 'tasks')) tags.set(String(key.value), value);
  }
  const names = [...tags.keys()];
  const chosen = tag ?? (tags.has(TASK_MASTER_DEFAULT_TAG) ? TASK_MASTER_DEFAULT_TAG : names.length === 1 ? names[0] : undefined);
  const holder = chosen === undefined ? undefined : tags.get(chosen);
  if (chosen === undefined || !holder) {
    const known = names.length ? `; its tags: ${names.join(', ')}` : '';
    const message =
      tag !== undefined
        ? `No tag "${tag}" in this Task Master file${known}`
        : names.length === 0
          ? 'A Task Master tasks.json has a "tasks" array, or tags ("master": { "tasks": [...] })'
          : `Several Task Master tags and no "master"${known}; choose one with --tag`;
    return { kind: 'error', message, at: root };
  }
  const list = property(holder, 'tasks') as Node;
  if (list.type !== 'array') return { kind: 'error', message: `"${chosen}.tasks" should be an array`, at: list };
  return { kind: 'found', list, tag: chosen };
}

/** The JSON object of task `3` or subtask `3.1` in a parsed file, found by id as the file is now. */
export function findTaskMasterObject(list: Node, taskId: string): Node | undefined {
  const [parentId, subId, ...rest] = taskId.split('.');
  if (rest.length > 0 || parentId === undefined) return undefined;
  const parent = (list.children ?? []).find((n) => n.type === 'object' && idText(property(n, 'id')) === parentId);
  if (!parent || subId === undefined) return parent;
  const subtasks = property(parent, 'subtasks');
  return (subtasks?.children ?? []).find((n) => n.type === 'object' && localId(idText(property(n, 'id')), parentId) === subId);
}

function idText(node: Node | undefined): string | undefined {
  if (node?.type === 'number' && Number.isInteger(node.value)) return String(node.value);
  if (node?.type === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(String(node.value))) return String(node.value).trim();
  return undefined;
}

/** A subtask's own id: `2`, also when written as `"3.2"` under task 3. */
function localId(id: string | undefined, parentId: string): string | undefined {
  if (id === undefined) return undefined;
  if (id.startsWith(`${parentId}.`)) return id.slice(parentId.length + 1);
  return id.includes('.') ? undefined : id;
}

export function parseTaskMaster(text: string, options: { readonly path: string; readonly tag?: string }): Spec {
  const { position, spanOf, lineOf, lineCount } = offsetRanges(text);
  const diagnostics: Diagnostic[] = [];
  let tag: string | undefined;
  const spec = (tasks: Task[]): Spec => ({
    path: options.path,
    format: 'taskmaster',
    ...(tag !== undefined ? { tag } : {}),
    phases: [],
    tasks,
    diagnostics: diagnostics.sort(compareDiagnostics),
    lineCount,
  });
  const fatal = (message: string, at: Range): Spec => {
    diagnostics.push({ severity: 'error', code: 'malformed-input', message, range: at });
    return spec([]);
  };

  const tree = readJsonTree(text, { position, spanOf });
  if ('problem' in tree) return fatal(tree.problem.message, tree.problem.range);
  const { root } = tree;
  const lookup = taskMasterList(root, options.tag);
  if (lookup.kind === 'error') return fatal(lookup.message, lineOf(lookup.at.offset));
  tag = lookup.tag;

  interface Entry {
    readonly node: Node;
    readonly id: string;
    readonly parentId?: string;
    readonly childIds: string[];
  }
  const entries: Entry[] = [];
  const problem = (message: string, at: Node, taskId?: string) =>
    diagnostics.push({ severity: 'warning', code: 'malformed-field', message, range: lineOf(at.offset), ...(taskId !== undefined ? { taskId } : {}) });

  // First every id, so that dependencies may name tasks further down.
  for (const node of lookup.list.children ?? []) {
    const line = position(node.offset).line + 1;
    if (node.type !== 'object') {
      problem(`Task entry at line ${line} should be an object, found ${node.type}; it is skipped`, node);
      continue;
    }
    const idNode = property(node, 'id');
    const id = idText(idNode);
    if (id === undefined || id.includes('.')) {
      problem(`Task at line ${line} has no "id" (a whole number); it is skipped`, idNode ?? node);
      continue;
    }
    const entry: Entry = { node, id, childIds: [] };
    entries.push(entry);
    const subtasks = property(node, 'subtasks');
    if (!subtasks || subtasks.type === 'null') continue;
    if (subtasks.type !== 'array') {
      problem(`Task ${id}: "subtasks" should be an array, found ${subtasks.type}`, subtasks, id);
      continue;
    }
    for (const sub of subtasks.children ?? []) {
      const subLine = position(sub.offset).line + 1;
      if (sub.type !== 'object') {
        problem(`Subtask entry of task ${id} at line ${subLine} should be an object, found ${sub.type}; it is skipped`, sub, id);
        continue;
      }
      const subIdNode = property(sub, 'id');
      const local = localId(idText(subIdNode), id);
      if (local === undefined) {
        problem(`Subtask of task ${id} at line ${subLine} has no "id" (a whole number); it is skipped`, subIdNode ?? sub, id);
        continue;
      }
      const subId = `${id}.${local}`;
      entry.childIds.push(subId);
      entries.push({ node: sub, id: subId, parentId: id, childIds: [] });
    }
  }
  const known = new Set(entries.map((e) => e.id));
  const byId = tasksById(entries);

  const tasks: Task[] = entries.map((entry, index) => {
    const { node, id, parentId } = entry;
    const stringOf = (key: string): string | undefined => {
      const n = property(node, key);
      if (!n || n.type === 'null') return undefined;
      if (n.type === 'string') return String(n.value);
      if (n.type === 'number' || n.type === 'boolean') return String(n.value);
      problem(`Task ${id}: "${key}" should be a string, found ${n.type}`, n, id);
      return undefined;
    };
    const title = stringOf('title');
    const description = stringOf('description');
    const details = stringOf('details');
    const testStrategy = stringOf('testStrategy') ?? stringOf('test_strategy');
    const status = stringOf('status');
    const priority = stringOf('priority');

    const dependsOn: string[] = [];
    const depsNode = property(node, 'dependencies');
    if (depsNode && depsNode.type !== 'null') {
      if (depsNode.type !== 'array') problem(`Task ${id}: "dependencies" should be an array of task ids, found ${depsNode.type}`, depsNode, id);
      for (const d of depsNode.type === 'array' ? (depsNode.children ?? []) : []) {
        const raw = idText(d);
        const unknown = (what: string) =>
          diagnostics.push({
            severity: 'error',
            code: 'unknown-dependency',
            message: `Task ${id} depends on ${what}, but no task has that id.`,
            range: lineOf(d.offset),
            taskId: id,
          });
        if (raw === undefined) {
          problem(`Task ${id}: a dependency should be a task id such as 3 or "3.1", found ${d.type === 'string' ? JSON.stringify(d.value) : d.type}`, d, id);
          continue;
        }
        let target: string | undefined;
        if (raw.includes('.')) target = known.has(raw) ? raw : undefined;
        else if (parentId !== undefined && known.has(`${parentId}.${raw}`)) target = `${parentId}.${raw}`;
        else if (known.has(raw)) target = raw;
        if (target === undefined) {
          unknown(parentId !== undefined && !raw.includes('.') ? `${raw} (neither subtask ${parentId}.${raw} nor task ${raw})` : raw);
          continue;
        }
        if (target === id) {
          problem(`Task ${id} depends on itself; that dependency is left out`, d, id);
          continue;
        }
        if (target === parentId) {
          // The parent is done when its subtasks are: waiting for it would wait for oneself.
          problem(`Task ${id} depends on its own parent task ${parentId}; that dependency is left out`, d, id);
          continue;
        }
        if (!dependsOn.includes(target)) dependsOn.push(target);
      }
    }

    const check = taskMasterCheck(status);
    const fields: Record<string, string> = {};
    for (const [key, value] of [
      ['status', status],
      ['priority', priority],
    ] as const) {
      if (value !== undefined) fields[key] = value;
    }
    const idNode = property(node, 'id') as Node;
    const statusNode = property(node, 'status');
    const objectStart = position(node.offset);
    const objectEnd = position(node.offset + node.length);
    const mark = statusNode?.type === 'string' ? spanOf(statusNode.offset + 1, statusNode.offset + statusNode.length - 1) : range(objectStart.line, objectStart.character, objectStart.line, objectStart.character);
    const parent = parentId !== undefined ? byId.get(parentId) : undefined;
    const parentTitleNode = parent ? property(parent.node, 'title') : undefined;
    const parentTitle = parentTitleNode?.type === 'string' ? String(parentTitleNode.value) : undefined;
    return {
      id,
      index,
      title: title ?? description ?? id,
      check,
      done: check === 'done',
      optional: false,
      markers: [],
      files: [],
      ...(details ?? description ? { doText: details ?? description } : {}),
      ...(testStrategy !== undefined ? { doneWhen: testStrategy } : {}),
      requirements: [],
      declaredDependsOn: dependsOn,
      conflictsWith: [],
      parallelRequested: false,
      ...(parentId !== undefined ? { parentId } : {}),
      childIds: entry.childIds,
      depth: parentId !== undefined ? 1 : 0,
      separatedFromPrevious: false,
      fields,
      text: taskText({ id, title, description, details, testStrategy, status, priority, parentId, parentTitle, dependsOn }),
      ranges: {
        line: lineOf(node.offset),
        checkbox: mark,
        id: spanOf(idNode.offset, idNode.offset + idNode.length),
        block: range(objectStart.line, objectStart.character, objectEnd.line, objectEnd.character),
      },
    };
  });
  return spec(tasks);
}

/** The task as an agent reads it: the fields in prose, not the JSON object. */
function taskText(t: {
  id: string;
  title?: string | undefined;
  description?: string | undefined;
  details?: string | undefined;
  testStrategy?: string | undefined;
  status?: string | undefined;
  priority?: string | undefined;
  parentId?: string | undefined;
  parentTitle?: string | undefined;
  dependsOn: readonly string[];
}): string {
  const out = [`Task ${t.id}: ${t.title ?? t.description ?? t.id}`];
  if (t.parentId !== undefined) out.push(`Part of task ${t.parentId}${t.parentTitle ? `: ${t.parentTitle}` : ''}`);
  if (t.description && t.description !== t.title) out.push('', `Description: ${t.description}`);
  if (t.details) out.push('', 'Details:', t.details);
  if (t.testStrategy) out.push('', 'Test strategy (how to check the work; guidance, not a command):', t.testStrategy);
  if (t.dependsOn.length > 0) out.push('', `Depends on: ${t.dependsOn.join(', ')}`);
  if (t.priority) out.push(`Priority: ${t.priority}`);
  return out.join('\n');
}
