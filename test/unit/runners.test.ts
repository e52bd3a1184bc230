import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunnerSpec, runnerSlots, RunnerSpecError, runnerLabel, checkEnvName, checkMemory } from '../../src/core/runners';
import { RunBoard } from '../../src/core/board';
import { devContainerImage } from '../../src/node/runners';
import { RunnerPool } from '../../src/node/runners/pool';
import { hostFilesOf, containerName } from '../../src/node/runners/docker';
import { runnerArgs } from '../../src/node/cli/runnerArgs';
import { UsageError } from '../../src/node/cli/args';
import type { CancellationToken, ExecutorRequest, ExecutorResult } from '../../src/core/ports';

describe('runners: one reading of `kind[@where][,slots=N]`', () => {
  it('reads kind, engine and slots', () => {
    assert.deepEqual(parseRunnerSpec('local'), { kind: 'local', label: 'local' });
    assert.deepEqual(parseRunnerSpec('docker,slots=4'), { kind: 'docker', slots: 4, label: 'docker' });
    assert.deepEqual(parseRunnerSpec('docker@ssh://me@box.example:22,slots=8'), { kind: 'docker', where: 'ssh://me@box.example:22', slots: 8, label: 'docker@box.example' });
    // A tcp address ends in a port: the comma, not a colon, starts the options.
    assert.deepEqual(parseRunnerSpec('docker@tcp://10.0.0.5:2375'), { kind: 'docker', where: 'tcp://10.0.0.5:2375', label: 'docker@10.0.0.5' });
    assert.equal(parseRunnerSpec('docker@build-farm').label, 'docker@build-farm');
    assert.equal(runnerLabel('docker', 'unix:///var/run/other.sock'), 'docker@unix:///var/run/other.sock');
  });

  it('says what is wrong, and where it was written', () => {
    assert.throws(() => parseRunnerSpec('podman', 'ralph.runners'), (e: Error) => e instanceof RunnerSpecError && /ralph\.runners 'podman'.*local, docker, kubernetes/.test(e.message));
    assert.throws(() => parseRunnerSpec('docker,slots=0'), /slots must be a whole number of at least 1, not '0'/);
    assert.throws(() => parseRunnerSpec('docker,cpus=2'), /unknown option 'cpus=2'/);
    assert.throws(() => parseRunnerSpec('local@box'), /a local runner runs here/);
    assert.throws(() => parseRunnerSpec('docker@'), /nothing after '@'/);
  });

  it('sums slots into the run\'s concurrency; an unset count is maxConcurrent', () => {
    assert.deepEqual(runnerSlots([], 3).total, 3);
    const { runners, total } = runnerSlots([parseRunnerSpec('local,slots=2'), parseRunnerSpec('docker@ssh://box')], 5);
    assert.equal(total, 7);
    assert.deepEqual(runners.map((r) => [r.label, r.slots]), [['local', 2], ['docker@box', 5]]);
    assert.throws(() => runnerSlots([parseRunnerSpec('docker'), parseRunnerSpec('docker,slots=2')], 3), /given twice/);
  });

  it('takes variable names only: a value would end up in a command line', () => {
    assert.equal(checkEnvName('ANTHROPIC_API_KEY', '--pass-env'), 'ANTHROPIC_API_KEY');
    assert.throws(() => checkEnvName('ANTHROPIC_API_KEY=sk-123', '--pass-env'), /not a variable name \(pass names, never NAME=value/);
    assert.equal(checkMemory('4G', '--memory'), '4g');
    assert.throws(() => checkMemory('lots', '--memory'), /like 512m or 4g/);
  });

  it('ralph run reads them as usage errors naming the option', () => {
    const { runners, container } = runnerArgs({ runner: ['local,slots=1', 'docker,slots=2'], image: 'node:20', network: 'host', 'pass-env': ['A_KEY,B_KEY'], cpus: '1.5' }, {});
    assert.deepEqual(runners.map((r) => r.label), ['local', 'docker']);
    assert.deepEqual(container, { network: 'host', passEnv: ['A_KEY', 'B_KEY'], image: 'node:20', cpus: 1.5 });
    assert.throws(() => runnerArgs({ network: 'maybe' }, {}), (e: Error) => e instanceof UsageError && /--network: network must be on, off or host/.test(e.message));
    assert.equal(runnerArgs({}, { RALPH_RUNNER_IMAGE: 'img:1' }).container.image, 'img:1');
  });
});

describe('runners: the dev container image', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ralph-devc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the image of .devcontainer/devcontainer.json, comments and trailing commas allowed', () => {
    assert.equal(devContainerImage(dir), undefined);
    mkdirSync(join(dir, '.devcontainer'));
    writeFileSync(join(dir, '.devcontainer', 'devcontainer.json'), '{\n  // the team image\n  "image": "mcr.example/dev:1",\n}\n');
    assert.equal(devContainerImage(dir), 'mcr.example/dev:1');
  });

  it('a broken file is an error with its line; a Dockerfile dev container says to build and name it', () => {
    mkdirSync(join(dir, '.devcontainer'));
    writeFileSync(join(dir, '.devcontainer', 'devcontainer.json'), '{\n  "image": "a"\n  "x": 1\n}\n');
    assert.throws(() => devContainerImage(dir), /devcontainer\.json:3: CommaExpected/);
    writeFileSync(join(dir, '.devcontainer', 'devcontainer.json'), '{ "build": { "dockerfile": "Dockerfile" } }');
    assert.throws(() => devContainerImage(dir), /built from a Dockerfile.*set ralph\.runner\.image/);
  });
});

describe('runners: what goes into a container', () => {
  it('names the files the argv points at outside the workspace (the prompt, a script), never what is inside', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ralph-files-'));
    try {
      const ws = join(dir, 'ws');
      mkdirSync(ws);
      writeFileSync(join(dir, 'prompt.md'), 'p');
      writeFileSync(join(dir, 'agent.mjs'), 'a');
      writeFileSync(join(ws, 'inside.txt'), 'i');
      const files = hostFilesOf({ cwd: ws, promptFile: join(dir, 'prompt.md'), args: [join(dir, 'agent.mjs'), join(ws, 'inside.txt'), '--flag', join(dir, 'missing')] });
      assert.deepEqual(files, [join(dir, 'prompt.md'), join(dir, 'agent.mjs')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('container names are valid for the engine whatever the task id', () => {
    const name = containerName('run-2026-11-29T17:00', '../T 1.2/ü', 3);
    assert.match(name, /^ralph-[A-Za-z0-9]+-[A-Za-z0-9][A-Za-z0-9_.-]*-3-[0-9a-f]{6}$/);
  });
});

describe('runners: the pool hands each attempt to a runner with a free slot', () => {
  it('fills the first runner, then the next, and frees slots as attempts end', async () => {
    const started: string[] = [];
    const gates: (() => void)[] = [];
    const member = (label: string, slots: number) => ({
      label,
      slots,
      executor: {
        run: (request: ExecutorRequest): Promise<ExecutorResult> => {
          started.push(`${request.task.id}@${label}`);
          return new Promise((resolve) => gates.push(() => resolve({ outcome: 'succeeded', exitCode: 0, signal: null, durationMs: 1, outputTail: '' })));
        },
      },
    });
    const pool = new RunnerPool([member('local', 1), member('docker@box', 2)]);
    const token: CancellationToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };
    const req = (id: string) => ({ task: { id } as ExecutorRequest['task'], attempt: 1, prompt: '', specDir: '', progressFile: '', cwd: '' });
    const runs = ['a', 'b', 'c'].map((id) => pool.run(req(id), () => undefined, token));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a@local', 'b@docker@box', 'c@docker@box']);
    assert.deepEqual([...pool.load()], [['local', 1], ['docker@box', 2]]);
    gates[0]?.();
    await runs[0];
    const d = pool.run(req('d'), () => undefined, token);
    await new Promise((r) => setImmediate(r));
    assert.equal(started[3], 'd@local');
    for (const g of gates.slice(1)) g();
    await Promise.all([...runs, d]);
  });
});

describe('runners: a runner that cannot work is taken out, and the attempt goes elsewhere', () => {
  const token: CancellationToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };
  const req = (id: string) => ({ task: { id } as ExecutorRequest['task'], attempt: 1, prompt: '', specDir: '', progressFile: '', cwd: '' });
  const ok: ExecutorResult = { outcome: 'succeeded', exitCode: 0, signal: null, durationMs: 1, outputTail: '' };
  const down: ExecutorResult = { outcome: 'failed', exitCode: null, signal: null, durationMs: 1, outputTail: '', reason: 'the Docker engine cannot be reached', failureKind: 'unavailable' };

  it('retries on the runners left without spending an attempt, says so once, and waits for their slots', async () => {
    const calls: string[] = [];
    const gates: (() => void)[] = [];
    const pool = new RunnerPool([
      { label: 'docker@box', slots: 2, executor: { run: async (r: ExecutorRequest) => (calls.push(`${r.task.id}@box`), down) } },
      {
        label: 'local',
        slots: 1,
        executor: { run: (r: ExecutorRequest) => (calls.push(`${r.task.id}@local`), new Promise<ExecutorResult>((resolve) => gates.push(() => resolve(ok)))) },
      },
    ]);
    const said: string[] = [];
    const a = pool.run(req('a'), (c) => said.push(c), token);
    await new Promise((r) => setImmediate(r));
    const b = pool.run(req('b'), (c) => said.push(c), token);
    await new Promise((r) => setImmediate(r));
    // a went to box, was turned away, and runs here; b waits for the one local slot.
    assert.deepEqual(calls, ['a@box', 'a@local']);
    assert.deepEqual([...pool.unavailable().keys()], ['docker@box']);
    assert.match(said.join(''), /docker@box is taken out of this run: the Docker engine cannot be reached — trying on local/);
    gates[0]?.();
    assert.equal((await a).outcome, 'succeeded');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['a@box', 'a@local', 'b@local']);
    gates[1]?.();
    assert.equal((await b).outcome, 'succeeded');
  });

  it('with no runner left, the failure is the attempt\'s: the run stops starting tasks as for an unavailable agent', async () => {
    const pool = new RunnerPool([
      { label: 'docker', slots: 1, executor: { run: async () => down } },
      { label: 'docker@box', slots: 1, executor: { run: async () => down } },
    ]);
    const result = await pool.run(req('a'), () => undefined, token);
    assert.equal(result.failureKind, 'unavailable');
    assert.equal(pool.unavailable().size, 1, 'the last one is not taken out: its failure is reported');
  });
});

describe('runners: where a task runs reaches every view through the board', () => {
  it('a placed task keeps its runner through its finish', () => {
    const board = new RunBoard();
    board.apply({ type: 'runStarted', runId: 'r', taskIds: ['1'], resumed: false, at: 0 });
    board.apply({ type: 'taskStarted', taskId: '1', attempt: 1, at: 1 });
    assert.deepEqual(board.apply({ type: 'taskPlaced', taskId: '1', attempt: 1, runner: 'docker@box', at: 2 }), ['1']);
    assert.equal(board.entry('1').runner, 'docker@box');
    board.apply({ type: 'taskFinished', taskId: '1', status: 'succeeded', attempt: 1, durationMs: 5, at: 6 });
    assert.equal(board.entry('1').runner, 'docker@box');
    assert.equal(board.entry('1').status, 'succeeded');
  });
});
