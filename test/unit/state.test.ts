import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RalphState } from '../../src/core/ports';
import { parseState, serializeState, StateError } from '../../src/core/state';
import { isAtomicTempFile, writeFileAtomic } from '../../src/node/stores/atomic';
import { FileStateStore } from '../../src/node/stores/state';

const pluginState = `{
  "source": "spec",
  "name": "parallel-runs",
  "basePath": "./specs/parallel-runs",
  "phase": "execution",
  "taskIndex": 3,
  "totalTasks": 12,
  "taskIteration": 1,
  "maxTaskIterations": 5,
  "globalIteration": 4,
  "maxGlobalIterations": 100,
  "parallelGroup": { "startIndex": 1, "endIndex": 2, "taskIndices": [1, 2] },
  "taskResults": { "1": { "status": "success" }, "2": { "status": "failed", "error": "verify exited 1" } },
  "awaitingApproval": false,
  "pluginFutureField": { "nested": [1, 2, 3] }
}
`;

function stateError(fn: () => unknown): StateError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StateError, `expected a StateError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a StateError, nothing was thrown');
}

describe('state: parse and serialize', () => {
  it('reads a ralph-specum state file and keeps unknown fields through a round trip', () => {
    const state = parseState(pluginState, 'specs/x/.ralph-state.json');
    assert.equal(state.taskIndex, 3);
    assert.deepEqual(state.parallelGroup, { startIndex: 1, endIndex: 2, taskIndices: [1, 2] }, JSON.stringify(state));
    state.taskIndex = 4;
    const out = serializeState(state);
    const back = JSON.parse(out) as Record<string, unknown>;
    assert.deepEqual(back.pluginFutureField, { nested: [1, 2, 3] }, out);
    assert.equal(back.awaitingApproval, false, out);
    assert.deepEqual(Object.keys(back), Object.keys(JSON.parse(pluginState) as object), out);
  });

  it('serializes with two-space indent and a final newline', () => {
    const out = serializeState({ taskIndex: 0, totalTasks: 2, parallelGroup: null });
    assert.equal(out, '{\n  "taskIndex": 0,\n  "totalTasks": 2,\n  "parallelGroup": null\n}\n', JSON.stringify(out));
  });

  it('accepts Ralph\'s own run record under `ralph`', () => {
    const state: RalphState = {
      taskIndex: 0,
      totalTasks: 2,
      ralph: {
        version: 1,
        runId: 'r1',
        startedAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:01.000Z',
        status: 'running',
        tasks: { '1.1': { id: '1.1', status: 'running', attempts: 1, progressMerged: false } },
        preexistingDirty: ['notes.txt'],
      },
    };
    assert.deepEqual(parseState(serializeState(state), 'p'), state);
  });

  it('tolerates a byte order mark', () => {
    const state = parseState(`\uFEFF{"taskIndex": 0, "totalTasks": 0}`, 'p');
    assert.equal(state.totalTasks, 0);
  });

  it('points at file, line and column for bad JSON', () => {
    const text = '{\n  "taskIndex": 1,\n  "totalTasks": 2,,\n}\n';
    const err = stateError(() => parseState(text, '/s/.ralph-state.json'));
    assert.deepEqual(err.location, { line: 3, column: 19 }, err.message);
    assert.match(err.message, /^\/s\/\.ralph-state\.json:3:19: state file is not valid JSON/, err.message);
  });

  it('points at the end for a truncated file, and says so for an empty one', () => {
    const err = stateError(() => parseState('{\n  "taskIndex": 1,\n  "tot', 'f.json'));
    assert.equal(err.location?.line, 3, err.message);
    const empty = stateError(() => parseState('  \n', 'f.json'));
    assert.match(empty.message, /f\.json:1:1: state file is empty/, empty.message);
  });

  it('names the JSON pointer and its line for a schema violation', () => {
    const text = '{\n  "taskIndex": 1,\n  "totalTasks": 2,\n  "taskResults": {\n    "0": { "status": "exploded" }\n  }\n}\n';
    const err = stateError(() => parseState(text, 'st.json'));
    assert.equal(err.pointer, '/taskResults/0/status', err.message);
    assert.equal(err.location?.line, 5, err.message);
    assert.match(err.message, /st\.json:5:\d+: .*\/taskResults\/0\/status must be one of "pending"/, err.message);
  });

  it('rejects a missing taskIndex, a negative count, a non-index key and a non-object', () => {
    assert.match(stateError(() => parseState('{"totalTasks": 1}', 'p')).message, /missing the required field "taskIndex"/);
    assert.equal(stateError(() => parseState('{"taskIndex": -1, "totalTasks": 1}', 'p')).pointer, '/taskIndex');
    assert.match(
      stateError(() => parseState('{"taskIndex": 0, "totalTasks": 1, "taskResults": {"x": {"status": "success"}}}', 'p')).message,
      /key "x" that is not a task index/,
    );
    assert.equal(stateError(() => parseState('[1]', 'p')).pointer, '/');
    assert.equal(stateError(() => parseState('{"taskIndex": 0, "totalTasks": 1, "parallelGroup": {"startIndex": 0}}', 'p')).pointer, '/parallelGroup');
  });
});

describe('state: FileStateStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-state-'));
  });
  afterEach(() => {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const leftovers = (): string[] => fs.readdirSync(dir).filter(isAtomicTempFile);

  it('loads undefined when there is no state file', async () => {
    assert.equal(await new FileStateStore(dir).load(), undefined);
  });

  it('sweeps the temp file a killed process left mid-save, but not one of a live process', async () => {
    // A pid that cannot be alive (beyond pid_max) stands for a process killed with -9.
    const dead = path.join(dir, '..ralph-state.json.4194999.0123456789ab.tmp');
    const live = path.join(dir, `..ralph-state.json.${process.ppid}.0123456789ab.tmp`);
    fs.writeFileSync(dead, '{"half": ');
    fs.writeFileSync(live, '{"in flight": ');
    await new FileStateStore(dir).save({ taskIndex: 0, totalTasks: 1 });
    assert.deepEqual(leftovers(), [path.basename(live)], JSON.stringify(leftovers()));
  });

  it('takes the spec folder or the state file path', () => {
    const file = path.join(dir, '.ralph-state.json');
    assert.equal(new FileStateStore(dir).path, file);
    assert.equal(new FileStateStore(file).path, file);
  });

  it('saves and loads back, keeping fields it does not know', async () => {
    fs.writeFileSync(path.join(dir, '.ralph-state.json'), pluginState);
    const store = new FileStateStore(dir);
    const state = await store.load();
    assert.ok(state);
    state.taskIndex = 5;
    await store.save(state);
    const text = fs.readFileSync(path.join(dir, '.ralph-state.json'), 'utf8');
    assert.match(text, /"pluginFutureField": \{\n {4}"nested"/, text);
    assert.equal((await store.load())?.taskIndex, 5);
    assert.deepEqual(leftovers(), []);
  });

  it('backs up a corrupt file, names the backup and leaves the original in place', async () => {
    const file = path.join(dir, '.ralph-state.json');
    fs.writeFileSync(file, '{"taskIndex": 1, "totalTa');
    const store = new FileStateStore(dir);
    let caught: unknown;
    await store.load().catch((e: unknown) => (caught = e));
    assert.ok(caught instanceof StateError, String(caught));
    const backups = fs.readdirSync(dir).filter((n) => n.startsWith('.ralph-state.json.corrupt-'));
    assert.equal(backups.length, 1, JSON.stringify(fs.readdirSync(dir)));
    assert.ok(!backups[0]!.includes(':'), backups[0]);
    assert.equal(caught.backupPath, path.join(dir, backups[0]!));
    assert.ok(caught.message.includes(backups[0]!), caught.message);
    assert.equal(fs.readFileSync(path.join(dir, backups[0]!), 'utf8'), '{"taskIndex": 1, "totalTa');
    assert.equal(fs.readFileSync(file, 'utf8'), '{"taskIndex": 1, "totalTa');
    // A second load makes a second backup rather than overwriting the first.
    await store.load().catch(() => undefined);
    assert.equal(fs.readdirSync(dir).filter((n) => n.startsWith('.ralph-state.json.corrupt-')).length, 2);
  });

  it('serializes concurrent saves: the last one issued wins, no temp files remain', async () => {
    const store = new FileStateStore(dir);
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.save({ taskIndex: i, totalTasks: 25 })));
    assert.equal((await store.load())?.taskIndex, 24);
    assert.deepEqual(leftovers(), []);
  });

  it('leaves no temp file and the old content when a write fails', async function () {
    if (process.platform === 'win32' || process.getuid?.() === 0) this.skip();
    const store = new FileStateStore(dir);
    await store.save({ taskIndex: 1, totalTasks: 2 });
    // A read-only directory makes the temp file creation fail.
    fs.chmodSync(dir, 0o555);
    await assert.rejects(store.save({ taskIndex: 2, totalTasks: 2 }), /EACCES/);
    fs.chmodSync(dir, 0o755);
    assert.equal((await store.load())?.taskIndex, 1);
    assert.deepEqual(leftovers(), []);
  });

  it('rejects a save it cannot complete and leaves no temp file', async () => {
    // A directory where the state file should be makes the final rename fail.
    fs.mkdirSync(path.join(dir, '.ralph-state.json'));
    fs.writeFileSync(path.join(dir, '.ralph-state.json', 'x'), 'x');
    await assert.rejects(new FileStateStore(dir).save({ taskIndex: 0, totalTasks: 1 }), /EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    assert.deepEqual(fs.readdirSync(dir), ['.ralph-state.json'], JSON.stringify(fs.readdirSync(dir)));
  });

  it('removes its temp file when the rename fails', async () => {
    // Renaming a file over a non-empty directory fails after the temp file was written.
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'x'), 'x');
    await assert.rejects(writeFileAtomic(target, 'data'));
    assert.deepEqual(leftovers(), []);
    assert.deepEqual(fs.readdirSync(dir), ['occupied']);
  });

  it('keeps the mode of the file it replaces', async function () {
    if (process.platform === 'win32') this.skip();
    const target = path.join(dir, 'run.sh');
    fs.writeFileSync(target, 'old');
    fs.chmodSync(target, 0o754);
    await writeFileAtomic(target, 'new');
    assert.equal(fs.statSync(target).mode & 0o777, 0o754, (fs.statSync(target).mode & 0o777).toString(8));
    assert.equal(fs.readFileSync(target, 'utf8'), 'new');
  });
});
