// The line scan of a tasks.md: one linear pass that decides which lines are task lines and which
// lines belong to each task's block, as CommonMark would nest them — fenced code, HTML comments,
// indented code, list items and their content columns, lazy continuation lines, ATX headings and
// thematic breaks — without building a tree. It also collects the title (first `#` heading) and
// the phases (`##` headings), notes id-less checkbox lines outside every task, and stops at the
// first line nested deeper than MAX_NESTING_DEPTH. Which lines are task lines is the reading's
// (readings.ts); the shapes it returns are in scanTypes.ts.

import type { Phase } from '../model';
import { range } from '../model';
import { matchCheckboxItem } from './idless';
import { containerPrefixDepth, MAX_NESTING_DEPTH } from './limits';
import type { ScanResult, TaskDraft, TaskReading } from './scanTypes';
import { matchTaskLine, type TaskLineMatch } from './taskLine';
import { trimEndOf, trimEndSpaceTab } from './values';

/** A document's lines: split at LF and CRLF (a lone CR stays in its line). */
export function splitLines(text: string): string[] {
  return text.includes('\r') ? text.split(/\r?\n/) : text.split('\n');
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

/**
 * The line scan, from `first` with nothing open. A local scan starts on a task line and stops at
 * the line that closes every open item: with nothing open before the task line, what follows that
 * line does not depend on the lines in between.
 */
export function scanBlocks(lines: readonly string[], first: number, local: boolean, reading: TaskReading = BY_ID): ScanResult {
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

/** The draft of a task heading found by the line scan; a deeper task heading below another is
 *  its sub-task, which makes the one above a container. */
function headingDraft(
  line: number,
  match: TaskLineMatch,
  level: number,
  col: number,
  parent: TaskDraft | undefined,
  phaseIndex: number | undefined,
): TaskDraft {
  if (parent) {
    parent.childIds.push(match.id);
    parent.firstChildLine ??= line;
  }
  return {
    line,
    // Never re-read alone (reparseTaskBlock): its block and state depend on the headings around it.
    topLevel: false,
    match,
    depth: parent ? parent.depth + 1 : 0,
    markerCol: col,
    contentCol: 0,
    ...(parent ? { parent } : {}),
    childIds: [],
    separated: false,
    ...(phaseIndex !== undefined ? { phaseIndex } : {}),
    bodyLines: [],
    lastLine: line,
    heading: { level },
  };
}
