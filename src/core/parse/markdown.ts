// tasks.md → Spec. One linear pass over the lines finds the task blocks (respecting fences, HTML
// comments, indented code, list nesting and lazy continuation lines); each block's body then goes
// to remark on its own, through the BlockCache.

import { parse as parseYaml } from 'yaml';
import type { Diagnostic, Marker, Phase, Range, Spec, SpecFormat, Task } from '../model';
import { range } from '../model';
import { BlockCache, type ParsedBody } from './blockBody';
import { matchTaskLine, readMarkers, type TaskLineMatch } from './taskLine';
import {
  codeSpans,
  extractDependsClause,
  extractDescriptionPaths,
  extractVerifyCommand,
  parseDependsList,
  parseEstimateMinutes,
  parseFilesList,
  parseRequirementList,
} from './values';

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

interface TaskDraft {
  readonly line: number;
  readonly match: TaskLineMatch;
  readonly depth: number;
  readonly contentCol: number;
  readonly parent?: TaskDraft;
  readonly childIds: string[];
  readonly separated: boolean;
  readonly phaseIndex?: number;
  /** Lines that belong to this task itself (not to its sub-tasks). */
  readonly bodyLines: number[];
  lastLine: number;
}

const LIST_ITEM = /^\uFEFF?([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const HEADING = /^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const THEMATIC = /^([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE_OPEN = /^(`{3,}|~{3,})(.*)$/;
const BLANK = /^[ \t\uFEFF]*$/;

export function parseMarkdownSpec(text: string, options: ParseSpecOptions): Spec {
  const lines = text.split(/\r?\n/);
  const cache = options.cache ?? new BlockCache();
  const diagnostics: Diagnostic[] = [];
  const phases: Phase[] = [];
  let title: string | undefined;
  let frontMatter: Record<string, unknown> | undefined;

  let first = 0;
  const fm = frontMatterEnd(lines);
  if (fm !== undefined) {
    frontMatter = readFrontMatter(lines, fm, diagnostics);
    first = fm + 1;
  }

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
      const close = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1]?.[0] === fence.char && (close[1]?.length ?? 0) >= fence.length) fence = undefined;
      continue;
    }
    if (inComment) {
      belongs(i, false);
      if (line.includes('-->')) inComment = false;
      continue;
    }
    if (BLANK.test(line)) {
      paragraphOpen = false;
      continue;
    }

    const { col, chars } = indentation(line);
    const rest = line.slice(chars);
    const top = stack[stack.length - 1];
    if (top && col < top.contentCol) {
      if (paragraphOpen && !startsBlock(line, rest)) {
        // A lazy continuation line: still the open paragraph of the innermost item.
        belongs(i, true);
        continue;
      }
      while (stack.length && col < (stack[stack.length - 1]?.contentCol ?? 0)) stack.pop();
    }
    const parentContent = stack[stack.length - 1]?.contentCol ?? 0;
    if (col - parentContent >= 4) {
      // Indented code, or the continuation of a paragraph: never a task line.
      belongs(i, true);
      continue;
    }

    const fenceOpen = FENCE_OPEN.exec(rest);
    if (fenceOpen && !(fenceOpen[1]?.[0] === '`' && (fenceOpen[2] ?? '').includes('`'))) {
      belongs(i, true);
      fence = { char: fenceOpen[1]?.[0] ?? '`', length: fenceOpen[1]?.length ?? 3 };
      paragraphOpen = false;
      continue;
    }
    if (rest.startsWith('<!--')) {
      belongs(i, false);
      if (!rest.slice(4).includes('-->')) inComment = true;
      paragraphOpen = false;
      continue;
    }
    const heading = HEADING.exec(rest);
    if (heading) {
      if (stack.length === 0) {
        const level = heading[1]?.length ?? 1;
        const headingText = (heading[2] ?? '').replace(/(?:^|[ \t]+)#+$/, '').trim();
        if (level === 1 && title === undefined) title = headingText.replace(/^tasks\s*:\s*/i, '').trim() || headingText;
        if (level === 2) {
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
    if (THEMATIC.test(rest)) {
      belongs(i, true);
      paragraphOpen = false;
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const markerEnd = (item[1]?.length ?? 0) + (item[2]?.length ?? 0);
      const markerEndCol = columnAt(line, markerEnd);
      const spacing = columnAt(line, item[0].length) - markerEndCol;
      const hasContent = item[0].length < line.length;
      const contentCol = markerEndCol + (!hasContent || spacing > 4 ? 1 : spacing);
      const match = matchTaskLine(line);
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
          match,
          depth,
          contentCol,
          ...(parent ? { parent } : {}),
          childIds: [],
          separated,
          ...(phaseIndex !== undefined ? { phaseIndex } : {}),
          bodyLines: [],
          lastLine: i,
        };
        parent?.childIds.push(match.id);
        drafts.push(draft);
        stack.push({ contentCol, task: draft });
      } else {
        belongs(i, true);
        stack.push({ contentCol });
      }
      paragraphOpen = hasContent;
      continue;
    }
    belongs(i, true);
    paragraphOpen = true;
  }

  const format = options.format ?? detectFormat(drafts);
  const tasks = drafts.map((draft, index) => buildTask(draft, index, lines, format, cache, diagnostics));
  return {
    path: options.path,
    format,
    ...(frontMatter ? { frontMatter } : {}),
    ...(title !== undefined ? { title } : {}),
    phases,
    tasks,
    diagnostics,
    lineCount: lines.length,
  };
}

function buildTask(
  draft: TaskDraft,
  index: number,
  lines: readonly string[],
  format: SpecFormat,
  cache: BlockCache,
  diagnostics: Diagnostic[],
): Task {
  const lineText = lines[draft.line] ?? '';
  const { id, idStart, idEnd, checkboxStart, check, optional } = draft.match;
  const { markers: found, titleStart } = readMarkers(lineText, idEnd);
  const markers: Marker[] = found.map((m) => ({
    name: m.name,
    ...(m.arg !== undefined ? { arg: m.arg } : {}),
    range: range(draft.line, m.start, draft.line, m.end),
  }));
  const title = lineText.slice(titleStart).trim();

  const body = taskBody(draft, lines);
  const parsed: ParsedBody = body.text.trim() ? cache.body(body.text) : { fields: [], details: '' };
  const fields: Record<string, string> = {};
  const fieldRanges: Record<string, Range> = {};
  for (const field of parsed.fields) {
    if (field.label in fields) continue;
    fields[field.label] = field.value;
    fieldRanges[field.label] = body.toDocument(field.start, field.end, draft.line);
  }

  const files = new Set<string>();
  if (fields.files !== undefined) for (const f of parseFilesList(fields.files)) files.add(f);
  if (format === 'spec-kit') for (const f of extractDescriptionPaths(title)) files.add(f);

  let declaredDependsOn: string[] | undefined = extractDependsClause(title);
  const dependsLabel = ['depends', 'depends on', 'dependencies'].find((l) => l in fields);
  if (dependsLabel !== undefined) {
    const parsedDepends = parseDependsList(fields[dependsLabel] ?? '');
    if (parsedDepends.kind === 'malformed') {
      diagnostics.push({
        severity: 'warning',
        code: 'malformed-field',
        message: `Task ${id}: "Depends" should list task ids (e.g. "1.2, 1.3") or "none", found "${fields[dependsLabel]}"`,
        range: fieldRanges[dependsLabel] ?? range(draft.line, 0, draft.line, lineText.length),
        taskId: id,
      });
    } else {
      const ids = parsedDepends.kind === 'ids' ? parsedDepends.ids : [];
      declaredDependsOn = [...new Set([...(declaredDependsOn ?? []), ...ids])];
    }
  }

  let estimateMinutes: number | undefined;
  const estimateLabel = ['estimate', 'estimated', 'est'].find((l) => l in fields);
  if (estimateLabel !== undefined) {
    estimateMinutes = parseEstimateMinutes(fields[estimateLabel] ?? '');
    if (estimateMinutes === undefined) {
      diagnostics.push({
        severity: 'warning',
        code: 'malformed-field',
        message: `Task ${id}: "Estimate" should be a duration such as 15m, 1.5h, 90 min or 2 hours, found "${fields[estimateLabel]}"`,
        range: fieldRanges[estimateLabel] ?? range(draft.line, 0, draft.line, lineText.length),
        taskId: id,
      });
    }
  }

  const verify = fields.verify !== undefined ? extractVerifyCommand(fields.verify) : undefined;
  // "None" in a Commit field means the task commits nothing.
  const commit =
    fields.commit !== undefined && !/^(?:none|n\/a|-)\b/i.test(fields.commit)
      ? codeSpans(fields.commit)[0]?.trim() || fields.commit
      : undefined;
  const doText = fields.do ?? (parsed.details || undefined);
  const lastLineText = lines[draft.lastLine] ?? '';

  return {
    id,
    index,
    title,
    check,
    done: check === 'done',
    optional,
    markers,
    files: [...files],
    ...(verify !== undefined ? { verify } : {}),
    ...(doText !== undefined ? { doText } : {}),
    ...(fields['done when'] !== undefined ? { doneWhen: fields['done when'] } : {}),
    ...(commit !== undefined ? { commit } : {}),
    requirements: fields.requirements !== undefined ? parseRequirementList(fields.requirements) : [],
    ...(fields.design !== undefined ? { design: fields.design } : {}),
    ...(declaredDependsOn !== undefined ? { declaredDependsOn } : {}),
    conflictsWith: [],
    parallelRequested: markers.some((m) => m.name === 'P'),
    ...(estimateMinutes !== undefined ? { estimateMinutes } : {}),
    ...(draft.phaseIndex !== undefined ? { phaseIndex: draft.phaseIndex } : {}),
    ...(draft.parent ? { parentId: draft.parent.match.id } : {}),
    childIds: draft.childIds,
    depth: draft.depth,
    separatedFromPrevious: draft.separated,
    fields,
    text: lines.slice(draft.line, draft.lastLine + 1).join('\n'),
    ranges: {
      line: range(draft.line, 0, draft.line, lineText.length),
      checkbox: range(draft.line, checkboxStart, draft.line, checkboxStart + 3),
      id: range(draft.line, idStart, draft.line, idEnd),
      block: range(draft.line, 0, draft.lastLine, lastLineText.length),
    },
  };
}

interface TaskBody {
  /** The task's own lines under its task line, dedented to its content column. */
  readonly text: string;
  toDocument(
    start: { line: number; character: number },
    end: { line: number; character: number },
    fallbackLine: number,
  ): Range;
}

/** The body as remark should see it: dedented (so the same block nested deeper or moved is the
 *  same cache key), with a task's sub-task blocks cut out. */
function taskBody(draft: TaskDraft, lines: readonly string[]): TaskBody {
  const out: string[] = [];
  const sourceLine: number[] = [];
  const removed: number[] = [];
  let previous = -1;
  for (const n of draft.bodyLines) {
    if (previous >= 0 && n > previous + 1) {
      let onlyBlank = true;
      for (let k = previous + 1; k < n; k++) {
        if (!BLANK.test(lines[k] ?? '')) {
          onlyBlank = false;
          break;
        }
      }
      if (onlyBlank) {
        for (let k = previous + 1; k < n; k++) {
          out.push('');
          sourceLine.push(k);
          removed.push(0);
        }
      } else {
        // A sub-task lay here: keep the parent's paragraphs apart.
        out.push('');
        sourceLine.push(-1);
        removed.push(0);
      }
    }
    const line = lines[n] ?? '';
    const cut = dedentLength(line, draft.contentCol);
    // A lone CR is a line break to remark but not to our line numbering.
    out.push(line.slice(cut).replace(/\r/g, ' '));
    sourceLine.push(n);
    removed.push(cut);
    previous = n;
  }
  const place = (p: { line: number; character: number }, fallbackLine: number) => {
    const docLine = sourceLine[p.line] ?? -1;
    if (docLine < 0) return { line: fallbackLine, character: 0 };
    const length = (lines[docLine] ?? '').length;
    return { line: docLine, character: Math.min(length, p.character + (removed[p.line] ?? 0)) };
  };
  return {
    text: out.join('\n'),
    toDocument(start, end, fallbackLine) {
      const s = place(start, fallbackLine);
      const e = place(end, fallbackLine);
      return range(s.line, s.character, e.line, e.character);
    },
  };
}

function detectFormat(drafts: readonly TaskDraft[]): SpecFormat {
  if (drafts.length === 0) return 'ralph-specum';
  let specKit = 0;
  let kiro = false;
  for (const d of drafts) {
    if (/^T\d+$/.test(d.match.id)) specKit++;
    if (d.match.check === 'in-progress' || d.match.optional || /^\d+$/.test(d.match.id)) kiro = true;
  }
  if (specKit * 2 > drafts.length) return 'spec-kit';
  return kiro ? 'kiro' : 'ralph-specum';
}

/** The index of the closing `---` of front matter that starts on the first line. */
function frontMatterEnd(lines: readonly string[]): number | undefined {
  if ((lines[0] ?? '').replace(/^\uFEFF/, '').trimEnd() !== '---') return undefined;
  for (let i = 1; i < lines.length; i++) {
    if (/^(?:---|\.\.\.)[ \t]*$/.test(lines[i] ?? '')) return i;
  }
  return undefined;
}

function readFrontMatter(lines: readonly string[], end: number, diagnostics: Diagnostic[]): Record<string, unknown> | undefined {
  const source = lines.slice(1, end).join('\n');
  try {
    const value: unknown = parseYaml(source);
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    diagnostics.push({
      severity: 'warning',
      code: 'malformed-field',
      message: 'Front matter should be a YAML mapping (key: value lines)',
      range: range(0, 0, end, (lines[end] ?? '').length),
    });
  } catch (error) {
    const linePos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos;
    const at = linePos?.[0];
    const line = at ? Math.min(end - 1, Math.max(1, at.line)) : 0;
    const character = at ? Math.min((lines[line] ?? '').length, Math.max(0, at.col - 1)) : 0;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    diagnostics.push({
      severity: 'warning',
      code: 'malformed-field',
      message: `Front matter is not valid YAML: ${reason}`,
      range: range(line, character, line, (lines[line] ?? '').length),
    });
  }
  return undefined;
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

/** Leading whitespace as a column (tabs to multiples of 4) and as characters. */
function indentation(line: string): { col: number; chars: number } {
  let col = 0;
  let chars = 0;
  for (; chars < line.length; chars++) {
    const c = line.charCodeAt(chars);
    if (c === 32) col++;
    else if (c === 9) col = (Math.floor(col / 4) + 1) * 4;
    else if (c !== 0xfeff) break;
  }
  return { col, chars };
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

/** How many leading whitespace characters to cut so that `contentCol` columns are gone. */
function dedentLength(line: string, contentCol: number): number {
  let col = 0;
  let k = 0;
  while (k < line.length && col < contentCol) {
    const c = line.charCodeAt(k);
    if (c === 32) col++;
    else if (c === 9) col = (Math.floor(col / 4) + 1) * 4;
    else if (c !== 0xfeff) break;
    k++;
  }
  return k;
}
