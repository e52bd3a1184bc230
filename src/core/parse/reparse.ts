// The incremental re-parse: after an edit inside the block of one top-level task (its body, or
// its task line with the same id and checkbox), that block alone is scanned and built again and the
// rest of the last parse is kept, shifted by the lines the edit added or removed. It decides when
// that gives what a full parse would, and answers undefined otherwise (sub-tasks, a block boundary
// that moved, an unclosed front matter, a heading or checklist reading): then the caller parses the
// whole text (parseMarkdownLayout).

import type { Diagnostic, Range, Spec, Task } from '../model';
import { compareDiagnostics, range } from '../model';
import { BlockCache } from './blockBody';
import { unclosedFrontMatter } from './frontMatter';
import { keepFlatParent } from './kiroNesting';
import { scanBlocks } from './lineScan';
import type { TaskDraft } from './scanTypes';
import { buildTask } from './taskBuilder';
import { readBodies } from './taskBody';

/** A parsed tasks.md with what an incremental re-parse needs to know about its layout. */
export interface MarkdownLayout {
  readonly spec: Spec;
  readonly lines: readonly string[];
  /** Per task: whether nothing (no list item, no task) was open when its task line came, so its
   *  block ends at the first line that closes it and the scan after that line does not depend on
   *  what the block held. */
  readonly topLevel: readonly boolean[];
}

/** Where two versions of a document differ, in lines: lines before `first` are equal, and so are
 *  the lines after `lastOld` in the old version and after `lastNew` in the new one. */
export interface LineChange {
  readonly first: number;
  readonly lastOld: number;
  readonly lastNew: number;
}

export function changedLines(before: readonly string[], after: readonly string[]): LineChange {
  const shorter = Math.min(before.length, after.length);
  let first = 0;
  while (first < shorter && before[first] === after[first]) first++;
  let lastOld = before.length - 1;
  let lastNew = after.length - 1;
  while (lastOld >= first && lastNew >= first && before[lastOld] === after[lastNew]) {
    lastOld--;
    lastNew--;
  }
  return { first, lastOld, lastNew };
}

/**
 * The layout of `text` when it differs from `previous` only inside the block of one task (its body,
 * or its task line with the same id and checkbox), read by re-parsing that one block; undefined
 * when the edit could reach further (sub-tasks, a block boundary that moved, an unclosed front
 * matter), and the whole text must be parsed. The task must be top-level (nothing open before its
 * line): then the scan after the line that closes its block does not depend on the block, and
 * re-scanning the block in the old and the new text shows whether that line is still the same one.
 */
export function reparseTaskBlock(
  previous: MarkdownLayout,
  text: string,
  lines: readonly string[],
  change: LineChange,
  options: { readonly cache?: BlockCache },
): { layout: MarkdownLayout; taskIndex: number } | undefined {
  const { spec } = previous;
  const { tasks } = spec;
  if (change.first >= previous.lines.length && change.first >= lines.length) return undefined;
  // The last task whose line lies above the change, or on its first line.
  let lo = 0;
  let hi = tasks.length - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((tasks[mid] as Task).ranges.line.start.line <= change.first) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const old = tasks[k];
  if (!old || !previous.topLevel[k] || old.childIds.length > 0) return undefined;
  if (unclosedFrontMatter(previous.lines)) return undefined;
  const taskLine = old.ranges.line.start.line;
  const before = scanBlocks(previous.lines, taskLine, true);
  if (before.drafts.length !== 1 || before.end <= change.lastOld || before.tooDeep) return undefined;
  const delta = lines.length - previous.lines.length;
  const after = scanBlocks(lines, taskLine, true);
  const local = after.drafts[0];
  if (!local || after.drafts.length !== 1 || after.end !== before.end + delta || after.tooDeep) return undefined;
  // With nothing open after the closing line the paragraph state it met should not matter; it is
  // compared anyway, as the cheapest way to be sure.
  if (before.end < previous.lines.length && after.paragraphOpenAtEnd !== before.paragraphOpenAtEnd) return undefined;
  // An edited task line must still be this task's line: same id and checkbox (which the format
  // and every other task's reading of ids depend on).
  const { match } = local;
  if (local.line !== taskLine || match.id !== old.id || match.check !== old.check || match.optional !== old.optional) return undefined;

  // What the local scan could not know comes from the old task: everything above its task line
  // is unchanged.
  const draft: TaskDraft = {
    ...local,
    separated: old.separatedFromPrevious,
    ...(old.phaseIndex !== undefined ? { phaseIndex: old.phaseIndex } : {}),
  };
  const cache = options.cache ?? new BlockCache();
  const read = readBodies([draft], lines, text, cache)[0];
  if (!read) return undefined;
  const { body, parsed } = read;
  const ownDiagnostics: Diagnostic[] = [];
  const task = keepFlatParent(buildTask(draft, k, lines, spec.format, body, parsed, ownDiagnostics), old);

  const oldLast = old.ranges.block.end.line;
  const newTasks = tasks.slice();
  newTasks[k] = task;
  let phases = spec.phases;
  const diagnostics: Diagnostic[] = [];
  for (const d of spec.diagnostics) {
    const line = d.range.start.line;
    if (line < taskLine) diagnostics.push(d);
    else if (line > oldLast) diagnostics.push(delta === 0 ? d : { ...d, range: shiftRange(d.range, delta) });
  }
  for (const d of ownDiagnostics) diagnostics.push(d);
  diagnostics.sort(compareDiagnostics);
  if (delta !== 0) {
    for (let i = k + 1; i < newTasks.length; i++) newTasks[i] = shiftTask(tasks[i] as Task, delta);
    phases = spec.phases.map((p) => (p.range.start.line > taskLine ? { ...p, range: shiftRange(p.range, delta) } : p));
  }
  return {
    layout: { spec: { ...spec, phases, tasks: newTasks, diagnostics, lineCount: lines.length }, lines, topLevel: previous.topLevel },
    taskIndex: k,
  };
}

export function shiftRange(r: Range, delta: number): Range {
  return range(r.start.line + delta, r.start.character, r.end.line + delta, r.end.character);
}

function shiftTask(task: Task, delta: number): Task {
  const { ranges } = task;
  return {
    ...task,
    markers: task.markers.map((m) => ({ ...m, range: shiftRange(m.range, delta) })),
    ranges: {
      line: shiftRange(ranges.line, delta),
      checkbox: shiftRange(ranges.checkbox, delta),
      id: shiftRange(ranges.id, delta),
      block: shiftRange(ranges.block, delta),
    },
  };
}
