// Which reading of a tasks.md holds: its list items with task ids (the formats' own shape); in a
// file without any, its task headings (headingTasks.ts); then its id-less checkbox items
// (idless.ts). The first reading that finds a task wins, so a file is never read two ways at once;
// a file where none finds one gets the error that says why (noTasks.ts). The line scan itself is
// lineScan.ts's, run once per reading tried.

import type { Diagnostic } from '../model';
import { headingTaskState, matchTaskHeading, saysTask, uncheckableHeadingsWarning, type HeadingTaskState } from './headingTasks';
import { ignoredCheckboxesWarning, IdlessReader } from './idless';
import type { ScanResult, TaskDraft, TaskReading } from './scanTypes';
import { noTasksDiagnostic } from './noTasks';

export type Reading = 'ids' | 'headings' | 'checklist';

/** `scan(reading)` scans the whole file with that reading; without one, by ids. */
export function scanTasks(lines: readonly string[], scan: (reading?: TaskReading) => ScanResult): ScanResult & { reading: Reading } {
  const byId = scan();
  if (byId.drafts.length > 0 || byId.tooDeep) return { ...byId, reading: 'ids' };
  let headings = readHeadings(lines, scan, true);
  // `### 1.1 Backend` over `- [ ] Create the user model` items numbers a section of a checklist:
  // in a file where no heading says Task and such a heading holds checkbox items, the items are
  // the tasks. Beside `### Task 1.1` headings, `### 1.2` is a task and its items are its steps.
  const { drafts } = headings;
  if (!drafts.some((d) => saysTask(lines[d.line] ?? '', d.match)) && drafts.some((d) => (d.heading?.state?.steps ?? 0) > 0)) {
    headings = readHeadings(lines, scan, false);
  }
  if (headings.drafts.length > 0) return { ...headings, reading: 'headings' };
  const idless = new IdlessReader();
  const checklist = scan({ item: (line) => idless.read(line) });
  if (checklist.drafts.length > 0) return { ...checklist, reading: 'checklist' };
  return { ...byId, reading: 'ids' };
}

function readHeadings(lines: readonly string[], scan: (reading?: TaskReading) => ScanResult, bare: boolean): ScanResult {
  const headings = scan({ item: () => undefined, heading: (level, line) => matchTaskHeading(level, line, bare) });
  const drafts = headings.drafts.map((d): TaskDraft => {
    const state = headingTaskState(d.match, d.bodyLines, lines);
    return { ...d, match: { ...d.match, check: state.check, mark: state.mark }, heading: { level: d.heading?.level ?? 2, state } };
  });
  return { ...headings, drafts };
}

/** What the reading has to tell the author: no task at all, id-less boxes a file with ids leaves
 *  out, heading tasks whose check-off cannot be written. */
export function readingDiagnostics(
  drafts: readonly TaskDraft[],
  reading: Reading,
  ignoredBoxes: readonly number[],
  lines: readonly string[],
  first: number,
  diagnostics: Diagnostic[],
): void {
  let found: Diagnostic | undefined;
  if (drafts.length === 0) found = noTasksDiagnostic(lines, first);
  else if (reading === 'ids') found = ignoredCheckboxesWarning(ignoredBoxes, lines);
  else if (reading === 'headings') {
    const tasks = drafts.flatMap((d) => (d.heading?.state ? [{ id: d.match.id, line: d.line, state: d.heading.state }] : []));
    found = uncheckableHeadingsWarning(tasks, lines);
  }
  if (found) diagnostics.push(found);
}

/** A task whose id is not written on its line as such, and where a check-off ticks it. */
export interface UnwrittenIdTask {
  readonly id: string;
  readonly line: number;
  readonly done: boolean;
  /** The box's character: on the task's line for a checklist item, the `- [ ] Done` line of a
   *  heading task; absent for a heading task without one. */
  readonly box?: { readonly line: number; readonly character: number };
  readonly state?: HeadingTaskState;
}

export function checkOffPlaces(drafts: readonly TaskDraft[]): UnwrittenIdTask[] {
  return drafts.map((d) => {
    const state = d.heading?.state;
    const box = state ? state.doneBox && { line: state.doneBox.line, character: state.doneBox.offset } : { line: d.line, character: d.match.checkboxStart + 1 };
    return { id: d.match.id, line: d.line, done: d.match.check === 'done', ...(box ? { box } : {}), ...(state ? { state } : {}) };
  });
}
