// The CLI's run view: what a person reads while a run goes on.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { LiveView } from '../../src/node/cli/liveView';
import type { RunEvent } from '../../src/core/ports';
import { OPTIONAL_SKIP_REASON } from '../../src/core/plan/optional';
import { RunBoard, statusText } from '../../src/core/board';
import { formatDuration } from '../../src/core/duration';
import { WORKTREE_RUN } from './viewEvents';

function view(tty: boolean): { v: LiveView; text: () => string } {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  out.isTTY = tty;
  out.columns = 80;
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const v = new LiveView({ out, title: 'specs/x', titles: new Map([['1.1', 'First'], ['1.2', 'Second']]), color: false, now: () => 5000 });
  return { v, text: () => text };
}

const ev = (e: Partial<RunEvent> & { type: RunEvent['type'] }): RunEvent => ({ at: 0, ...e }) as RunEvent;

describe('CLI live view', () => {
  it("says a task's duration as the tree and the DAG page do, through a worktree run", () => {
    const { v, text } = view(false);
    const board = new RunBoard();
    v.start();
    for (const e of WORKTREE_RUN) {
      v.onEvent(e);
      board.apply(e);
    }
    const out = text();
    // What the tree shows (statusText of the board entry) and what the DAG page is sent.
    assert.equal(statusText(board.entry('1.1')), `succeeded in ${formatDuration(2_600)}`);
    assert.equal(board.updatesFor(['1.1'])[0]?.durationMs, 2_600);
    assert.equal(statusText(board.entry('1.2')), `succeeded in ${formatDuration(2_200)} · 2 attempts`);
    // The CLI's lines: the same durations, not the engine's (2.0 s, 1.5 s, 1.2 s) that leave out the merge wait.
    assert.match(out, new RegExp(`✔ 1\\.1 First ${formatDuration(2_600)}\n`), out);
    assert.match(out, new RegExp(`↻ 1\\.2 Second ${formatDuration(3_000)} — verify failed`), out);
    assert.match(out, new RegExp(`✔ 1\\.2 Second ${formatDuration(2_200)}\n`), out);
  });

  it('shows a retried failure as a retry, not as a failed task, and counts only final results', () => {
    const { v, text } = view(false);
    v.start();
    v.onEvent(ev({ type: 'taskStarted', taskId: '1.1', attempt: 1 }));
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.1', status: 'failed', reason: 'exit code 1', attempt: 1, durationMs: 1000, willRetry: true }));
    v.onEvent(ev({ type: 'taskStarted', taskId: '1.1', attempt: 2 }));
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.1', status: 'succeeded', attempt: 2, durationMs: 1000 }));
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.2', status: 'blocked', reason: 'blocked by 1.0 (failed)', attempt: 0, durationMs: 0 }));
    v.finish({ succeeded: 1, failed: 0, blocked: 1, cancelled: 0, skipped: 0, elapsedMs: 1000, serialEstimateMinutes: 20 });
    const out = text();
    assert.match(out, /↻ 1\.1 First 1\.0 s — exit code 1; trying again/, out);
    assert.match(out, /▶ 1\.1 First \(attempt 2\)/, out);
    assert.match(out, /✔ 1\.1 First/, out);
    assert.match(out, /⊘ 1\.2 Second — blocked by 1\.0 \(failed\)/, out);
    assert.doesNotMatch(out, /✖/, out);
    assert.match(out, /Finished in 1\.0 s: 1 succeeded, 0 failed, 1 blocked/, out);
    assert.match(out, /one task at a time would have taken 2\.0 s: 2\.00× faster/, out);
    assert.doesNotMatch(out, /\x1b\[/, 'no escape codes without a TTY: ' + JSON.stringify(out));
  });

  it('redraws a status block with a progress bar and the running tasks on a TTY', () => {
    const { v, text } = view(true);
    v.onEvent(ev({ type: 'runStarted', runId: 'r', taskIds: ['1.1', '1.2'], resumed: false }));
    v.onEvent(ev({ type: 'taskStarted', taskId: '1.2', attempt: 1 }));
    const out = text();
    assert.match(out, /░{24} 0\/2/, out);
    assert.match(out, /● 1\.2 Second/, out);
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.2', status: 'succeeded', attempt: 1, durationMs: 10 }));
    assert.match(text(), /\x1b\[2A\x1b\[0J/, 'the old block (2 lines) is erased before redrawing: ' + JSON.stringify(text()));
    assert.match(text(), /█{12}░{12} 1\/2/, text());
  });

  it('counts the tasks the run says it covers: a scope widened by --with-dependencies or a parent\'s sub-tasks fills the bar, never past it', () => {
    const { v, text } = view(true);
    // `ralph run --task 2.1 --with-dependencies`: the CLI asked for one task, the run covers three.
    v.onEvent(ev({ type: 'runStarted', runId: 'r', taskIds: ['1.1', '1.2', '2.1'], resumed: false }));
    for (const id of ['1.1', '1.2', '2.1']) {
      v.onEvent(ev({ type: 'taskStarted', taskId: id, attempt: 1 }));
      v.onEvent(ev({ type: 'taskFinished', taskId: id, status: 'succeeded', attempt: 1, durationMs: 5 }));
    }
    assert.match(text(), /█{24} 3\/3 +✔ 3/, text());
    // An event for a task outside the list (it cannot happen, but a view must not fall over).
    v.onEvent(ev({ type: 'taskFinished', taskId: '9.9', status: 'failed', attempt: 1, durationMs: 5 }));
    assert.doesNotMatch(text(), /RangeError/);
    assert.match(text(), /█{24} 3\/3/, text());
  });
});

describe('CLI live view: what the agents cost and why a run stopped', () => {
  it('shows each task its cost, the total at the end, and a halt said once', () => {
    const { v, text } = view(false);
    v.start();
    v.onEvent(ev({ type: 'taskStarted', taskId: '1.1', attempt: 1 }));
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.1', status: 'succeeded', attempt: 1, durationMs: 2000, usage: { inputTokens: 12_300, outputTokens: 800, cachedInputTokens: 8000, costUsd: 0.042 } }));
    v.onEvent(ev({ type: 'runHalted', reason: 'the budget of $0.04 is spent ($0.04 so far)' }));
    v.finish({
      succeeded: 1, failed: 0, blocked: 0, cancelled: 1, skipped: 0, elapsedMs: 2000, serialEstimateMinutes: 10,
      usage: { inputTokens: 12_300, outputTokens: 800, cachedInputTokens: 8000, costUsd: 0.042 },
      haltReason: 'the budget of $0.04 is spent ($0.04 so far)',
    });
    const out = text();
    assert.match(out, /✔ 1\.1 First 2\.0 s · \$0\.04/, out);
    assert.match(out, /■ no new task starts: the budget of \$0\.04 is spent/, out);
    assert.match(out, /agents reported: 12k in \(8\.0k cached\) · 800 out · \$0\.04/, out);
    assert.match(out, /stopped early: the budget/, out);
  });

  it('tells a skipped optional task from one that was already done', () => {
    const { v, text } = view(false);
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.1', status: 'skipped', reason: 'already done', attempt: 0, durationMs: 0 }));
    v.onEvent(ev({ type: 'taskFinished', taskId: '1.2', status: 'skipped', reason: OPTIONAL_SKIP_REASON, attempt: 0, durationMs: 0 }));
    v.finish({ succeeded: 0, failed: 0, blocked: 0, cancelled: 0, skipped: 2, elapsedMs: 1000, serialEstimateMinutes: 0 });
    const out = text();
    assert.match(out, /↷ 1\.2 Second — optional, skipped/, out);
    assert.doesNotMatch(out, /1\.1 First/, out);
    assert.match(out, /0 blocked, 1 already done, 1 optional skipped \(--include-optional runs them\)/, out);
  });
});
