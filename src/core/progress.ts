// Merging each executor's `.progress-task-<id>.md` into the spec's `.progress.md`. Parallel
// executors never write the shared file themselves (they would race); the run merges their parts
// after a batch, in task order. A merge may be repeated after a crash, so it is idempotent: content
// that is already in `.progress.md` is not added again.

export interface ProgressPart {
  readonly taskId: string;
  /** The part file's text; undefined when the executor never wrote it. */
  readonly text: string | undefined;
}

const COMPLETED = 'completed tasks';
const LEARNINGS = 'learnings';

interface Heading {
  readonly index: number;
  readonly level: number;
  readonly name: string;
}

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const FENCE = /^[ \t]*(`{3,}|~{3,})(.*)$/;

function normalizeName(text: string): string {
  return text
    .replace(/[ \t]+#+$/, '')
    .replace(/:$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

interface Fence {
  readonly char: string;
  readonly length: number;
}

function opensFence(line: string): Fence | undefined {
  const f = FENCE.exec(line);
  if (!f?.[1] || (f[1][0] === '`' && (f[2] ?? '').includes('`'))) return undefined;
  return { char: f[1][0] ?? '`', length: f[1].length };
}

function closesFence(line: string, fence: Fence): boolean {
  const f = FENCE.exec(line);
  return !!f?.[1] && f[1][0] === fence.char && f[1].length >= fence.length && (f[2] ?? '').trim() === '';
}

/** Which lines are inside fenced code, and the fence still open at the end, if any (CommonMark:
 *  an unclosed fence runs to the end of the document). */
function scanFences(lines: readonly string[]): { inCode: boolean[]; openAtEnd: Fence | undefined } {
  const inCode = lines.map(() => false);
  let fence: Fence | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (fence) {
      inCode[i] = true;
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    fence = opensFence(line);
    if (fence) inCode[i] = true;
  }
  return { inCode, openAtEnd: fence };
}

/** Headings outside fenced code blocks. */
function headingsOf(lines: readonly string[]): Heading[] {
  const { inCode } = scanFences(lines);
  const out: Heading[] = [];
  lines.forEach((line, index) => {
    if (inCode[index]) return;
    const h = HEADING.exec(line);
    if (h?.[1]) out.push({ index, level: h[1].length, name: normalizeName(h[2] ?? '') });
  });
  return out;
}

/**
 * Makes a part's text safe to drop into a section: an open fence is closed (else it would swallow
 * the rest of .progress.md), and, where asked, `#`/`##` headings become `###`/`####` so they do not
 * end the section they are put in.
 */
function containBlock(lines: readonly string[], demoteHeadings: boolean): string[] {
  const out: string[] = [];
  let fence: Fence | undefined;
  for (const line of lines) {
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      out.push(line);
      continue;
    }
    fence = opensFence(line);
    const h = fence ? undefined : HEADING.exec(line);
    out.push(demoteHeadings && h?.[1] && h[1].length <= 2 ? `##${line.trimStart()}` : line);
  }
  if (fence) out.push(fence.char.repeat(fence.length));
  return out;
}

interface Section {
  /** Line of the heading. */
  readonly heading: number;
  /** First line after the section (the next heading of the same or a higher level, or the end). */
  readonly end: number;
}

function findSection(lines: readonly string[], name: string): Section | undefined {
  const headings = headingsOf(lines);
  const at = headings.findIndex((h) => h.level <= 2 && h.name === name);
  const h = headings[at];
  if (!h) return undefined;
  const next = headings.slice(at + 1).find((n) => n.level <= h.level);
  return { heading: h.index, end: next ? next.index : lines.length };
}

const isBlank = (line: string): boolean => line.trim() === '';

function trimBlankEnds(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start] ?? '')) start++;
  while (end > start && isBlank(lines[end - 1] ?? '')) end--;
  return lines.slice(start, end);
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Whether `block` occurs as consecutive lines of `lines[from, to)`, ignoring trailing spaces. */
function contains(lines: readonly string[], from: number, to: number, block: readonly string[]): boolean {
  if (block.length === 0) return true;
  const want = block.map((l) => l.trimEnd());
  for (let i = from; i + want.length <= to; i++) {
    if (want.every((w, k) => (lines[i + k] ?? '').trimEnd() === w)) return true;
  }
  return false;
}

/** The content of each recognized section of a part; a part with neither section gives all
 *  of its text as learnings, so notes an agent wrote in its own shape are not lost. */
function sectionsOfPart(text: string): { completed: string[]; learnings: string[] } {
  const lines = splitLines(text);
  const body = (s: Section | undefined): string[] => (s ? trimBlankEnds(lines.slice(s.heading + 1, s.end)) : []);
  const completed = findSection(lines, COMPLETED);
  const learnings = findSection(lines, LEARNINGS);
  if (!completed && !learnings) {
    const all = trimBlankEnds(lines);
    // A lone title line (`# Progress: task 1.2`) says nothing by itself.
    const first = all[0];
    if (first !== undefined && /^#\s/.test(first)) all.shift();
    return { completed: [], learnings: containBlock(trimBlankEnds(all), true) };
  }
  return { completed: containBlock(body(completed), false), learnings: containBlock(body(learnings), true) };
}

/** Splits a list into its items: an item is an unindented line and the indented lines under it.
 *  A block with fenced code stays one item, so a fence is never cut in two. */
function listItems(block: readonly string[]): string[][] {
  if (block.length === 0) return [];
  if (block.some((l) => opensFence(l))) return [[...block]];
  const items: string[][] = [];
  for (const line of block) {
    const last = items[items.length - 1];
    if (last && (isBlank(line) || /^[ \t]/.test(line))) last.push(line);
    else items.push([line]);
  }
  return items.map(trimBlankEnds);
}

/** Index after the last non-blank line of the section's body (the heading when it is empty). */
function endOfContent(lines: readonly string[], s: Section): number {
  let at = s.end;
  while (at > s.heading + 1 && isBlank(lines[at - 1] ?? '')) at--;
  return at;
}

/** Inserts `block` at `at`, keeping a blank line between it and a heading or text that follows. */
function insertAt(lines: string[], at: number, block: readonly string[]): void {
  const next = lines[at];
  const tail = next !== undefined && !isBlank(next) ? [''] : [];
  // Only a fence left open to the end of the file can be open here (sections end at headings
  // outside code); close it so the new text is not code, which is also how it rendered before.
  const open = scanFences(lines.slice(0, at)).openAtEnd;
  const head = open ? [open.char.repeat(open.length)] : [];
  lines.splice(at, 0, ...head, ...block, ...tail);
}

/** Adds a section holding `body` (the heading is added here); before `beforeName`'s section when
 *  that exists, else at the end. */
function createSection(lines: string[], title: string, body: readonly string[], beforeName?: string): void {
  const before = beforeName ? findSection(lines, beforeName) : undefined;
  if (before) {
    const gap = before.heading > 0 && !isBlank(lines[before.heading - 1] ?? '') ? [''] : [];
    insertAt(lines, before.heading, [...gap, title, ...body]);
    return;
  }
  // A fence the user left open would swallow the new section; closing it at the very end keeps
  // how the existing text renders.
  const open = scanFences(lines).openAtEnd;
  if (open) lines.push(open.char.repeat(open.length));
  while (lines.length > 0 && isBlank(lines[lines.length - 1] ?? '')) lines.pop();
  if (lines.length > 0) lines.push('');
  lines.push(title, ...body);
}

export function learningsHeading(taskId: string): string {
  return `### Task ${taskId}`;
}

/**
 * Appends each part's `## Completed Tasks` and `## Learnings` to the same sections of `main`
 * (creating them when absent), in the order of `parts`, each part's learnings under a
 * `### Task <id>` heading. Everything else in `main` is kept as it was. Returns `main` unchanged
 * (byte for byte) when there is nothing new to add.
 */
export function mergeProgress(main: string | undefined, parts: readonly ProgressPart[]): string {
  const original = main ?? '';
  const eol = /\r\n/.test(original) ? '\r\n' : '\n';
  const lines = original === '' ? [] : splitLines(original);
  let changed = false;

  for (const part of parts) {
    if (part.text === undefined || part.text.trim() === '') continue;
    const { completed, learnings } = sectionsOfPart(part.text);

    const fresh: string[] = [];
    for (const item of listItems(completed)) {
      const s = findSection(lines, COMPLETED);
      const present = s ? contains(lines, s.heading + 1, s.end, item) : false;
      if (!present && !contains(fresh, 0, fresh.length, item)) fresh.push(...item);
    }
    if (fresh.length > 0) {
      const s = findSection(lines, COMPLETED);
      if (s) insertAt(lines, endOfContent(lines, s), fresh);
      else createSection(lines, '## Completed Tasks', fresh, LEARNINGS);
      changed = true;
    }

    if (learnings.length > 0) {
      const block = [learningsHeading(part.taskId), '', ...learnings];
      const s = findSection(lines, LEARNINGS);
      if (s && contains(lines, s.heading + 1, s.end, block)) continue;
      if (s) insertAt(lines, endOfContent(lines, s), ['', ...block]);
      else createSection(lines, '## Learnings', ['', ...block]);
      changed = true;
    }
  }

  if (!changed) return original;
  return lines.join(eol) + eol;
}

/** A task Ralph finished, for its line in `## Completed Tasks`. */
export interface CompletedTask {
  readonly taskId: string;
  readonly title: string;
  /** The commit that holds its work, where there is one. */
  readonly commit?: string;
}

/** ralph-specum's completed line: `- [x] 1.2 Title - <commit>` (the plugin cites 7 characters). */
export function completedLine(task: CompletedTask): string {
  const commit = task.commit !== undefined && task.commit !== '' ? ` - ${task.commit.slice(0, 7)}` : '';
  return `- [x] ${task.taskId} ${task.title}${commit}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Puts a completed line for each task into `## Completed Tasks` (created before `## Learnings`
 * when absent), in the order given. A task already listed (the agent's own line, or an earlier
 * run's) is not listed twice; its line is replaced only to add a commit it lacks. Returns `main`
 * unchanged (byte for byte) when there is nothing to add.
 */
export function noteCompletedTasks(main: string | undefined, tasks: readonly CompletedTask[]): string {
  const original = main ?? '';
  const eol = /\r\n/.test(original) ? '\r\n' : '\n';
  const lines = original === '' ? [] : splitLines(original);
  let changed = false;
  for (const task of tasks) {
    const line = completedLine(task);
    const s = findSection(lines, COMPLETED);
    if (!s) {
      createSection(lines, '## Completed Tasks', [line], LEARNINGS);
      changed = true;
      continue;
    }
    const { inCode } = scanFences(lines);
    const listed = new RegExp(`^- \\[[xX]\\] ${escapeRegExp(task.taskId)}(?=\\s|$)`);
    let at = -1;
    for (let i = s.heading + 1; i < s.end; i++) {
      if (!inCode[i] && listed.test(lines[i] ?? '')) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      insertAt(lines, endOfContent(lines, s), [line]);
      changed = true;
    } else if (task.commit !== undefined && task.commit !== '' && !(lines[at] ?? '').includes(task.commit.slice(0, 7))) {
      lines[at] = line;
      changed = true;
    }
  }
  if (!changed) return original;
  return lines.join(eol) + eol;
}
