// tasks.md → Spec. One linear pass over the lines finds the task blocks (respecting fences, HTML
// comments, indented code, list nesting and lazy continuation lines); each block's body then goes
// to remark on its own, through the BlockCache.

import type { Diagnostic, Phase, Range, Spec, SpecFormat, Task } from '../model';
import { compareDiagnostics, range } from '../model';
import { BlockCache } from './blockBody';
import { detectFormat } from './detectFormat';
import { frontMatterEnd, readFrontMatter, unclosedFrontMatter } from './frontMatter';
import { attachFlatSubtasks, keepFlatParent } from './kiroNesting';
import { matchCheckboxItem } from './idless';
import { checkOffPlaces, headingDraft, readingDiagnostics, scanTasks, type UnwrittenIdTask } from './readings';
import { containerPrefixDepth, MAX_NESTING_DEPTH } from './limits';
import { keepPhases } from './phases';
import { matchTaskLine } from './taskLine';
import type { ScanResult, TaskDraft, TaskReading } from './scanTypes';
import { buildTask } from './taskBuilder';
import { readBodies, type TaskBodyRead } from './taskBody';
import { trimEndOf, trimEndSpaceTab } from './values';

export type { ScanResult, TaskDraft, TaskReading };

export interface ParseSpecOptions {
  readonly path: string;
  readonly format?: SpecFormat;
  readonly cache?: BlockCache;
}

/** A list item that is still open while scanning: later lines indented to its content column
 *  belong to it. */
interface OpenItem {
  readonly contentCol: number;
  readonly task?: TaskDraft;
}


const BY_ID: TaskReading = { item: matchTaskLine };

const LIST_ITEM = /^\uFEFF?([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+|$)/;
// The text keeps its trailing blanks (cut by hand below): a lazy `(.*?)` before `[ \t]*$` tried
// every blank of a long run against the rest of the line.
const HEADING = /^(#{1,6})(?:[ \t]+(.*))?$/;
const THEMATIC = /^([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE_OPEN = /^(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
// - * + # ` ~ _ > <  (digits are checked apart: ordered list items)
const BLOCK_LEAD = new Set([45, 42, 43, 35, 96, 126, 95, 62, 60]);
// A bullet without a checkbox that starts with a field label: `- **Files**: …`, `- **Files:** …`,
// `- _Requirements: …_`.
const FIELD_BULLET = /^(\uFEFF?[ \t]*[-*+][ \t]+)(?:\*\*([A-Za-z][A-Za-z ]{0,30}?)[ \t]*(?:\*\*[ \t]*:|:[ \t]*\*\*)|_([A-Za-z][A-Za-z ]{0,30}?)[ \t]*:)/;
/** The labels Ralph reads from a task body. */
const FIELD_LABELS: ReadonlySet<string> = new Set([
  'do', 'files', 'done when', 'verify', 'commit', 'requirements', 'design',
  'depends', 'depends on', 'dependencies', 'estimate', 'estimated', 'est', 'parallel',
]);
const fieldLabel = (m: RegExpExecArray): string => (m[2] ?? m[3] ?? '').trim().toLowerCase();

export function parseMarkdownSpec(text: string, options: ParseSpecOptions): Spec {
  return parseMarkdownLayout(text, options).spec;
}

/** A parsed tasks.md with what an incremental re-parse needs to know about its layout. */
export interface MarkdownLayout {
  readonly spec: Spec;
  readonly lines: readonly string[];
  /** Per task: whether nothing (no list item, no task) was open when its task line came, so its
   *  block ends at the first line that closes it and the scan after that line does not depend on
   *  what the block held. */
  readonly topLevel: readonly boolean[];
}

export function splitLines(text: string): string[] {
  return text.includes('\r') ? text.split(/\r?\n/) : text.split('\n');
}

export function parseMarkdownLayout(text: string, options: ParseSpecOptions, knownLines?: readonly string[]): MarkdownLayout {
  const lines = knownLines ?? splitLines(text);
  const cache = options.cache ?? new BlockCache();
  const diagnostics: Diagnostic[] = [];
  let frontMatter: Record<string, unknown> | undefined;

  let first = 0;
  const fm = frontMatterEnd(lines);
  if (fm !== undefined) {
    frontMatter = readFrontMatter(lines, fm, diagnostics);
    first = fm + 1;
  }
  const { drafts, phases: headings, title, tooDeep, reading, ignoredBoxes } = scanTasks(lines, (r) => scanBlocks(lines, first, false, r));
  if (tooDeep) {
    // Nothing of the file is read: its bodies would go to remark, whose cost and stack grow with
    // the depth, and a partial list of tasks would run what the author did not ask for.
    diagnostics.push({
      severity: 'error',
      code: 'malformed-input',
      message: `Lists or block quotes nested ${tooDeep.depth} levels deep; Ralph reads at most ${MAX_NESTING_DEPTH}`,
      range: range(tooDeep.line, 0, tooDeep.line, (lines[tooDeep.line] ?? '').length),
    });
    const spec: Spec = { path: options.path, format: options.format ?? 'ralph-specum', phases: [], tasks: [], diagnostics, lineCount: lines.length };
    return { spec, lines, topLevel: [] };
  }

  readingDiagnostics(drafts, reading, ignoredBoxes, lines, first, diagnostics);
  const format = options.format ?? detectFormat(drafts);
  const bodies = readBodies(drafts, lines, text, cache);
  const { phases, indexOf } = keepPhases(headings, drafts.map((d) => d.phaseIndex));
  const built = drafts.map((draft, index) => {
    const { body, parsed } = bodies[index] as TaskBodyRead;
    const task = buildTask(draft, index, lines, format, body, parsed, diagnostics);
    const phaseIndex = task.phaseIndex === undefined ? undefined : indexOf(task.phaseIndex);
    return phaseIndex === task.phaseIndex ? task : { ...task, phaseIndex };
  });
  const tasks = format === 'kiro' ? attachFlatSubtasks(built) : built;
  diagnostics.sort(compareDiagnostics);
  const spec: Spec = {
    path: options.path,
    format,
    ...(frontMatter ? { frontMatter } : {}),
    ...(title !== undefined ? { title } : {}),
    phases,
    tasks,
    diagnostics,
    lineCount: lines.length,
  };
  // A task of a heading or checklist reading is never re-read alone: its id or reading may depend
  // on lines outside its block.
  return { spec, lines, topLevel: drafts.map((d) => reading === 'ids' && d.topLevel) };
}

/** Where a check-off ticks each task of a file read by headings or as a checklist; undefined for a
 *  file whose tasks have ids, which the check-off finds by id on their own lines. */
export function unwrittenIdTasks(text: string): readonly UnwrittenIdTask[] | undefined {
  const lines = splitLines(text);
  const fm = frontMatterEnd(lines);
  const first = fm === undefined ? 0 : fm + 1;
  const { drafts, reading } = scanTasks(lines, (r) => scanBlocks(lines, first, false, r));
  return reading === 'ids' ? undefined : checkOffPlaces(drafts);
}


/**
 * The line scan, from `first` with nothing open. A local scan starts on a task line and stops at
 * the line that closes every open item: with nothing open before the task line, what follows that
 * line does not depend on the lines in between.
 */
function scanBlocks(lines: readonly string[], first: number, local: boolean, reading: TaskReading = BY_ID): ScanResult {
  const phases: Phase[] = [];
  const ignoredBoxes: number[] = [];
  // Task headings still open, outermost first: a deeper one is a sub-task of the one above.
  const openHeadings: TaskDraft[] = [];
  let title: string | undefined;
  const drafts: TaskDraft[] = [];
  const stack: OpenItem[] = [];
  // Per task depth: whether a task was seen at that depth (under the current parent), and
  // whether something other than a task came since.
  const seenAtDepth: boolean[] = [];
  const separatorAtDepth: boolean[] = [];
  let fence: { char: string; length: number } | undefined;
  let inComment = false;
  let paragraphOpen = false;
  let phaseIndex: number | undefined;

  const nearestTask = (): TaskDraft | undefined => {
    for (let k = stack.length - 1; k >= 0; k--) {
      const task = stack[k]?.task;
      if (task) return task;
    }
    return undefined;
  };
  const extendOpenTasks = (line: number) => {
    for (const item of stack) if (item.task) item.task.lastLine = line;
  };
  const belongs = (line: number, separates: boolean) => {
    const owner = nearestTask();
    if (owner) {
      owner.bodyLines.push(line);
      extendOpenTasks(line);
    }
    if (separates) separatorAtDepth[owner ? owner.depth + 1 : 0] = true;
  };

  for (let i = first; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (fence) {
      belongs(i, false);
      const close = FENCE_CLOSE.exec(line);
      if (close && close[1]?.[0] === fence.char && (close[1]?.length ?? 0) >= fence.length) fence = undefined;
      continue;
    }
    if (inComment) {
      belongs(i, false);
      if (line.includes('-->')) inComment = false;
      continue;
    }
    // Leading whitespace as a column (tabs to multiples of 4) and as characters; inlined
    // because this loop runs on every line of large files.
    let col = 0;
    let chars = 0;
    for (; chars < line.length; chars++) {
      const c = line.charCodeAt(chars);
      if (c === 32) col++;
      else if (c === 9) col = (Math.floor(col / 4) + 1) * 4;
      else if (c !== 0xfeff) break;
    }
    if (chars === line.length) {
      paragraphOpen = false;
      continue;
    }
    // Most lines are plain text; only these first characters can start another kind of block.
    const lead = line.charCodeAt(chars);
    const mayStartBlock = BLOCK_LEAD.has(lead) || (lead >= 48 && lead <= 57);
    const rest = mayStartBlock ? line.slice(chars) : '';
    const top = stack[stack.length - 1];
    if (top && col < top.contentCol) {
      if (paragraphOpen && !(mayStartBlock && startsBlock(line, rest))) {
        // A lazy continuation line: still the open paragraph of the innermost item.
        belongs(i, true);
        continue;
      }
      const owner = nearestTask();
      if (owner && col === owner.markerCol && owner.firstChildLine === undefined && (lead === 45 || lead === 42 || lead === 43)) {
        const field = FIELD_BULLET.exec(line);
        if (field && FIELD_LABELS.has(fieldLabel(field))) {
          // `- **Files**: …` at the task's own indentation, right below it: the author's field,
          // not a list of its own (it would lose the field and end the `[P]` run).
          while (stack.length && stack[stack.length - 1]?.task !== owner) stack.pop();
          belongs(i, false);
          const markerEndCol = col + 1;
          const spacing = columnAt(line, (field[1] ?? '').length) - markerEndCol;
          stack.push({ contentCol: markerEndCol + (spacing > 4 ? 1 : spacing) });
          paragraphOpen = true;
          continue;
        }
      }
      while (stack.length && col < (stack[stack.length - 1]?.contentCol ?? 0)) stack.pop();
      if (local && stack.length === 0) return { drafts, phases, title, end: i, paragraphOpenAtEnd: paragraphOpen, ignoredBoxes };
    }
    const parentContent = stack[stack.length - 1]?.contentCol ?? 0;
    if (col - parentContent >= 4 || !mayStartBlock) {
      // Indented code, the continuation of a paragraph, or a paragraph: never a task line.
      belongs(i, true);
      if (col - parentContent < 4) paragraphOpen = true;
      continue;
    }
    if (lead === 62) {
      const depth = stack.length + containerPrefixDepth(line, chars);
      if (depth > MAX_NESTING_DEPTH) return { drafts, phases, title, end: i, paragraphOpenAtEnd: paragraphOpen, tooDeep: { line: i, depth }, ignoredBoxes };
    }

    const fenceOpen = lead === 96 || lead === 126 ? FENCE_OPEN.exec(rest) : null;
    if (fenceOpen && !(fenceOpen[1]?.[0] === '`' && (fenceOpen[2] ?? '').includes('`'))) {
      belongs(i, true);
      fence = { char: fenceOpen[1]?.[0] ?? '`', length: fenceOpen[1]?.length ?? 3 };
      paragraphOpen = false;
      continue;
    }
    if (lead === 60 && rest.startsWith('<!--')) {
      belongs(i, false);
      if (!rest.slice(4).includes('-->')) inComment = true;
      paragraphOpen = false;
      continue;
    }
    const heading = lead === 35 ? HEADING.exec(rest) : null;
    if (heading) {
      const level = heading[1]?.length ?? 1;
      const taskHeading = reading.heading?.(level, line);
      if (reading.heading && stack.length === 1 && stack[0]?.task?.heading) {
        // A heading task's body ends at the next task heading or a heading as high as its own.
        if (taskHeading || level <= stack[0].task.heading.level) stack.pop();
      }
      if (stack.length === 0) {
        const headingText = withoutClosingHashes(trimEndSpaceTab(heading[2] ?? '')).trim();
        if (level === 1 && title === undefined) title = headingText.replace(/^tasks\s*:\s*/i, '').trim() || headingText;
        while ((openHeadings[openHeadings.length - 1]?.heading?.level ?? 0) >= level) openHeadings.pop();
        if (taskHeading) {
          const parent = openHeadings[openHeadings.length - 1];
          const draft = headingDraft(i, taskHeading, level, col, parent, phaseIndex);
          drafts.push(draft);
          stack.push({ contentCol: 0, task: draft });
          openHeadings.push(draft);
        } else if (level === 2) {
          const number = /^phase\s+(\d+(?:\.\d+)*)\b/i.exec(headingText)?.[1];
          phases.push({ title: headingText, ...(number ? { number } : {}), range: range(i, 0, i, line.length) });
          phaseIndex = phases.length - 1;
        }
        separatorAtDepth[0] = true;
      } else {
        belongs(i, true);
      }
      paragraphOpen = false;
      continue;
    }
    if ((lead === 45 || lead === 42 || lead === 95) && THEMATIC.test(rest)) {
      belongs(i, true);
      paragraphOpen = false;
      continue;
    }
    const item = lead === 95 || lead === 35 || lead === 62 || lead === 60 || lead === 96 || lead === 126 ? null : LIST_ITEM.exec(line);
    if (item) {
      const markerEnd = (item[1]?.length ?? 0) + (item[2]?.length ?? 0);
      const markerEndCol = columnAt(line, markerEnd);
      const spacing = columnAt(line, item[0].length) - markerEndCol;
      const hasContent = item[0].length < line.length;
      const contentCol = markerEndCol + (!hasContent || spacing > 4 ? 1 : spacing);
      const match = reading.item(line);
      if (match) {
        const parent = nearestTask();
        const depth = parent ? parent.depth + 1 : 0;
        const separated = (seenAtDepth[depth] ?? false) && (separatorAtDepth[depth] ?? false);
        seenAtDepth.length = depth + 1;
        separatorAtDepth.length = depth + 1;
        seenAtDepth[depth] = true;
        separatorAtDepth[depth] = false;
        extendOpenTasks(i);
        const draft: TaskDraft = {
          line: i,
          topLevel: stack.length === 0,
          match,
          depth,
          markerCol: col,
          contentCol,
          ...(parent ? { parent } : {}),
          childIds: [],
          separated,
          ...(phaseIndex !== undefined ? { phaseIndex } : {}),
          bodyLines: [],
          lastLine: i,
        };
        if (parent) {
          parent.childIds.push(match.id);
          parent.firstChildLine ??= i;
        }
        drafts.push(draft);
        stack.push({ contentCol, task: draft });
      } else {
        if (reading === BY_ID && !nearestTask() && matchCheckboxItem(line)) ignoredBoxes.push(i);
        belongs(i, true);
        stack.push({ contentCol });
      }
      paragraphOpen = hasContent;
      // Items inside items, on this line (`- - - x`) or by indentation, counted before a body
      // holding them reaches remark.
      const depth = stack.length + containerPrefixDepth(line, item[0].length);
      if (depth > MAX_NESTING_DEPTH) return { drafts, phases, title, end: i, paragraphOpenAtEnd: paragraphOpen, tooDeep: { line: i, depth }, ignoredBoxes };
      continue;
    }
    belongs(i, true);
    paragraphOpen = true;
  }
  return { drafts, phases, title, end: lines.length, paragraphOpenAtEnd: paragraphOpen, ignoredBoxes };
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
  options: ParseSpecOptions,
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

/** Whether a line would start a new block rather than continue a paragraph lazily. */
function startsBlock(line: string, rest: string): boolean {
  return (
    LIST_ITEM.test(line) ||
    HEADING.test(rest) ||
    THEMATIC.test(rest) ||
    FENCE_OPEN.test(rest) ||
    rest.startsWith('>') ||
    rest.startsWith('<!--')
  );
}

/** `Title ##` → `Title`: the optional closing sequence of an ATX heading (a run of `#` after a
 *  blank, or the whole text). */
function withoutClosingHashes(text: string): string {
  const hashes = trimEndOf(text, '#');
  if (hashes.length === text.length) return text;
  const blanks = trimEndSpaceTab(hashes);
  return blanks.length === 0 || blanks.length < hashes.length ? blanks : text;
}

function columnAt(line: string, index: number): number {
  let col = 0;
  for (let k = 0; k < index && k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 9) col = (Math.floor(col / 4) + 1) * 4;
    else if (c !== 0xfeff) col++;
  }
  return col;
}
