// A tasks.md in which Ralph found no task says so, where it can with the line that looks most like
// a task the author meant: "0 tasks" and a run that is "done" at once told nobody why.

import type { Diagnostic } from '../model';
import { range } from '../model';

const SHAPES =
  'Ralph reads checkbox items (`- [ ] 1.1 Title`, or `- [ ] Title` in a file where no task has an id) ' +
  'and task headings (`### Task 1.1: Title`)';

const PLAIN_ITEM = /^\uFEFF?[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+(?!\[)\S/;
const HEADING = /^\uFEFF?[ \t]{0,3}#{2,6}[ \t]+\S/;

/** The error of a markdown spec without tasks. `first` is the first line after front matter. */
export function noTasksDiagnostic(lines: readonly string[], first: number): Diagnostic {
  let item: number | undefined;
  let heading: number | undefined;
  let blank = true;
  // A hint, not a reading: a fence is skipped roughly (an example in one is not the author's list).
  let fence: string | undefined;
  for (let i = first; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!/^[ \t\uFEFF]*$/.test(line)) blank = false;
    const f = /^[ \t]*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined || f !== undefined) {
      if (fence === undefined) fence = f;
      else if (f !== undefined && f[0] === fence[0] && f.length >= fence.length) fence = undefined;
      continue;
    }
    if (item === undefined && PLAIN_ITEM.test(line)) item = i;
    if (heading === undefined && HEADING.test(line)) heading = i;
  }
  const at = (line: number, message: string): Diagnostic => ({
    severity: 'error',
    code: 'no-tasks',
    message,
    range: range(line, 0, line, (lines[line] ?? '').length),
  });
  if (blank) return at(first, `No tasks: the file is empty. ${SHAPES}`);
  if (item !== undefined) {
    return at(item, `No tasks found. This list item has no checkbox: write "- [ ] " in front of each task. ${SHAPES}`);
  }
  if (heading !== undefined) {
    return at(heading, `No tasks found. A heading is a task only as "Task <id>: Title" (or "### 1.1 Title"). ${SHAPES}`);
  }
  return at(first, `No tasks found. ${SHAPES}`);
}
