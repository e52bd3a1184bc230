// Re-planning as the author types. The extension asks for a plan on every keystroke of a large
// tasks.md; most keystrokes change one line of one task's body, which can move nothing in the
// plan but that task's fields. The Replanner keeps the previous text, spec and plan, re-reads only
// the edited block when the edit cannot reach past it, and reuses the previous plan when no task
// changed in anything the planner reads. The result is always what planSpec(parseSpec(text)) gives.

import type { Diagnostic, Marker, Plan, Spec, SpecFormat, Task } from './model';
import { compareDiagnostics } from './model';
import { BlockCache, parseSpec } from './parse/index';
import { splitLines } from './parse/lineScan';
import { parseMarkdownLayout } from './parse/markdown';
import { changedLines, reparseTaskBlock, shiftRange, type MarkdownLayout } from './parse/reparse';
import { DEFAULT_MAX_CONCURRENT, DEFAULT_TASK_MINUTES, planWithOwnDiagnostics, type PlanOptions } from './plan/index';

export interface ReplannerOptions extends PlanOptions {
  readonly path: string;
  readonly format?: SpecFormat;
  readonly cache?: BlockCache;
}

/** How the last update was made; for tests and benchmarks. */
export interface ReplanKind {
  readonly parse: 'unchanged' | 'block' | 'full';
  readonly plan: 'reused' | 'full';
}

interface Previous {
  readonly text: string;
  /** Absent for manifests, which are always read whole. */
  readonly layout?: MarkdownLayout;
  readonly plan: Plan;
  /** The planner's own diagnostics, in the order it made them. */
  readonly own: readonly Diagnostic[];
}

/** Where a block edit happened: the lines of the tasks below the one on `line` moved by `delta`. */
interface BlockEdit {
  readonly taskIndex: number;
  readonly line: number;
  readonly delta: number;
}

export class Replanner {
  private readonly cache: BlockCache;
  private previous: Previous | undefined;
  /** What the planner is told (slots and default minutes of the estimate); settings can change it. */
  private planOptions: Required<PlanOptions>;
  lastUpdate: ReplanKind = { parse: 'full', plan: 'full' };

  constructor(private readonly options: ReplannerOptions) {
    this.cache = options.cache ?? new BlockCache();
    this.planOptions = planOptionsOf(options);
  }

  /**
   * Plans with these options from now on (the user changed `ralph.maxConcurrent` or
   * `ralph.includeOptional`). When they
   * change anything, the last text is planned again at once, without reading it again, and the
   * new plan returned; else undefined.
   */
  setPlanOptions(options: PlanOptions): Plan | undefined {
    const next = planOptionsOf(options);
    const now = this.planOptions;
    if (next.maxConcurrent === now.maxConcurrent && next.defaultTaskMinutes === now.defaultTaskMinutes && next.includeOptional === now.includeOptional) return undefined;
    this.planOptions = next;
    const previous = this.previous;
    if (!previous) return undefined;
    const { plan, own } = planWithOwnDiagnostics(previous.plan.spec, next);
    this.previous = { ...previous, plan, own };
    this.lastUpdate = { parse: 'unchanged', plan: 'full' };
    return plan;
  }

  update(text: string): Plan {
    const previous = this.previous;
    if (previous && previous.text === text) {
      this.lastUpdate = { parse: 'unchanged', plan: 'reused' };
      return previous.plan;
    }
    const { path, format } = this.options;
    const parseOptions = { path, cache: this.cache, ...(format !== undefined ? { format } : {}) };
    if (format === 'manifest' || format === 'taskmaster') {
      const spec = parseSpec(text, parseOptions);
      return this.remember(text, undefined, this.plan(previous, spec, undefined), 'full');
    }

    const lines = splitLines(text);
    if (previous?.layout) {
      const change = changedLines(previous.layout.lines, lines);
      const reread = reparseTaskBlock(previous.layout, text, lines, change, parseOptions);
      if (reread) {
        const edit: BlockEdit = {
          taskIndex: reread.taskIndex,
          line: reread.layout.spec.tasks[reread.taskIndex]?.ranges.line.start.line ?? 0,
          delta: lines.length - previous.layout.lines.length,
        };
        return this.remember(text, reread.layout, this.plan(previous, reread.layout.spec, edit), 'block');
      }
    }
    const layout = parseMarkdownLayout(text, parseOptions, lines);
    return this.remember(text, layout, this.plan(previous, layout.spec, undefined), 'full');
  }

  private remember(text: string, layout: MarkdownLayout | undefined, planned: Planned, parse: ReplanKind['parse']): Plan {
    this.previous = { text, ...(layout ? { layout } : {}), plan: planned.plan, own: planned.own };
    this.lastUpdate = { parse, plan: planned.reused ? 'reused' : 'full' };
    return planned.plan;
  }

  private plan(previous: Previous | undefined, spec: Spec, edit: BlockEdit | undefined): Planned {
    // A duplicate id is a warning or an error by the text of both task lines, which an edit of
    // either (even of its title) can change: with one, the plan is made again.
    const reusable =
      previous &&
      previous.plan.spec.format === spec.format &&
      previous.plan.spec.tasks.length === spec.tasks.length &&
      !previous.own.some((d) => d.code === 'duplicate-id');
    if (previous && reusable) {
      const before = previous.plan.spec.tasks;
      if (edit) {
        const { taskIndex, line, delta } = edit;
        const old = before[taskIndex] as Task;
        const now = spec.tasks[taskIndex] as Task;
        const same = sameForPlanner(old, now) && sameRange(old.ranges.id, now.ranges.id) && sameList(old.markers, now.markers, sameMarkerRange);
        if (same) {
          // The planner's diagnostics all point at task lines: those below the edit moved, and one
          // at the edited task's whole line ends where that line now ends.
          const lineChanged = !sameRange(old.ranges.line, now.ranges.line);
          const own =
            delta === 0 && !lineChanged
              ? previous.own
              : previous.own.map((d) => {
                  if (d.range.start.line > line) return delta === 0 ? d : { ...d, range: shiftRange(d.range, delta) };
                  return lineChanged && sameRange(d.range, old.ranges.line) ? { ...d, range: now.ranges.line } : d;
                });
          return { plan: withSpec(previous.plan, spec, own), own, reused: true };
        }
      } else if (spec.tasks.every((t, i) => sameForPlanner(before[i] as Task, t) && samePlace(before[i] as Task, t))) {
        return { plan: withSpec(previous.plan, spec, previous.own), own: previous.own, reused: true };
      }
    }
    const { plan, own } = planWithOwnDiagnostics(spec, this.planOptions);
    return { plan, own, reused: false };
  }
}

/** Only the planner's own options, with its defaults filled in, so equal settings compare equal. */
function planOptionsOf(options: PlanOptions): Required<PlanOptions> {
  return {
    maxConcurrent: options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    defaultTaskMinutes: options.defaultTaskMinutes ?? DEFAULT_TASK_MINUTES,
    includeOptional: options.includeOptional ?? false,
  };
}

interface Planned {
  readonly plan: Plan;
  readonly own: readonly Diagnostic[];
  readonly reused: boolean;
}

function withSpec(plan: Plan, spec: Spec, own: readonly Diagnostic[]): Plan {
  const diagnostics = [...spec.diagnostics, ...own].sort(compareDiagnostics);
  return { ...plan, spec, diagnostics, hasErrors: diagnostics.some((d) => d.severity === 'error') };
}

/** Whether the planner would read the two tasks alike (everything but where they are). */
function sameForPlanner(a: Task, b: Task): boolean {
  return (
    a.id === b.id &&
    a.index === b.index &&
    a.check === b.check &&
    a.done === b.done &&
    // Whether a run skips it, and so what the estimate counts.
    a.optional === b.optional &&
    a.parallelRequested === b.parallelRequested &&
    a.separatedFromPrevious === b.separatedFromPrevious &&
    a.estimateMinutes === b.estimateMinutes &&
    a.parentId === b.parentId &&
    a.depth === b.depth &&
    a.risk === b.risk &&
    a.parallelismGroup === b.parallelismGroup &&
    a.phaseIndex === b.phaseIndex &&
    'parallel' in a.fields === 'parallel' in b.fields &&
    sameList(a.declaredDependsOn, b.declaredDependsOn) &&
    a.dependsFrom === b.dependsFrom &&
    sameList(a.files, b.files) &&
    sameList(a.conflictsWith, b.conflictsWith) &&
    sameList(a.childIds, b.childIds) &&
    sameList(a.markers, b.markers, (x: Marker, y: Marker) => x.name === y.name && x.arg === y.arg)
  );
}

/** Whether the ranges the planner's diagnostics point at are the same. */
function samePlace(a: Task, b: Task): boolean {
  return (
    sameRange(a.ranges.line, b.ranges.line) &&
    sameRange(a.ranges.id, b.ranges.id) &&
    sameList(a.markers, b.markers, sameMarkerRange)
  );
}

function sameMarkerRange(a: Marker, b: Marker): boolean {
  return sameRange(a.range, b.range);
}

function sameRange(a: Marker['range'], b: Marker['range']): boolean {
  return (
    a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character
  );
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, same: (x: T, y: T) => boolean = (x, y) => x === y): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as T, b[i] as T)) return false;
  return true;
}
