// The events a worktree run sends, as every view receives them: each task works in its own
// worktree, and the engine's duration of a task leaves out its wait to merge back, so the time
// the user watched it run (taskStarted → taskFinished) is longer than `durationMs`.
import type { RunEvent } from '../../src/core/ports';

export const WORKTREE_RUN: readonly RunEvent[] = [
  { type: 'runStarted', runId: 'r', taskIds: ['1.1', '1.2', '1.3'], resumed: false, at: 0 },
  { type: 'taskQueued', taskId: '1.1', at: 0 },
  { type: 'taskQueued', taskId: '1.2', at: 0 },
  { type: 'taskStarted', taskId: '1.1', attempt: 1, at: 1_000 },
  { type: 'taskStarted', taskId: '1.2', attempt: 1, at: 1_000 },
  { type: 'taskOutput', taskId: '1.1', chunk: 'editing src/a.ts\n', at: 1_500 },
  // 1.1: 2.0 s of work, then 0.6 s waiting to merge: seen running 2.6 s. 1.2's first attempt:
  // 1.5 s of work, seen 3.0 s; its second 1.2 s, seen 2.2 s.
  { type: 'taskFinished', taskId: '1.1', status: 'succeeded', attempt: 1, durationMs: 2_000, at: 3_600 },
  { type: 'taskFinished', taskId: '1.2', status: 'failed', attempt: 1, durationMs: 1_500, reason: 'verify failed: exit code 1', willRetry: true, at: 4_000 },
  { type: 'taskQueued', taskId: '1.2', at: 4_000 },
  { type: 'taskStarted', taskId: '1.2', attempt: 2, at: 4_100 },
  { type: 'batchCommitted', taskIds: ['1.1'], commit: 'abcdef0123456789', at: 4_200 },
  { type: 'taskFinished', taskId: '1.2', status: 'succeeded', attempt: 2, durationMs: 1_200, at: 6_300 },
  { type: 'taskFinished', taskId: '1.3', status: 'blocked', attempt: 0, durationMs: 0, reason: 'blocked by 1.0 (failed)', at: 6_300 },
  {
    type: 'runFinished',
    summary: { succeeded: 2, failed: 0, blocked: 1, cancelled: 0, skipped: 0, elapsedMs: 6_300, serialEstimateMinutes: 30 },
    at: 6_300,
  },
];
