// Typed builders for Spec objects, so planner tests state only what matters to them. Lines are
// laid out as a markdown file would be: one line per heading, text line or task, sub-tasks
// right under their parent, so ranges and `separatedFromPrevious` come out as the parser gives them.

import { range, type Marker, type Phase, type Risk, type Spec, type SpecFormat, type Task } from '../../src/core/model';

export interface TaskInit {
  markers?: readonly (string | { name: string; arg?: string })[];
  files?: readonly string[];
  dependsOn?: readonly string[];
  conflictsWith?: readonly string[];
  done?: boolean;
  minutes?: number;
  risk?: Risk;
  /** Defaults to "has a `P` marker". */
  parallel?: boolean;
  group?: string;
  title?: string;
  children?: readonly TaskItem[];
  fields?: Record<string, string>;
}

export interface TaskItem {
  readonly kind: 'task';
  readonly id: string;
  readonly init: TaskInit;
}

export interface HeadingItem {
  readonly kind: 'heading';
  readonly title: string;
  readonly number?: string;
}

export interface TextItem {
  readonly kind: 'text';
}

export type SpecItem = TaskItem | HeadingItem | TextItem;

export function task(id: string, init: TaskInit = {}): TaskItem {
  return { kind: 'task', id, init };
}

/** `## Phase N: title` when a number is given, else a plain heading. */
export function phase(title: string, number?: string): HeadingItem {
  return number === undefined ? { kind: 'heading', title } : { kind: 'heading', title, number };
}

/** A paragraph between tasks: ends a `[P]` run. */
export function text(): TextItem {
  return { kind: 'text' };
}

export function spec(items: readonly SpecItem[], options: { format?: SpecFormat; path?: string } = {}): Spec {
  const tasks: Task[] = [];
  const phases: Phase[] = [];
  let line = 0;
  // Per depth: whether something other than a task came since the last task at that depth.
  const separated: boolean[] = [];

  const addTask = (item: TaskItem, depth: number, parentId: string | undefined): Task => {
    const { id, init } = item;
    const taskLine = line++;
    const indent = depth * 2;
    const markers: Marker[] = (init.markers ?? []).map((m) => {
      const name = typeof m === 'string' ? m : m.name;
      const arg = typeof m === 'string' ? undefined : m.arg;
      const r = range(taskLine, indent + 6 + id.length + 1, taskLine, indent + 6 + id.length + 3 + name.length);
      return arg === undefined ? { name, range: r } : { name, arg, range: r };
    });
    const separatedFromPrevious = separated[depth] ?? false;
    separated[depth] = false;
    separated.length = depth + 1;
    const index = tasks.length;
    const placeholder = {} as Task;
    tasks.push(placeholder);
    const children = (init.children ?? []).map((c) => addTask(c, depth + 1, id));
    const lastLine = line - 1;
    const title = init.title ?? `Task ${id}`;
    const built: Task = {
      id,
      index,
      title,
      check: init.done ? 'done' : 'todo',
      done: init.done ?? false,
      optional: false,
      markers,
      files: init.files ?? [],
      requirements: [],
      ...(init.dependsOn ? { declaredDependsOn: init.dependsOn } : {}),
      conflictsWith: init.conflictsWith ?? [],
      ...(init.risk ? { risk: init.risk } : {}),
      parallelRequested: init.parallel ?? markers.some((m) => m.name === 'P'),
      ...(init.group ? { parallelismGroup: init.group } : {}),
      ...(init.minutes !== undefined ? { estimateMinutes: init.minutes } : {}),
      ...(phases.length > 0 ? { phaseIndex: phases.length - 1 } : {}),
      ...(parentId !== undefined ? { parentId } : {}),
      childIds: children.map((c) => c.id),
      depth,
      separatedFromPrevious,
      fields: init.fields ?? {},
      text: `- [${init.done ? 'x' : ' '}] ${id} ${title}`,
      ranges: {
        line: range(taskLine, indent, taskLine, indent + 6 + id.length + 1 + title.length),
        checkbox: range(taskLine, indent + 2, taskLine, indent + 5),
        id: range(taskLine, indent + 6, taskLine, indent + 6 + id.length),
        block: range(taskLine, indent, lastLine, 80),
      },
    };
    tasks[index] = built;
    return built;
  };

  for (const item of items) {
    if (item.kind === 'task') {
      addTask(item, 0, undefined);
    } else {
      if (item.kind === 'heading') {
        const r = range(line, 0, line, item.title.length + 3);
        phases.push(item.number === undefined ? { title: item.title, range: r } : { title: item.title, number: item.number, range: r });
      }
      line++;
      separated[0] = true;
      separated.length = 1;
    }
  }
  return {
    path: options.path ?? 'specs/demo/tasks.md',
    format: options.format ?? 'ralph-specum',
    phases,
    tasks,
    diagnostics: [],
    lineCount: line,
  };
}

/** Ids only, for compact assertions. */
export function ids(list: readonly { readonly taskId?: string }[]): (string | undefined)[] {
  return list.map((d) => d.taskId);
}
