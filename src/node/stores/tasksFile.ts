// The TasksFile port on disk. The user may be editing tasks.md while a run checks tasks off, so
// each check-off is a compare-and-swap: edit what was read, and rename the result into place only
// if the file still holds what was read; otherwise read again and redo the edit.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TasksFile } from '../../core/ports';
import { checkOffTask, type CheckOffResult } from '../../core/tasksEdit';
import { KeyedQueue, replaceFileIf } from './atomic';

// One queue for the whole process: two TasksFile objects for the same file must not interleave
// their read-edit-rename cycles, which the compare step alone cannot rule out.
const edits = new KeyedQueue();

const MAX_ATTEMPTS = 20;

async function readUtf8(file: string): Promise<{ bytes: Buffer; text: string }> {
  const bytes = await fs.readFile(file);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    // Decoding would replace the bad bytes, and writing back would change them.
    throw new Error(`${file}: not valid UTF-8, so Ralph will not edit it; check off tasks by hand`);
  }
  return { bytes, text };
}

export class FileTasksFile implements TasksFile {
  readonly path: string;

  /** `beforeCompare` runs between writing the edited copy and comparing; tests use it to edit
   *  the file at the worst moment. */
  constructor(
    tasksPath: string,
    private readonly hooks: { readonly beforeCompare?: () => Promise<void> } = {},
  ) {
    this.path = path.resolve(tasksPath);
  }

  async markDone(taskId: string): Promise<void> {
    await this.checkOff(taskId);
  }

  /** Like markDone, and says whether the file changed and on which (0-based) line the task is. */
  checkOff(taskId: string): Promise<CheckOffResult> {
    return edits.run(this.path, async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const before = await readUtf8(this.path);
        const result = checkOffTask(before.text, taskId);
        if (!result.changed) return result;
        const swapped = await replaceFileIf(this.path, result.text, async () => {
          await this.hooks.beforeCompare?.();
          const now = await fs.readFile(this.path).catch(() => undefined);
          return now !== undefined && now.equals(before.bytes);
        });
        if (swapped) return result;
      }
      throw new Error(`${this.path}: the file kept changing while task ${taskId} was being checked off; gave up after ${MAX_ATTEMPTS} tries`);
    });
  }
}
