// The ProgressStore port on disk: each executor writes `<specDir>/.progress-task-<id>.md`; after a
// batch they are merged into `<specDir>/.progress.md` and removed.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProgressStore } from '../../core/ports';
import { mergeProgress, noteCompletedTasks, type CompletedTask, type ProgressPart } from '../../core/progress';
import { KeyedQueue, writeFileAtomic } from './atomic';

export const PROGRESS_FILE_NAME = '.progress.md';

const merges = new KeyedQueue();

/** A task id as a file-name fragment: ids are usually `1.2` or `T014`; anything outside
 *  [A-Za-z0-9._-] is %-encoded so two ids never share a file and none escapes the folder. */
export function safeTaskId(taskId: string): string {
  return Array.from(Buffer.from(taskId, 'utf8'), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9._-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class FileProgressStore implements ProgressStore {
  readonly specDir: string;
  readonly mainPath: string;

  constructor(specDir: string) {
    this.specDir = path.resolve(specDir);
    this.mainPath = path.join(this.specDir, PROGRESS_FILE_NAME);
  }

  pathFor(taskId: string): string {
    return path.join(this.specDir, `.progress-task-${safeTaskId(taskId)}.md`);
  }

  /** The notes an agent wrote in its worktree replace whatever an earlier attempt left here;
   *  the worktree's copy goes, so it is never committed on the task's branch. */
  async collect(taskId: string, from: string): Promise<void> {
    const source = path.resolve(from);
    const target = this.pathFor(taskId);
    if (source === target) return;
    const text = await readIfPresent(source);
    if (text === undefined) return;
    await writeFileAtomic(target, text);
    await fs.rm(source, { force: true });
  }

  async discard(at: string): Promise<void> {
    await fs.rm(path.resolve(at), { force: true });
  }

  merge(taskIds: readonly string[]): Promise<void> {
    return merges.run(this.mainPath, async () => {
      const parts: ProgressPart[] = [];
      for (const taskId of taskIds) parts.push({ taskId, text: await readIfPresent(this.pathFor(taskId)) });
      const main = await readIfPresent(this.mainPath);
      const merged = mergeProgress(main, parts);
      if (merged !== (main ?? '')) await writeFileAtomic(this.mainPath, merged);
      // Parts go only after the merged file is safely in place; a crash before this point just
      // means the next merge finds them again, and adds nothing twice.
      for (const taskId of taskIds) await fs.rm(this.pathFor(taskId), { force: true });
    });
  }

  noteCompleted(tasks: readonly CompletedTask[]): Promise<boolean> {
    return merges.run(this.mainPath, async () => {
      const main = await readIfPresent(this.mainPath);
      const noted = noteCompletedTasks(main, tasks);
      if (noted === (main ?? '')) return false;
      await writeFileAtomic(this.mainPath, noted);
      return true;
    });
  }
}
