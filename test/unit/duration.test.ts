import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { RunBoard, statusText } from '../../src/core/board';
import { formatDuration, formatMinutes } from '../../src/core/duration';
import { serializeState, STATE_FILE_NAME } from '../../src/core/state';
import type { RalphState } from '../../src/core/ports';
import { statusCommand } from '../../src/node/cli/run';
import { LiveView } from '../../src/node/cli/liveView';

describe('formatDuration: one format for a measured time', () => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    // Rounded to what is shown before the unit is chosen: never `1000 ms`, `10.0 s` or `60 s`.
    [999.6, '1.0 s'],
    [3140, '3.1 s'],
    [9_960, '10 s'],
    [42_000, '42 s'],
    [59_600, '1m 00s'],
    [65_000, '1m 05s'],
    [245_000, '4m 05s'],
    [3_599_600, '1h 00m'],
    [3_720_000, '1h 02m'],
    [30 * 3_600_000, '30h 00m'],
    [-5, '0 ms'],
    [Number.NaN, '0 ms'],
  ];
  for (const [ms, text] of cases) {
    it(`${ms} ms → ${text}`, () => assert.equal(formatDuration(ms), text));
  }
});

describe('formatMinutes: one format for an estimate', () => {
  it('stays in minutes, with hours past an hour', () => {
    const got = [0, 2.5, 39, 59.96, 60, 89, 119.6, 125].map(formatMinutes);
    assert.deepEqual(got, ['0 min', '2.5 min', '39 min', '1 h', '1 h', '1 h 29 min', '2 h', '2 h 5 min'], JSON.stringify(got));
  });
});

describe('one duration, one text in every face', () => {
  it('the tree, the CLI live view and `ralph status` write a record’s duration alike', async () => {
    const durationMs = 65_000;
    const expected = formatDuration(durationMs);
    assert.equal(expected, '1m 05s');

    // The CLI's live view.
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const view = new LiveView({ out, title: 't', titles: new Map([['1.1', 'First']]), color: false, now: () => 0 });
    view.onEvent({ type: 'taskFinished', taskId: '1.1', status: 'succeeded', attempt: 1, durationMs, at: 0 });
    assert.match(printed, new RegExp(`✔ 1\\.1 First ${expected}\\n`), printed);

    // `ralph status`, from the state file the run wrote.
    const dir = mkdtempSync(join(tmpdir(), 'ralph-duration-'));
    try {
      writeFileSync(join(dir, 'tasks.md'), '- [x] 1.1 First\n');
      const state: RalphState = {
        taskIndex: 1,
        totalTasks: 1,
        ralph: {
          version: 1,
          runId: 'r',
          startedAt: '2025-01-01T00:00:00.000Z',
          updatedAt: '2025-01-01T00:01:05.000Z',
          status: 'finished',
          tasks: { '1.1': { id: '1.1', status: 'success', attempts: 1, durationMs } },
        },
      };
      writeFileSync(join(dir, STATE_FILE_NAME), serializeState(state));

      // The tree's description (and the decoration beside the task line), from the same record.
      assert.equal(statusText(RunBoard.fromState(state).entry('1.1')), `succeeded in ${expected}`);

      let said = '';
      const stdout = new PassThrough();
      stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
      const code = await statusCommand([dir], { stdout, stderr: new PassThrough(), cwd: dir, env: {} });
      assert.equal(code, 0, said);
      assert.match(said, new RegExp(`1\\.1 .*\\(1 attempt\\(s\\); ${expected}\\)`), said);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
