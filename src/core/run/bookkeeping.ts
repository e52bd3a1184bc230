// Ralph's own files in the user's tree: the check-offs in tasks.md and the notes in .progress.md.
// Decides when a task is checked off (only once its work is on the branch, taken back when it is
// not), what is tried again when tasks.md kept changing, and which completions .progress.md lists.

import type { RalphTaskRecord } from '../ports';
import type { RunContext } from './context';
import { messageOf } from './text';
import { commitOf } from './recordFields';

export class Bookkeeping {
  /** Worktree isolation: Ralph changed tasks.md or .progress.md outside a merge commit. */
  dirty = false;
  /** Tasks whose check-off failed (tasks.md kept changing): tried again at the end. */
  private readonly checkOffsOwed = new Set<string>();

  constructor(private readonly run: Pick<RunContext, 'ports' | 'relations' | 'records' | 'isolated' | 'sync' | 'log'>) {}

  async markDone(id: string, last = false): Promise<void> {
    if (this.run.isolated) this.dirty = true;
    try {
      await this.run.ports.tasksFile.markDone(id);
      this.checkOffsOwed.delete(id);
    } catch (error) {
      // Tried again at the end of the run (and by the next run, which finds it recorded done).
      this.checkOffsOwed.add(id);
      this.run.log(
        last
          ? `could not check off ${id} in tasks.md: ${messageOf(error)}; its work is done — check it off by hand, or the next run will`
          : `could not check off ${id} in tasks.md yet (tried again at the end of the run): ${messageOf(error)}`,
      );
    }
  }

  async unmark(id: string): Promise<void> {
    try {
      await this.run.ports.tasksFile.unmark?.(id);
    } catch (error) {
      this.run.log(`could not take back the check-off of ${id} in tasks.md (its work is not on the branch): ${messageOf(error)}`);
    }
  }

  /** The end of the run: every task that succeeded in it (`succeeded`) is checked once more (an
   *  editor may have saved an older copy over a check-off since), and one that failed is tried
   *  again. */
  async settleCheckOffs(succeeded: Iterable<string>): Promise<void> {
    for (const id of succeeded) this.checkOffsOwed.add(id);
    for (const id of this.run.relations.inFileOrder([...this.checkOffsOwed])) {
      if (this.run.records.get(id)?.status === 'success') await this.markDone(id, true);
      else this.checkOffsOwed.delete(id);
    }
  }

  async mergeProgress(ids: readonly string[]): Promise<void> {
    try {
      await this.run.ports.progress.merge(ids);
      for (const id of ids) this.run.records.patch(id, { progressMerged: true });
      this.run.sync();
    } catch (error) {
      this.run.log(`merging progress of ${ids.join(', ')} failed: ${messageOf(error)}`);
    }
  }

  /** Lists in .progress.md's `## Completed Tasks` the tasks that succeeded (and `merging`, whose
   *  merge commit is being made), and adds the commit to the line of a task listed before its
   *  commit was made. A commit cannot name itself: a task's line goes in with its work, and its
   *  commit is added when the next work is merged or committed. Resolves true when the file
   *  changed. */
  async noteCompletions(merging: readonly string[] = []): Promise<boolean> {
    const { progress } = this.run.ports;
    const { records, relations } = this.run;
    if (progress.noteCompleted === undefined) return false;
    const owed = (r: RalphTaskRecord): boolean =>
      (r.status === 'success' || merging.includes(r.id)) &&
      relations.byId.has(r.id) &&
      (r.completionNoted === undefined || (r.completionNoted === 'listed' && commitOf(r) !== undefined));
    const ids = relations.inFileOrder([...records.values()].filter(owed).map((r) => r.id));
    if (ids.length === 0) return false;
    const tasks = ids.map((id) => {
      const commit = commitOf(records.get(id));
      return { taskId: id, title: relations.byId.get(id)?.title ?? id, ...(commit !== undefined ? { commit } : {}) };
    });
    try {
      const changed = await progress.noteCompleted(tasks);
      for (const id of ids) records.patch(id, { completionNoted: commitOf(records.get(id)) !== undefined ? 'withCommit' : 'listed' });
      this.run.sync();
      return changed;
    } catch (error) {
      this.run.log(`listing ${ids.join(', ')} as completed in .progress.md failed: ${messageOf(error)}`);
      return false;
    }
  }
}
