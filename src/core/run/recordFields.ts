// The fields of a task record that only some statuses have, read without narrowing at every use,
// and the record of a task changing status: what it carries over is what every status holds
// (TaskRecordCommon), never a field of its old status.

import type { MergeJournal, RalphTaskRecord, RecordedAgent, TaskRecordCommon } from '../ports';

/** The agent of the attempt running now. */
export function agentOf(r: RalphTaskRecord | undefined): RecordedAgent | undefined {
  return r?.status === 'running' ? r.agent : undefined;
}

/** The passed attempt's work, waiting for its merge (worktrees). */
export function workCommitOf(r: RalphTaskRecord | undefined): string | undefined {
  return r?.status === 'running' ? r.workCommit : undefined;
}

/** The journal of a merge that was moving the user's branch. */
export function mergingOf(r: RalphTaskRecord | undefined): MergeJournal | undefined {
  return r?.status === 'running' ? r.merging : undefined;
}

/** The commit that recorded a succeeded task's work. */
export function commitOf(r: RalphTaskRecord | undefined): string | undefined {
  return r?.status === 'success' ? r.commit : undefined;
}

export function commitHandledOf(r: RalphTaskRecord | undefined): boolean {
  return r?.status === 'success' && r.commitHandled === true;
}

/** The tip a shared-tree commit of this task's work was being made on. */
export function committingOf(r: RalphTaskRecord | undefined): string | undefined {
  return r?.status === 'success' ? r.committing : undefined;
}

/** What a record keeps whatever its status: what a change of status carries over. */
export function commonOf(r: RalphTaskRecord): TaskRecordCommon {
  const { id, attempts, startedAt, finishedAt, durationMs, reason, progressMerged, completionNoted, worktree, usage, logFile } = r;
  const all: TaskRecordCommon = { id, attempts, startedAt, finishedAt, durationMs, reason, progressMerged, completionNoted, worktree, usage, logFile } as TaskRecordCommon;
  return withoutUndefined(all);
}

/** The object without its keys whose value is undefined (the state file never holds them). */
export function withoutUndefined<T extends object>(o: T): T {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
