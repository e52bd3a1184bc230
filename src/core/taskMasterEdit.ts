// Checking off a Task Master task: the string value of its `status` becomes "done", and nothing
// else of tasks.json changes — not the whitespace, not the key order, not the other tasks. The
// task is found by id (`3`, `3.1`) in the text as it is now, through jsonc-parser's node tree,
// which gives the value's exact offsets.

import { parseTree, type Node } from 'jsonc-parser';
import { bracketNestingBeyond } from './parse/limits';
import { findTaskMasterObject, property, taskMasterCheck, taskMasterList } from './parse/taskMaster';
import { lineAt, lineStartsOf } from './parse/values';

export interface StatusEditResult {
  readonly text: string;
  readonly changed: boolean;
  /** 0-based line of the task's status, when the task was found. */
  readonly line?: number;
  /** When changed: where the old value (quotes included) was, and what replaced it. */
  readonly offset?: number;
  readonly removedLength?: number;
  readonly inserted?: string;
}

/** The status value node of a task, or why there is none. */
function statusNode(text: string, taskId: string, tag: string | undefined): { node?: Node; missing?: string } {
  if (bracketNestingBeyond(text, { comments: true })) return { missing: 'the file is nested too deeply to read' };
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return { missing: 'the file is not JSON' };
  const lookup = taskMasterList(root, tag);
  if (lookup.kind === 'error') return { missing: lookup.message };
  const object = findTaskMasterObject(lookup.list, taskId);
  if (!object) return {};
  const node = property(object, 'status');
  if (node?.type !== 'string') return { missing: `task ${taskId} has no "status" string to set` };
  return { node };
}

/**
 * Sets the status of task `taskId` to `status` unless `isAlready(current)` says it need not
 * change. Unknown id → unchanged, no line. Throws when the task is there but has no status string
 * (writing one would mean adding a key, which is the user's to do).
 */
export function setTaskMasterStatus(
  text: string,
  taskId: string,
  status: string,
  options: { readonly tag?: string; readonly isAlready?: (current: string) => boolean } = {},
): StatusEditResult {
  const { node, missing } = statusNode(text, taskId, options.tag);
  if (missing !== undefined) throw new Error(missing);
  if (!node) return { text, changed: false };
  const line = lineAt(lineStartsOf(text), node.offset);
  const current = String(node.value);
  if (options.isAlready ? options.isAlready(current) : current === status) return { text, changed: false, line };
  const inserted = JSON.stringify(status);
  return {
    text: text.slice(0, node.offset) + inserted + text.slice(node.offset + node.length),
    changed: true,
    line,
    offset: node.offset,
    removedLength: node.length,
    inserted,
  };
}

/** Check-off: "done", unless Task Master already counts the task as finished (done, cancelled…). */
export function checkOffTaskMaster(text: string, taskId: string, tag?: string): StatusEditResult {
  return setTaskMasterStatus(text, taskId, 'done', { ...(tag !== undefined ? { tag } : {}), isAlready: (s) => taskMasterCheck(s) === 'done' });
}

/** Takes back a check-off: "done" becomes "pending"; any other status stays. */
export function uncheckTaskMaster(text: string, taskId: string, tag?: string): StatusEditResult {
  return setTaskMasterStatus(text, taskId, 'pending', { ...(tag !== undefined ? { tag } : {}), isAlready: (s) => s.trim().toLowerCase() !== 'done' });
}

/** Whether the task's status in `text` reads as done. */
export function taskMasterIsDone(text: string, taskId: string, tag?: string): boolean {
  try {
    const { node } = statusNode(text, taskId, tag);
    return node !== undefined && taskMasterCheck(String(node.value)) === 'done';
  } catch {
    return false;
  }
}
