// The spec model and the plan: the contract between the parsers, the planner, the scheduler and
// every view. Plain data only (no classes, no Maps), so a Plan can be posted to a webview or
// printed as JSON as it is.

/** A zero-based position, as VS Code counts: `character` is a UTF-16 offset in the line. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

/** A zero-based, end-exclusive range. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export type SpecFormat = 'ralph-specum' | 'spec-kit' | 'kiro' | 'manifest' | 'taskmaster';

/** JSON formats have no list order: their dependencies are the whole DAG. */
export function isJsonFormat(format: SpecFormat): boolean {
  return format === 'manifest' || format === 'taskmaster';
}

/** `[ ]` todo, `[x]`/`[X]` done; any other mark (`[-]` Kiro's in progress, `[~]` partial, `[/]`)
 *  is work begun and not finished: in progress, and it runs. */
export type CheckState = 'todo' | 'done' | 'in-progress';

/** `hint`: nothing is wrong, but the text could say what it seems to mean (a `[P]` with no effect). */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

export type DiagnosticCode =
  | 'duplicate-id'
  | 'unknown-dependency'
  | 'dependency-cycle'
  | 'parallel-file-overlap'
  | 'parallel-with-barrier'
  | 'parallel-no-effect'
  | 'high-risk-parallel'
  | 'asymmetric-conflict'
  | 'malformed-field'
  | 'malformed-input'
  | 'file-outside-repository'
  | 'file-pattern-too-long'
  | 'no-tasks'
  | 'ignored-checkbox'
  | 'cannot-check-off';

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  /** Where to point the user; for manifests, the line of the task's object. */
  readonly range: Range;
  readonly taskId?: string;
}

/** A bracketed tag right after the id: `[P]` → name `P`; `[FIX 1.3]` → name `FIX`, arg `1.3`. */
export interface Marker {
  readonly name: string;
  readonly arg?: string;
  readonly range: Range;
}

export type Risk = 'low' | 'medium' | 'high';

export interface TaskRanges {
  /** The whole first line of the task (checkbox line). */
  readonly line: Range;
  /** The checkbox `[ ]` itself, for targeted edits. */
  readonly checkbox: Range;
  readonly id: Range;
  /** From the task line to the last line of its block (fields, nested text), inclusive of both. */
  readonly block: Range;
}

export interface Task {
  /** As written: `1.2`, `T014`, `VE1`, `2.1`, `CONTENT_HASH--T01`. */
  readonly id: string;
  /** Position among all tasks of the spec, file order, 0-based (ralph-specum's taskIndex). */
  readonly index: number;
  readonly title: string;
  readonly check: CheckState;
  /** The character in the checkbox as written (`~` for `[~]`); absent for manifests. */
  readonly mark?: string;
  readonly done: boolean;
  /** Kiro `- [ ]* 2.2`: may be skipped. */
  readonly optional: boolean;
  readonly markers: readonly Marker[];
  /** Files this task touches: `**Files**`, spec-kit paths in the description, manifest file_scope. */
  readonly files: readonly string[];
  readonly verify?: string;
  readonly doText?: string;
  readonly doneWhen?: string;
  readonly commit?: string;
  readonly requirements: readonly string[];
  readonly design?: string;
  /** Dependencies the author declared (`**Depends**`, spec-kit `(depends on …)`, manifest);
   *  undefined when none were declared, so the planner falls back to file order. */
  readonly declaredDependsOn?: readonly string[];
  /** Where declaredDependsOn came from, for a markdown task: a `**Depends**` field replaces the
   *  order the list implies; a `(depends on …)` clause in the title alone adds to that order (a
   *  task below a `[P]` block still waits for the whole block). */
  readonly dependsFrom?: 'field' | 'clause';
  /** Manifest `conflicts_with`, as declared. */
  readonly conflictsWith: readonly string[];
  readonly risk?: Risk;
  /** Manifest `parallel: true`; for markdown, whether a `[P]` marker is present. */
  readonly parallelRequested: boolean;
  readonly parallelismGroup?: string;
  readonly estimateMinutes?: number;
  /** Index into Spec.phases, when the task sits under a phase heading. */
  readonly phaseIndex?: number;
  /** Kiro nesting: the parent task's id, and this task's sub-tasks' ids. */
  readonly parentId?: string;
  readonly childIds: readonly string[];
  /** Nesting depth of the list item: 0 for top-level tasks. */
  readonly depth: number;
  /** True when something other than a task (heading, paragraph, a non-task list item) lies
   *  between this task and the previous task at the same depth: it ends a `[P]` run. */
  readonly separatedFromPrevious: boolean;
  /** Every `**Label**: value` / `_Label: value_` field by lower-case label, raw value. */
  readonly fields: Readonly<Record<string, string>>;
  /** The task's block as written in the file (for prompts). */
  readonly text: string;
  readonly ranges: TaskRanges;
}

export interface Phase {
  readonly title: string;
  /** `1` for `## Phase 1: Make It Work`; undefined for other headings. */
  readonly number?: string;
  readonly range: Range;
}

export interface Spec {
  /** Path of the source as given (used in diagnostics as `file:line`). */
  readonly path: string;
  readonly format: SpecFormat;
  readonly frontMatter?: Readonly<Record<string, unknown>>;
  readonly title?: string;
  /** Task Master: the tag whose tasks were read (`master`), absent for an untagged file. */
  readonly tag?: string;
  readonly phases: readonly Phase[];
  readonly tasks: readonly Task[];
  /** Problems found while reading (malformed fields, bad JSON). */
  readonly diagnostics: readonly Diagnostic[];
  readonly lineCount: number;
}

export interface ParallelGroup {
  /** 0-based, file order. */
  readonly index: number;
  /** Two or more task ids, file order. */
  readonly taskIds: readonly string[];
}

export interface Estimate {
  readonly maxConcurrent: number;
  /** Minutes assumed for a task without an estimate. */
  readonly defaultTaskMinutes: number;
  /** How many runnable tasks carried their own estimate. */
  readonly estimatedTasks: number;
  /** Sum of all runnable, not-done task durations. */
  readonly serialMinutes: number;
  /** Makespan of a list schedule of the DAG with maxConcurrent slots (conflicts respected). */
  readonly scheduleMinutes: number;
  /** Wave by wave: each group (or single task), in file order, runs in rounds of at most
   *  maxConcurrent tasks with no conflict inside a round, each round as long as its longest task;
   *  nothing of the next wave starts before the wave ends. A real schedule, so never below the
   *  critical path; usually above scheduleMinutes, which overlaps what the DAG allows. */
  readonly waveMinutes: number;
  readonly criticalPath: readonly string[];
  readonly criticalPathMinutes: number;
  /** (serial - schedule) / serial * 100, rounded to one decimal; 0 for an empty spec. */
  readonly savingsPercent: number;
  readonly waveSavingsPercent: number;
}

/** What `[P]` could do in a markdown task list (see plan/hints.ts). */
export interface ParallelHints {
  /** Runs of adjacent tasks (file order) that run one after another only because they are not
   *  marked `[P]`: each names its files, none in common, no dependency between them. */
  readonly opportunities: readonly (readonly string[])[];
  /** Per `[P]` task with no effect (a group of one): the neighbours that, marked `[P]` too,
   *  would run beside it. */
  readonly joinable: Readonly<Record<string, readonly string[]>>;
}

export interface Plan {
  readonly spec: Spec;
  /** Ids of the tasks that take part in the DAG (first of each duplicate id), file order. */
  readonly taskIds: readonly string[];
  /** Direct predecessors of each task in the DAG (transitively reduced where cheap). */
  readonly dependsOn: Readonly<Record<string, readonly string[]>>;
  /** Direct successors, the inverse of dependsOn. */
  readonly dependents: Readonly<Record<string, readonly string[]>>;
  readonly groups: readonly ParallelGroup[];
  /** Symmetric conflict pairs, each pair once, `[a, b]` with a before b in file order. */
  readonly conflicts: readonly (readonly [string, string])[];
  /** Tasks that must run alone (manifest `parallel: false`): nothing else runs beside them. */
  readonly exclusive: readonly string[];
  /** Tasks with sub-tasks (Kiro nesting). A container is never executed: it depends on its
   *  sub-tasks, which wait for what the container would have waited for, so a scheduler treats it
   *  as succeeded the moment all its dependencies are satisfied (blocked if one failed) and gives
   *  it no slot, process or commit. Optional only so hand-built plans may leave it out. */
  readonly containers?: readonly string[];
  /** Kiro optional tasks (with an optional parent's sub-tasks) that a run of this plan skips:
   *  not done, planned without optional tasks. They keep their edges; a scheduler reports them
   *  skipped and treats them as satisfied, unless the run names one. Absent in hand-built plans. */
  readonly skippedOptional?: readonly string[];
  /** Topological levels: level 0 has no predecessors. Tasks on a cycle are left out. */
  readonly levels: readonly (readonly string[])[];
  /** Parse diagnostics and plan diagnostics, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  readonly hasErrors: boolean;
  readonly estimate: Estimate;
  /** Optional only so hand-built plans may leave it out. */
  readonly parallelHints?: ParallelHints;
}

/** The first task with each id, file order: a later task with an id already used (a checklist
 *  copy, or a mistake the plan reports) is left out of the plan and of every list of its tasks. */
export function firstOfEachId(tasks: readonly Task[]): Task[] {
  const seen = new Set<string>();
  const first: Task[] = [];
  for (const t of tasks) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    first.push(t);
  }
  return first;
}

/** Tasks (or anything with an id) by id, the first of a repeated id winning as in firstOfEachId:
 *  the planner plans that one, so every lookup agrees with the plan. */
export function tasksById<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  const byId = new Map<string, T>();
  for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
  return byId;
}

const byIdOfTasks = new WeakMap<readonly Task[], ReadonlyMap<string, Task>>();

/** A spec's tasks by id, built once per spec (a parsed spec is never changed; a new text is a new
 *  spec): the views look a task up for every line they draw, every second while a run goes on. */
export function specTasksById(spec: Spec): ReadonlyMap<string, Task> {
  let byId = byIdOfTasks.get(spec.tasks);
  if (byId === undefined) {
    byId = tasksById(spec.tasks);
    byIdOfTasks.set(spec.tasks, byId);
  }
  return byId;
}

export function hasMarker(task: Task, name: string): boolean {
  return task.markers.some((m) => m.name === name);
}

export function range(startLine: number, startChar: number, endLine: number, endChar: number): Range {
  return { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } };
}

/** The order of diagnostics everywhere (Spec.diagnostics, Plan.diagnostics): by start position. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}
