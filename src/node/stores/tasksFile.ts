// The TasksFile port on disk. The user may be editing tasks.md while a run checks tasks off, so
// a check-off is the smallest edit there is: the one checkbox byte, written in place at its
// offset, after checking through the same open file that the task's line is still where it was
// read. Nothing else of the file is ever written, so a line the user appends or saves meanwhile
// cannot be lost (a whole-file replace would drop one that landed between its read and its
// rename). The result is then read back through the path: an editor that saved its own copy
// meanwhile (a new file renamed over the old, or the old buffer written back) may have undone the
// mark, and then the edit is done again, with growing pauses, until the file settles.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TasksFile } from '../../core/ports';
import { checkOffTask, uncheckTask, type CheckOffResult } from '../../core/tasksEdit';
import { KeyedQueue } from './atomic';

// One queue for the whole process: two TasksFile objects for the same file must not interleave
// their read-edit-rename cycles, which the compare step alone cannot rule out.
const edits = new KeyedQueue();

/** Tries before giving up on a file that never settles: ~8 s of pauses in all. */
const MAX_ATTEMPTS = 25;
const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** Math.min(attempt, 10), 500)));

async function readUtf8(file: string): Promise<{ bytes: Buffer; text: string }> {
  const bytes = await fs.readFile(file);
  return { bytes, text: decodeStrict(bytes, file) };
}

/**
 * The loop both check-off stores share: one try (`writeOnce`: read, edit in place if the file is
 * still as read), then a fresh read through the path; done once that look finds nothing left to
 * change, else again after a growing pause, until MAX_ATTEMPTS. Edits of one file never
 * interleave within this process.
 */
export function editUntilItHolds<R extends { readonly changed: boolean; readonly text: string }>(
  file: string,
  doing: string,
  change: (text: string) => R,
  writeOnce: (change: (text: string) => R) => Promise<R>,
): Promise<R> {
  return edits.run(file, async () => {
    let first: R | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await writeOnce(change);
      first ??= result;
      if (!result.changed) return { ...first, text: result.text };
      // Read back through the path: the change holds once a fresh look finds nothing to do.
      const now = change((await readUtf8(file)).text);
      if (!now.changed) return { ...first, text: now.text };
      await pause(attempt);
    }
    throw new Error(`${file}: the file kept changing while ${doing}; gave up after ${MAX_ATTEMPTS} tries`);
  });
}

export class FileTasksFile implements TasksFile {
  readonly path: string;

  /** `beforeCompare` runs between reading the file and writing the mark; tests use it to edit
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

  async unmark(taskId: string): Promise<void> {
    await this.edit(taskId, (text) => uncheckTask(text, taskId), 'taking back the check-off of');
  }

  /** Like markDone, and says whether the file changed and on which (0-based) line the task is. */
  checkOff(taskId: string): Promise<CheckOffResult> {
    return this.edit(taskId, (text) => checkOffTask(text, taskId), 'checking off');
  }

  /** Applies `change` (one checkbox character) until reading the file back shows it applied. */
  private edit(taskId: string, change: (text: string) => CheckOffResult, doing: string): Promise<CheckOffResult> {
    return editUntilItHolds(this.path, `${doing} task ${taskId}`, change, (c) => this.writeMark(c));
  }

  /** One try: read, find the byte, write it in place if its line is still where it was read. */
  private async writeMark(change: (text: string) => CheckOffResult): Promise<CheckOffResult> {
    const handle = await fs.open(this.path, 'r+');
    try {
      const bytes = await handle.readFile();
      const text = decodeStrict(bytes, this.path);
      const result = change(text);
      if (!result.changed || result.offset === undefined) return result;
      const mark = Buffer.from(result.text.charAt(result.offset), 'utf8');
      const lineStart = text.lastIndexOf('\n', result.offset - 1) + 1;
      const nl = text.indexOf('\n', result.offset);
      const lineBytes = Buffer.from(text.slice(lineStart, nl === -1 ? text.length : nl), 'utf8');
      const at = Buffer.byteLength(text.slice(0, lineStart), 'utf8');
      const markAt = Buffer.byteLength(text.slice(0, result.offset), 'utf8');
      if (mark.length !== 1 || bytes[markAt] === undefined || Buffer.byteLength(text.charAt(result.offset), 'utf8') !== 1) {
        throw new Error(`${this.path}: the checkbox of the task is not a single character; check it off by hand`);
      }
      await this.hooks.beforeCompare?.();
      // Still this file at the path, and the line still where it was read: then the byte goes in.
      const [opened, atPath] = await Promise.all([handle.stat(), fs.stat(this.path).catch(() => undefined)]);
      if (atPath === undefined || opened.ino !== atPath.ino || opened.dev !== atPath.dev || opened.size < at + lineBytes.length) return result;
      const current = Buffer.alloc(lineBytes.length);
      await handle.read(current, 0, current.length, at);
      if (!current.equals(lineBytes)) return result;
      await handle.write(mark, 0, 1, markAt);
      await handle.sync();
      return result;
    } finally {
      await handle.close();
    }
  }
}

export function decodeStrict(bytes: Buffer, file: string): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    // Decoding would replace the bad bytes, and writing back would change them.
    throw new Error(`${file}: not valid UTF-8, so Ralph will not edit it; check off tasks by hand`);
  }
  return text;
}
