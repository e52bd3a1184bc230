// The shapes the tasks.md line scan works with (lineScan.ts) and the readings it can take
// (readings.ts): apart from both, so neither imports the other.

import type { Phase } from '../model';
import type { HeadingTaskState } from './headingTasks';
import type { TaskLineMatch } from './taskLine';

export interface TaskDraft {
  readonly line: number;
  /** Nothing was open when the task line came. */
  readonly topLevel: boolean;
  readonly match: TaskLineMatch;
  readonly depth: number;
  /** Column of the list marker (`-`) of the task line. */
  readonly markerCol: number;
  readonly contentCol: number;
  readonly parent?: TaskDraft;
  readonly childIds: string[];
  readonly separated: boolean;
  readonly phaseIndex?: number;
  /** Lines that belong to this task itself (not to its sub-tasks). */
  readonly bodyLines: number[];
  lastLine: number;
  firstChildLine?: number;
  /** A task written as a heading (headingTasks.ts): its level, and once its body is read, its state. */
  readonly heading?: { readonly level: number; readonly state?: HeadingTaskState };
}

/** How one pass of the line scan tells task lines: by id (the formats' own shape), or — in a file
 *  without any — task headings, then id-less checkbox items. */
export interface TaskReading {
  readonly item: (line: string) => TaskLineMatch | undefined;
  readonly heading?: (level: number, line: string) => TaskLineMatch | undefined;
}

/** What the line scan found. In a local scan, `end` is the line that closed the block of the task
 *  the scan started on (or the line count), and `paragraphOpenAtEnd` the paragraph state that line
 *  met. */
export interface ScanResult {
  readonly drafts: TaskDraft[];
  readonly phases: Phase[];
  readonly title: string | undefined;
  readonly end: number;
  readonly paragraphOpenAtEnd: boolean;
  /** The first line that nests deeper than MAX_NESTING_DEPTH; the scan stopped there. */
  readonly tooDeep?: { readonly line: number; readonly depth: number };
  /** Id-less checkbox lines outside every task (scan by ids only). */
  readonly ignoredBoxes: readonly number[];
}
