// Checking off a task in tasks.md by a targeted edit: one checkbox character changes, every other
// byte (line endings, trailing spaces, the user's edits elsewhere) stays as it is. The task is
// found by id in the text as it is now, never by a line number remembered from an earlier parse.

import { matchTaskLine, unwrittenIdTasks } from './parse';
import { cannotCheckOffHeading } from './parse/headingTasks';

export interface CheckOffResult {
  readonly text: string;
  readonly changed: boolean;
  /** 0-based line of the task, when it was found (also when it was already done). */
  readonly line?: number;
  /** When changed: the index in `text` of the one character that changed. */
  readonly offset?: number;
}

/** The id and the checkbox character of a task line: ' ', 'x', 'X', '-', '~', …. The parser decides what
 *  a task line and an id are, so a check-off finds exactly the tasks the run was planned from. */
export function matchTaskCheckboxLine(line: string): { id: string; mark: string; done: boolean; markOffset: number } | undefined {
  const m = matchTaskLine(line);
  if (!m) return undefined;
  return { id: m.id, mark: m.mark, done: m.check === 'done', markOffset: m.checkboxStart + 1 };
}

interface Fence {
  readonly char: string;
  readonly length: number;
}

const FENCE = /^[ \t]*(`{3,}|~{3,})(.*)$/;

/** Yields each line that can hold a task: not in YAML front matter, a fenced code block or an
 *  HTML comment (where authors park examples and retired tasks). */
function* taskCandidateLines(text: string): Generator<{ line: string; start: number; number: number }> {
  let fence: Fence | undefined;
  let inComment = false;
  let inFrontMatter = false;
  let start = 0;
  for (let number = 0; start <= text.length; number++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const f = FENCE.exec(line);
    if (number === 0 && /^\uFEFF?---[ \t]*$/.test(line)) {
      inFrontMatter = true;
    } else if (inFrontMatter) {
      if (/^(---|\.\.\.)[ \t]*$/.test(line)) inFrontMatter = false;
    } else if (fence) {
      if (f?.[1] && f[1][0] === fence.char && f[1].length >= fence.length && (f[2] ?? '').trim() === '') fence = undefined;
    } else if (inComment) {
      if (line.includes('-->')) inComment = false;
    } else if (f?.[1] && !(f[1][0] === '`' && (f[2] ?? '').includes('`'))) {
      fence = { char: f[1][0] ?? '`', length: f[1].length };
    } else if (/^[ \t]*<!--/.test(line)) {
      inComment = !line.slice(line.indexOf('<!--') + 4).includes('-->');
    } else {
      yield { line, start, number };
    }
    if (nl === -1) break;
    start = nl + 1;
  }
}

/** Which letter this file uses for done: spec-kit writes `[X]`, the others `[x]`. */
function doneLetter(text: string, taskId: string): 'x' | 'X' {
  let upper = 0;
  let lower = 0;
  for (const { line } of taskCandidateLines(text)) {
    const t = matchTaskCheckboxLine(line);
    if (t?.mark === 'X') upper++;
    else if (t?.mark === 'x') lower++;
  }
  if (upper !== lower) return upper > lower ? 'X' : 'x';
  // Nothing done yet: spec-kit ids (`T001`) say which convention the file follows.
  return /^T\d+[a-z]?$/.test(taskId) ? 'X' : 'x';
}

/**
 * Flips the checkbox of the first task line whose id is `taskId` to done. Unknown id → unchanged.
 * A task that is already done is left as it is (`changed: false`, `line` set).
 */
export function checkOffTask(text: string, taskId: string): CheckOffResult {
  for (const { line, start, number } of taskCandidateLines(text)) {
    const task = matchTaskCheckboxLine(line);
    if (!task || task.id !== taskId) continue;
    if (task.done) return { text, changed: false, line: number };
    const at = start + task.markOffset;
    const done = doneLetter(text, taskId);
    return { text: text.slice(0, at) + done + text.slice(at + 1), changed: true, line: number, offset: at };
  }
  const task = unwrittenIdTask(text, taskId);
  if (!task) return { text, changed: false };
  if (task.done) return { text, changed: false, line: task.line };
  if (task.at === undefined) throw new Error(task.cannot ?? `task ${taskId} has no checkbox that Ralph can tick`);
  return { text: text.slice(0, task.at) + 'x' + text.slice(task.at + 1), changed: true, line: task.line, offset: task.at };
}

/**
 * A task of a file read by headings or as a checklist without ids (see parse/idless.ts and
 * parse/headingTasks.ts): its id is not written on its line, so the parser's own reading of the
 * text as it is now finds it — by title slug or heading id, never by a remembered line number.
 * `at` is the index in `text` of its box's character.
 */
function unwrittenIdTask(text: string, taskId: string): { line: number; done: boolean; at?: number; cannot?: string } | undefined {
  const task = unwrittenIdTasks(text)?.find((t) => t.id === taskId);
  if (!task) return undefined;
  const cannot = task.state ? cannotCheckOffHeading(taskId, task.state) : undefined;
  if (!task.box) return { line: task.line, done: task.done, ...(cannot !== undefined ? { cannot } : {}) };
  let lineStart = 0;
  for (let n = 0; n < task.box.line; n++) lineStart = text.indexOf('\n', lineStart) + 1;
  return { line: task.line, done: task.done, at: lineStart + task.box.character };
}

/**
 * Puts the checkbox of the first task line whose id is `taskId` back to `mark` (default open,
 * `' '`) when it says done: a check-off whose work did not reach the branch is taken back. A task
 * that is not done, or an unknown id, is left as it is.
 */
export function uncheckTask(text: string, taskId: string, mark = ' '): CheckOffResult {
  for (const { line, start, number } of taskCandidateLines(text)) {
    const task = matchTaskCheckboxLine(line);
    if (!task || task.id !== taskId) continue;
    if (!task.done) return { text, changed: false, line: number };
    const at = start + task.markOffset;
    return { text: text.slice(0, at) + mark + text.slice(at + 1), changed: true, line: number, offset: at };
  }
  const task = unwrittenIdTask(text, taskId);
  // Only a box Ralph could have ticked is taken back; a heading's glyph or status stays as written.
  if (!task || !task.done || task.at === undefined || !isDoneMark(text.charAt(task.at))) return { text, changed: false, ...(task ? { line: task.line } : {}) };
  return { text: text.slice(0, task.at) + mark + text.slice(task.at + 1), changed: true, line: task.line, offset: task.at };
}

function isDoneMark(c: string): boolean {
  return c === 'x' || c === 'X' || c === '\u2713' || c === '\u2714';
}

/** Whether a check-off of the task could be written in `text`: false only for a task whose file
 *  gives it nothing to tick (a heading task without a `- [ ] Done` line, not done). */
export function canCheckOff(text: string, taskId: string): boolean {
  return unwrittenIdTask(text, taskId)?.cannot === undefined;
}

/** Whether the task's line in `text` says done. */
export function taskIsChecked(text: string, taskId: string): boolean {
  for (const { line } of taskCandidateLines(text)) {
    const task = matchTaskCheckboxLine(line);
    if (task?.id === taskId) return task.done;
  }
  return unwrittenIdTask(text, taskId)?.done ?? false;
}
