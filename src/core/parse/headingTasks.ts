// Tasks written as headings: `### Task 1.1: Create the user model` (also `## Task 2 — Title`,
// `#### Task T3:`, and at level 3 or deeper a bare dotted id, `### 1.1 Title`), with their body
// (`**Do**`, `**Files**`, `**Verify**`, …) below, up to the next heading of the same or a higher
// level or the next task heading. Read only in a file whose list items carry no task ids.
//
// Whether such a task is done, first match wins:
//   1. a done glyph or tag in the heading: `### Task 1.1: Title ✅`, `… (done)`, `… [x]`;
//   2. a `- [ ] Done` checkbox line in its body (also `Complete`, `Completed`, `Finished`);
//   3. a status field in its body: `**Status**: done` (`complete`, `✅`; `in progress`, `wip`);
//   4. its body's checkboxes, all ticked.
// A check-off is a one-character edit, so Ralph ticks only form 2; a task without that line can
// be planned and run, and its check-off says what to add.

import type { CheckState, Diagnostic } from '../model';
import { range } from '../model';
import { matchCheckboxItem } from './idless';
import { checkStateOf, type TaskLineMatch } from './taskLine';

const GLYPHS = String.raw`[\p{Extended_Pictographic}\p{So}\uFE0E\uFE0F\u200D \t]*`;
const ID = String.raw`\d+(?:\.\d+)*[a-wyz]?|[A-Z]{1,3}\d+(?:\.\d+)*[a-wyz]?`;
// `Task 1.1: Title`, `Task 2 - Title`, `Task 3.` — at any level from 2.
const TASK_WORD = new RegExp(String.raw`^${GLYPHS}(?:\[[ xX]\][ \t]*)?Task[ \t]+(${ID})(?=[.:)]|[ \t]|$)`, 'iu');
// `1.1 Title`, `2.3. Title` — level 3 and deeper, two segments at least (`## 1. Intro` is a section).
const BARE_ID = new RegExp(String.raw`^${GLYPHS}(\d+(?:\.\d+)+[a-wyz]?)\.?(?=[ \t:]|$)`, 'u');
const DONE_IN_HEADING = /[\u2705\u2714\u2713\u2611]|\[[xX]\]|\((?:done|complete|completed|finished)\)/i;
const DONE_BOX_TEXT = /^(?:\*\*|__)?(?:done|complete|completed|finished)(?:\*\*|__)?[.!]?\s*$/i;
const STATUS = /^[ \t]*(?:[-*+][ \t]+)?(?:\*\*Status\*\*[ \t]*:|\*\*Status:\*\*|__Status__[ \t]*:|_Status:|Status[ \t]*:)[ \t]*(.*)$/i;

/** A task heading's id and where it sits in the heading line; undefined for any other heading.
 *  `bare`: whether `### 1.1 Title`, without the word Task, is one. */
export function matchTaskHeading(level: number, line: string, bare = true): TaskLineMatch | undefined {
  if (level < 2) return undefined;
  const hashes = /^[ \t]*#+[ \t]*/.exec(line);
  if (!hashes) return undefined;
  const text = line.slice(hashes[0].length);
  const m = TASK_WORD.exec(text) ?? (bare && level >= 3 ? BARE_ID.exec(text) : null);
  const id = m?.[1];
  if (!m || id === undefined) return undefined;
  const idEnd = hashes[0].length + m[0].length;
  const done = DONE_IN_HEADING.test(text);
  return {
    id,
    check: done ? 'done' : 'todo',
    mark: done ? 'x' : ' ',
    optional: false,
    idStart: idEnd - id.length,
    idEnd,
    // No box on a heading: the `#` run stands in for it.
    checkboxStart: hashes[0].indexOf('#'),
  };
}

/** `- Create the user model ✅ ##` → `Create the user model`: the title without what separates it
 *  from the id, its done glyphs and tags, and a closing `#` run. */
export function headingTitle(text: string): string {
  // By hand: `/[ \t]+#+[ \t]*$/` retries every blank of a long run that does not end the line.
  let title = text.trimEnd();
  let start = title.length;
  while (start > 0 && title.charAt(start - 1) === '#') start--;
  if (start < title.length && /[ \t]/.test(title.charAt(start - 1))) title = title.slice(0, start);
  return title
    .replace(new RegExp(DONE_IN_HEADING.source, 'giu'), '')
    .replace(/^[ \t]*[-\u2013\u2014:][ \t]*/, '')
    .replace(/[\uFE0E\uFE0F]/g, '')
    .trim();
}

/** What a heading task's own lines say about it: its state, and the `- [ ] Done` box that a
 *  check-off ticks, when there is one. */
export interface HeadingTaskState {
  readonly check: CheckState;
  readonly mark: string;
  /** Line and offset in it of the box's character. */
  readonly doneBox?: { readonly line: number; readonly offset: number };
  /** Checkbox items of its body other than the Done line. */
  readonly steps: number;
}

/** Whether a task heading has the word Task (`### Task 1.1`), not only a number (`### 1.1`). */
export function saysTask(line: string, match: TaskLineMatch): boolean {
  return /task/i.test(line.slice(0, match.idStart));
}

export function headingTaskState(heading: TaskLineMatch, bodyLines: readonly number[], lines: readonly string[]): HeadingTaskState {
  let doneBox: { line: number; offset: number; mark: string } | undefined;
  let status: string | undefined;
  let boxes = 0;
  let ticked = 0;
  for (const n of bodyLines) {
    const line = lines[n] ?? '';
    const item = matchCheckboxItem(line);
    if (item) {
      if (!doneBox && DONE_BOX_TEXT.test(line.slice(item.textStart))) doneBox = { line: n, offset: item.checkboxStart + 1, mark: item.mark };
      else {
        boxes++;
        if (checkStateOf(item.mark) === 'done') ticked++;
      }
      continue;
    }
    if (status === undefined) status = STATUS.exec(line)?.[1]?.trim();
  }
  const box = { steps: boxes, ...(doneBox ? { doneBox: { line: doneBox.line, offset: doneBox.offset } } : {}) };
  if (heading.check === 'done') return { check: 'done', mark: heading.mark, ...box };
  if (doneBox) return { check: checkStateOf(doneBox.mark), mark: doneBox.mark, ...box };
  if (status !== undefined) {
    const check = statusState(status);
    return { check, mark: check === 'done' ? 'x' : check === 'todo' ? ' ' : '~', ...box };
  }
  if (boxes > 0 && ticked === boxes) return { check: 'done', mark: 'x', ...box };
  return { check: 'todo', mark: ' ', ...box };
}

function statusState(value: string): CheckState {
  const v = value.replace(/[*_`]/g, '').trim().toLowerCase();
  if (/^(?:[\u2705\u2714\u2713\u2611]|done\b|complete|finished|closed\b)/u.test(v)) return 'done';
  if (/^(?:in[ -]?progress|wip\b|started\b|doing\b|ongoing\b|\u{1F6A7})/u.test(v)) return 'in-progress';
  return 'todo';
}

/** Why a heading task's check-off cannot be written, or undefined when it can. */
export function cannotCheckOffHeading(id: string, state: HeadingTaskState): string | undefined {
  if (state.doneBox || state.check === 'done') return undefined;
  return `task ${id} is a heading without a "- [ ] Done" line under it, so Ralph cannot check it off: add that line below the heading (Ralph ticks it), or mark the task done by hand`;
}

/** One warning for the heading tasks that are not done and have no `- [ ] Done` line: they run,
 *  and their check-offs will fail, which is better told before the run than after it. */
export function uncheckableHeadingsWarning(tasks: readonly { id: string; line: number; state: HeadingTaskState }[], lines: readonly string[]): Diagnostic | undefined {
  const open = tasks.filter((t) => cannotCheckOffHeading(t.id, t.state) !== undefined);
  const first = open[0];
  if (!first) return undefined;
  const ids = open.slice(0, 5).map((t) => t.id).join(', ') + (open.length > 5 ? ` and ${open.length - 5} more` : '');
  return {
    severity: 'warning',
    code: 'cannot-check-off',
    message:
      `${open.length === 1 ? `Task ${ids} is a heading` : `Tasks ${ids} are headings`} without a "- [ ] Done" line: ` +
      `Ralph runs ${open.length === 1 ? 'it' : 'them'} but cannot check ${open.length === 1 ? 'it' : 'them'} off. ` +
      'Add "- [ ] Done" under each task heading, and Ralph ticks it when the task is done',
    range: range(first.line, 0, first.line, (lines[first.line] ?? '').length),
    taskId: first.id,
  };
}
