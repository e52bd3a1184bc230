// The TasksFile port for Task Master's tasks.json. A check-off replaces the string value of the
// task's `status` ("pending" → "done") and nothing else: the bytes before the value are not
// written at all, the bytes after it are written back as they were (shifted when the value's
// length changes), and only after checking through the same open file that the whole file is
// still what the edit was computed from. Then the result is read back through the path, and the
// edit is done again, with growing pauses, until a fresh look finds nothing to do — as
// FileTasksFile does for tasks.md.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TasksFile } from '../../core/ports';
import { checkOffTaskMaster, uncheckTaskMaster, type StatusEditResult } from '../../core/taskMasterEdit';
import { decodeStrict, editUntilItHolds } from './tasksFile';

export class TaskMasterTasksFile implements TasksFile {
  readonly path: string;

  constructor(
    tasksPath: string,
    /** The tag the tasks were read from; undefined for an untagged file (or `master`). */
    private readonly tag?: string,
    private readonly hooks: { readonly beforeCompare?: () => Promise<void> } = {},
  ) {
    this.path = path.resolve(tasksPath);
  }

  async markDone(taskId: string): Promise<void> {
    await this.checkOff(taskId);
  }

  async unmark(taskId: string): Promise<void> {
    await this.edit(taskId, (text) => uncheckTaskMaster(text, taskId, this.tag), 'taking back the check-off of');
  }

  checkOff(taskId: string): Promise<StatusEditResult> {
    return this.edit(taskId, (text) => checkOffTaskMaster(text, taskId, this.tag), 'checking off');
  }

  private edit(taskId: string, change: (text: string) => StatusEditResult, doing: string): Promise<StatusEditResult> {
    return editUntilItHolds(this.path, `${doing} task ${taskId}`, change, (c) => this.writeValue(c));
  }

  private async writeValue(change: (text: string) => StatusEditResult): Promise<StatusEditResult> {
    const handle = await fs.open(this.path, 'r+');
    try {
      const bytes = await handle.readFile();
      const text = decodeStrict(bytes, this.path);
      const result = change(text);
      if (!result.changed || result.offset === undefined) return result;
      await this.hooks.beforeCompare?.();
      const [opened, atPath] = await Promise.all([handle.stat(), fs.stat(this.path).catch(() => undefined)]);
      if (atPath === undefined || opened.ino !== atPath.ino || opened.dev !== atPath.dev || opened.size !== bytes.length) return result;
      const current = Buffer.alloc(bytes.length);
      await handle.read(current, 0, current.length, 0);
      if (!current.equals(bytes)) return result;
      const at = Buffer.byteLength(text.slice(0, result.offset), 'utf8');
      const tail = Buffer.from(result.text.slice(result.offset), 'utf8');
      await handle.write(tail, 0, tail.length, at);
      await handle.truncate(at + tail.length);
      await handle.sync();
      return result;
    } finally {
      await handle.close();
    }
  }
}
