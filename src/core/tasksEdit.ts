// Checking off a task in tasks.md by a targeted edit: one checkbox character changes, every other
// byte (line endings, trailing spaces, the user's edits elsewhere) stays as it is. The task is
// found by id in the text as it is now, never by a line number remembered from an earlier parse.

export interface CheckOffResult {
  readonly text: string;
  readonly changed: boolean;
  /** 0-based line of the task, when it was found (also when it was already done). */
  readonly line?: number;
}

/** A task's checkbox line, as far as checking it off needs to know. */
export interface TaskCheckboxLine {
  readonly id: string;
  /** The character between the brackets: ' ', 'x', 'X' or '-'. */
  readonly mark: string;
  /** Offset of that character within the line. */
  readonly markOffset: number;
}

// `- [ ] 1.2 [P] Title`, `* [x] T014 …`, `1. [-] 2.1 …`, Kiro's `- [ ]* 2.2 …`, `- [ ] **1.3** …`.
const TASK_LINE = /^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX-])\]\*?[ \t]+(\S+)/;

export function matchTaskCheckboxLine(line: string): TaskCheckboxLine | undefined {
  const m = TASK_LINE.exec(line);
  if (!m) return undefined;
  const indent = m[1] ?? '';
  const mark = m[2] ?? ' ';
  let id = m[3] ?? '';
  const bold = /^\*\*(.+?)\*\*[.:]?$/.exec(id);
  if (bold?.[1]) id = bold[1];
  // Kiro numbers top-level tasks `1.`; the id is `1`.
  id = id.replace(/[.:]$/, '');
  if (id === '') return undefined;
  return { id, mark, markOffset: line.indexOf('[', indent.length) + 1 };
}

interface Fence {
  readonly char: string;
  readonly length: number;
}

const FENCE = /^[ \t]*(`{3,}|~{3,})(.*)$/;

/** Yields each line outside fenced code blocks with its start offset and 0-based number. */
function* linesOutsideCode(text: string): Generator<{ line: string; start: number; number: number }> {
  let fence: Fence | undefined;
  let start = 0;
  for (let number = 0; start <= text.length; number++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const f = FENCE.exec(line);
    if (fence) {
      if (f?.[1] && f[1][0] === fence.char && f[1].length >= fence.length && (f[2] ?? '').trim() === '') fence = undefined;
    } else if (f?.[1] && !(f[1][0] === '`' && (f[2] ?? '').includes('`'))) {
      fence = { char: f[1][0] ?? '`', length: f[1].length };
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
  for (const { line } of linesOutsideCode(text)) {
    const t = matchTaskCheckboxLine(line);
    if (t?.mark === 'X') upper++;
    else if (t?.mark === 'x') lower++;
  }
  if (upper !== lower) return upper > lower ? 'X' : 'x';
  // Nothing done yet: spec-kit ids (`T001`) say which convention the file follows.
  return /^T\d+$/.test(taskId) ? 'X' : 'x';
}

/**
 * Flips the checkbox of the first task line whose id is `taskId` to done. Unknown id → unchanged.
 * A task that is already done is left as it is (`changed: false`, `line` set).
 */
export function checkOffTask(text: string, taskId: string): CheckOffResult {
  for (const { line, start, number } of linesOutsideCode(text)) {
    // A byte order mark belongs to the file, not to the first line's indentation.
    const bom = number === 0 && line.charCodeAt(0) === 0xfeff ? 1 : 0;
    const task = matchTaskCheckboxLine(bom ? line.slice(1) : line);
    if (!task || task.id !== taskId) continue;
    if (task.mark === 'x' || task.mark === 'X') return { text, changed: false, line: number };
    const at = start + bom + task.markOffset;
    const done = doneLetter(text, taskId);
    return { text: text.slice(0, at) + done + text.slice(at + 1), changed: true, line: number };
  }
  return { text, changed: false };
}
