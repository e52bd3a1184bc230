// tasks.md → Spec: the composition of the markdown reader, each piece deciding one thing.
//   frontMatter.ts  where the YAML front matter ends and what it holds;
//   lineScan.ts     one linear pass over the lines: the task lines and each task's block;
//   readings.ts     which reading finds the tasks (ids, task headings, id-less checkboxes);
//   detectFormat.ts the format, when the caller does not give it;
//   taskBody.ts     each block's body, parsed by remark on its own through the BlockCache;
//   taskBuilder.ts  a Task from its task line and its body's fields;
//   kiroNesting.ts  Kiro's flat `1.1` sub-tasks under their `1` parent.
// reparse.ts re-reads one edited block instead of the whole file when that gives the same Spec.

import type { Diagnostic, Spec, SpecFormat } from '../model';
import { compareDiagnostics, range } from '../model';
import { BlockCache } from './blockBody';
import { detectFormat } from './detectFormat';
import { frontMatterEnd, readFrontMatter } from './frontMatter';
import { attachFlatSubtasks } from './kiroNesting';
import { MAX_NESTING_DEPTH } from './limits';
import { scanBlocks, splitLines } from './lineScan';
import { keepPhases } from './phases';
import { checkOffPlaces, readingDiagnostics, scanTasks, type UnwrittenIdTask } from './readings';
import type { MarkdownLayout } from './reparse';
import { buildTask } from './taskBuilder';
import { readBodies, type TaskBodyRead } from './taskBody';

export interface ParseSpecOptions {
  readonly path: string;
  readonly format?: SpecFormat;
  readonly cache?: BlockCache;
}

export function parseMarkdownSpec(text: string, options: ParseSpecOptions): Spec {
  return parseMarkdownLayout(text, options).spec;
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
