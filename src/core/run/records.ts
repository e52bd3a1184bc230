// The task records of a run: Ralph's own record of each task (what goes under `ralph.tasks` in the
// state file), ralph-specum's `taskResults` kept in step with them, and what each record says is
// still owed (progress notes to merge, work to commit). Records are replaced, never changed in
// place, so a state handed to the store stays as it was.

import type { Task } from '../model';
import type { RalphTaskRecord, TaskRecordPatch, TaskResult } from '../ports';
import { withoutUndefined } from './recordFields';
import type { RunRelations } from './scope';

export class TaskRecords {
  private readonly records = new Map<string, RalphTaskRecord>();
  /** The same records as a plain object, kept up to date record by record, so writing the state
   *  costs a shallow copy. */
  private readonly plain: Record<string, RalphTaskRecord> = {};
  private results: Record<string, TaskResult> = {};
  /** Finished tasks whose progress notes are not merged into .progress.md yet. */
  readonly needsMerge = new Set<string>();
  /** Succeeded tasks whose work is not committed yet. */
  readonly needsCommit = new Set<string>();

  /** `taskOf`: the task of the run with this id (undefined for one outside the run). */
  constructor(
    private readonly relations: RunRelations,
    private readonly taskOf: (id: string) => Task | undefined,
  ) {}

  /** Starts from a loaded state's results and records. */
  load(results: Readonly<Record<string, TaskResult>>, records: Readonly<Record<string, RalphTaskRecord>>): void {
    this.results = { ...results };
    for (const [id, record] of Object.entries(records)) this.set(id, { ...record });
  }

  get(id: string): RalphTaskRecord | undefined {
    return this.records.get(id);
  }

  /** A copy of the entries, safe to iterate while records change. */
  entries(): [string, RalphTaskRecord][] {
    return [...this.records];
  }

  values(): IterableIterator<RalphTaskRecord> {
    return this.records.values();
  }

  set(id: string, record: RalphTaskRecord): void {
    this.records.set(id, record);
    this.plain[id] = record;
    const finished = record.attempts > 0 && isTerminalRecord(record);
    if (finished && record.progressMerged !== true) this.needsMerge.add(id);
    else this.needsMerge.delete(id);
    const { containers, byId } = this.relations;
    if (record.status === 'success' && record.commitHandled !== true && record.commit === undefined && !containers.has(id) && byId.has(id)) {
      this.needsCommit.add(id);
    } else {
      this.needsCommit.delete(id);
    }
    const task = this.taskOf(id);
    if (task) {
      // The plugin's schema knows only these three: a skipped optional task is pending to it.
      const status: TaskResult['status'] = record.status === 'success' ? 'success' : record.status === 'failed' ? 'failed' : 'pending';
      const error = status === 'success' ? undefined : record.reason;
      this.results[String(task.index)] = error !== undefined ? { status, error } : { status };
    }
  }

  /** Changes some fields of a task's record; nothing when the task has none. */
  patch(id: string, patch: TaskRecordPatch): void {
    const record = this.records.get(id);
    // The patch keeps the status, and its callers patch only the fields of that status (the
    // journal of a commit on a succeeded task, the agent of a running one).
    if (record) this.set(id, withoutUndefined({ ...record, ...patch }) as RalphTaskRecord);
  }

  /** ralph-specum lists every task of the batch, pending ones too. */
  listPending(task: Task): void {
    this.results[String(task.index)] = { status: 'pending' };
  }

  /** The records as the state file has them (a fresh object). */
  snapshot(): Record<string, RalphTaskRecord> {
    return { ...this.plain };
  }

  /** ralph-specum's taskResults (a fresh object). */
  taskResults(): Record<string, TaskResult> {
    return { ...this.results };
  }
}

/** A record of an attempt that ended: succeeded, failed, or put back (pending) after it ran. */
export function isTerminalRecord(record: RalphTaskRecord): boolean {
  return record.status === 'success' || record.status === 'failed' || (record.status === 'pending' && record.finishedAt !== undefined);
}
