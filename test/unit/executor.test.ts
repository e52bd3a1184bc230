import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Task } from '../../src/core/model';
import type { CancellationToken, ExecutorRequest, ExecutorResult, SpawnedAgent } from '../../src/core/ports';
import { ProcessExecutor, ShellVerifier, resolveDemoAgent, safeTaskId, type AgentConfig } from '../../src/node/executor';
import { groupAlive } from '../../src/node/executor/process';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'executor');
const FAKE_BIN = path.join(FIXTURES, 'replay');
// Shaped like `$(rm -rf ~) \`x\` "'; echo pwned`, but harmless if it ever reached a shell: it
// would leave canary files in the agent's cwd, which the test looks for.
const HOSTILE = `$(touch canary-dollar) \`touch canary-tick\` "'; echo pwned > canary-echo`;
const show = (v: unknown): string => JSON.stringify(v, null, 1);

class TokenSource {
  private listeners: Array<() => void> = [];
  private requested = false;
  readonly token: CancellationToken = {
    isCancellationRequested: false,
    onCancellationRequested: (listener) => {
      this.listeners.push(listener);
      return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
    },
  };
  cancel(): void {
    if (this.requested) return;
    this.requested = true;
    (this.token as { isCancellationRequested: boolean }).isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
}
const never = (): CancellationToken => new TokenSource().token;

function makeTask(overrides: Partial<Task> = {}): Task {
  const r = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return {
    id: '1.2',
    index: 3,
    title: 'Add the parser',
    check: 'todo',
    done: false,
    optional: false,
    markers: [],
    files: ['src/a.ts', 'src/b.ts'],
    verify: 'npm test',
    requirements: [],
    conflictsWith: [],
    parallelRequested: false,
    childIds: [],
    depth: 0,
    separatedFromPrevious: false,
    fields: {},
    text: '- [ ] 1.2 Add the parser',
    ranges: { line: r, checkbox: r, id: r, block: r },
    ...overrides,
  };
}

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return process.platform !== 'linux';
  }
}

describe('executor: ProcessExecutor', function () {
  let dir: string;
  let promptDir: string;
  let specDir: string;
  let record: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-executor-'));
    promptDir = path.join(dir, 'prompts');
    specDir = path.join(dir, `spec "dir" with 'quotes'`);
    fs.mkdirSync(specDir);
    record = path.join(dir, 'record.json');
    for (const f of fs.readdirSync(FAKE_BIN)) fs.chmodSync(path.join(FAKE_BIN, f), 0o755);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function request(overrides: Partial<ExecutorRequest> = {}): ExecutorRequest {
    return {
      task: makeTask(),
      attempt: 1,
      prompt: 'Implement task 1.2\nSee tasks.md\n',
      specDir,
      progressFile: path.join(specDir, '.progress-task-1.2.md'),
      cwd: dir,
      ...overrides,
    };
  }

  function fakeEnv(extra: Record<string, string> = {}): Record<string, string> {
    return { PATH: `${FAKE_BIN}${path.delimiter}${process.env.PATH ?? ''}`, RALPH_TEST_RECORD: record, ...extra };
  }

  async function run(
    config: AgentConfig,
    req: ExecutorRequest = request(),
    token: CancellationToken = never(),
    options: { killGraceMs?: number } = {},
  ): Promise<{ result: ExecutorResult; output: string }> {
    let output = '';
    const executor = new ProcessExecutor(config, { promptDir, ...options });
    const result = await executor.run(req, (chunk) => (output += chunk), token);
    return { result, output };
  }

  const readRecord = (): { argv: string[]; stdin: string; env?: Record<string, string>; cwd?: string } =>
    JSON.parse(fs.readFileSync(record, 'utf8'));

  // The vendor presets are tested on recordings of the real CLIs (agents-*.test.ts), through
  // this executor with a replaying stand-in (agents-executor.test.ts), and against the real CLIs
  // (test/conformance).

  describe('custom and aider', () => {
    it('passes a hostile title and id verbatim through prompt file, env and template argv', async () => {
      const task = makeTask({ id: HOSTILE, title: HOSTILE, files: ['a b.ts', HOSTILE], verify: `test "$(cat x)" = '1'` });
      const prompt = `# Task\n${HOSTILE}\n`;
      const spawned: SpawnedAgent[] = [];
      const req = request({ task, prompt, attempt: 2, runId: 'run-7', onSpawn: (agent) => spawned.push(agent) });
      const template = `"${process.execPath}" ${path.join(FIXTURES, 'record-run.js')} --id {taskId} --prompt={promptFile} {specDir} '{progressFile}'`;
      const { result } = await run({ preset: 'custom', command: template, env: { RALPH_TEST_RECORD: record } }, req);
      assert.equal(result.outcome, 'succeeded', show(result));
      const rec = readRecord();
      const promptFile = rec.env?.RALPH_PROMPT_FILE ?? '';
      assert.deepEqual(
        rec.argv,
        ['--id', HOSTILE, `--prompt=${promptFile}`, specDir, req.progressFile],
        show(rec),
      );
      assert.equal(rec.stdin, prompt, show(rec));
      // Where the test harness keeps worktrees and logs is the harness's, not Ralph's, setting.
      delete rec.env?.RALPH_WORKTREES_DIR;
      delete rec.env?.RALPH_LOGS_DIR;
      // The markers a later run (or the end of this attempt) finds the agent's descendants by:
      // the run, and this one agent process.
      const agentId = rec.env?.RALPH_AGENT_ID ?? '';
      assert.ok(agentId.startsWith(`run-7:${safeTaskId(HOSTILE)}#2:`) && /:[0-9a-f]{8}$/.test(agentId), agentId);
      assert.deepEqual(
        rec.env,
        {
          RALPH_RUN_ID: 'run-7',
          RALPH_AGENT_ID: agentId,
          RALPH_TEST_RECORD: record,
          RALPH_TASK_ID: HOSTILE,
          RALPH_TASK_INDEX: '3',
          RALPH_TASK_TITLE: HOSTILE,
          RALPH_ATTEMPT: '2',
          RALPH_PROMPT_FILE: promptFile,
          RALPH_PROGRESS_FILE: req.progressFile,
          RALPH_SPEC_DIR: specDir,
          RALPH_FILES: `a b.ts\n${HOSTILE}`,
          RALPH_VERIFY: `test "$(cat x)" = '1'`,
        },
        show(rec),
      );
      assert.equal(path.dirname(promptFile), promptDir, promptFile);
      assert.match(path.basename(promptFile), /^prompt-[A-Za-z0-9._-]+-2\.md$/, promptFile);
      assert.equal(fs.existsSync(promptFile), false, 'prompt file removed after the run');
      const canaries = fs.readdirSync(dir).filter((f) => f.startsWith('canary'));
      assert.deepEqual(canaries, [], show(canaries));
      assert.equal(rec.cwd, fs.realpathSync(dir), show(rec));
      // Reported as it was spawned, with what proves later that a pid is still this process.
      assert.equal(spawned.length, 1, show(spawned));
      assert.equal(spawned[0]?.agentId, agentId, show(spawned));
      assert.equal(spawned[0]?.host, os.hostname(), show(spawned));
      if (process.platform !== 'win32') {
        assert.equal(spawned[0]?.pgid, spawned[0]?.pid, show(spawned));
        assert.match(spawned[0]?.startTime ?? '', /^(linux|ps):./, show(spawned));
      }
    });

    it('keeps the prompt file until the agent has read it, through --message-file for aider', async () => {
      const binDir = path.join(dir, 'bin');
      fs.mkdirSync(binDir);
      // A stand-in aider: reads the file named by --message-file, not stdin.
      fs.writeFileSync(
        path.join(binDir, 'aider'),
        `#!${process.execPath}\nconst fs = require('node:fs');\nconst i = process.argv.indexOf('--message-file');\n` +
          `fs.writeFileSync(process.env.RALPH_TEST_RECORD, JSON.stringify({ argv: process.argv.slice(2), stdin: fs.readFileSync(process.argv[i + 1], 'utf8') }));\n`,
        { mode: 0o755 },
      );
      const { result } = await run({ preset: 'aider', env: { PATH: binDir, RALPH_TEST_RECORD: record } });
      assert.equal(result.outcome, 'succeeded', show(result));
      const rec = readRecord();
      assert.deepEqual(rec.argv, ['--yes-always', '--message-file', path.join(promptDir, 'prompt-1.2-1.md')], show(rec));
      assert.equal(rec.stdin, 'Implement task 1.2\nSee tasks.md\n', show(rec));
    });

    it('reports a non-zero exit of a custom command with its stderr, and a missing custom binary', async () => {
      const template = `"${process.execPath}" ${path.join(FIXTURES, 'record-run.js')}`;
      const failing = await run({ preset: 'custom', command: template, env: { RALPH_TEST_EXIT: '3', RALPH_TEST_STDERR: 'first\nlint: 4 problems\n' } });
      assert.equal(failing.result.outcome, 'failed', show(failing.result));
      assert.equal(failing.result.reason, 'the custom agent exited with code 3: lint: 4 problems', show(failing.result));
      assert.equal(failing.result.failureKind, undefined, 'an ordinary failure');
      const missing = await run({ preset: 'custom', command: 'no-such-agent-xyz --go' });
      assert.equal(
        missing.result.reason,
        'the custom agent is not installed: no-such-agent-xyz was not found on PATH (check the command in ralph.customCommand or --agent)',
        show(missing.result),
      );
      assert.equal(missing.result.failureKind, 'unavailable', 'the run stops starting tasks');
    });

    it('fails clearly when cwd does not exist, and rejects a bad template at construction', async () => {
      const { result } = await run({ preset: 'demo', env: fakeEnv() }, request({ cwd: path.join(dir, 'gone') }));
      assert.equal(result.reason, `working directory does not exist: ${path.join(dir, 'gone')}`, show(result));
      assert.throws(() => new ProcessExecutor({ preset: 'custom', command: `agent "unclosed` }), /unterminated double quote/);
    });

    it('finds the bundled demo agent from the sources and runs it', async () => {
      const script = resolveDemoAgent({});
      assert.equal(script, path.resolve(__dirname, '..', '..', 'examples', 'demo-agent.mjs'), script);
      const req = request({ task: makeTask({ files: ['out/demo.txt'] }) });
      const { result, output } = await run({ preset: 'demo', env: { RALPH_DEMO_SPEED: '0' } }, req);
      assert.equal(result.outcome, 'succeeded', show(result));
      assert.ok(fs.existsSync(path.join(dir, 'out', 'demo.txt')), output);
    });

    it('runs the demo agent named by RALPH_DEMO_AGENT with Node', async () => {
      const { result } = await run({
        preset: 'demo',
        env: { RALPH_DEMO_AGENT: path.join(FIXTURES, 'record-run.js'), RALPH_TEST_RECORD: record },
      });
      assert.equal(result.outcome, 'succeeded', show(result));
      assert.equal(readRecord().stdin, 'Implement task 1.2\nSee tasks.md\n');
    });
  });

  describe('output', () => {
    it('streams output as it arrives', async () => {
      const gate = path.join(dir, 'gate');
      let output = '';
      const executor = new ProcessExecutor(
        { preset: 'custom', command: `"${process.execPath}" ${path.join(FIXTURES, 'stream-then-wait.js')}`, env: { RALPH_TEST_GATE: gate } },
        { promptDir },
      );
      const result = await executor.run(
        request({ timeoutMs: 15_000 }),
        (chunk) => {
          output += chunk;
          // Only a listener that sees "first" while the process runs can let it finish.
          if (output.includes('first')) fs.writeFileSync(gate, '');
        },
        never(),
      );
      assert.equal(result.outcome, 'succeeded', show(result));
      assert.equal(output, 'first\nsecond\n', show(output));
    });

    it('delivers 5 MB of output but keeps only the bounded tail', async () => {
      let delivered = 0;
      let sawEnd = false;
      const executor = new ProcessExecutor(
        { preset: 'custom', command: `"${process.execPath}" ${path.join(FIXTURES, 'flood.js')}`, outputLimitBytes: 16 * 1024 },
        { promptDir },
      );
      const result = await executor.run(
        request(),
        (chunk) => {
          delivered += chunk.length;
          if (chunk.includes('END-OF-FLOOD')) sawEnd = true;
        },
        never(),
      );
      assert.equal(result.outcome, 'succeeded', show({ ...result, outputTail: result.outputTail.length }));
      assert.ok(delivered >= 5 * 1024 * 1024, `delivered ${delivered}`);
      assert.ok(sawEnd, 'end marker streamed');
      assert.ok(Buffer.byteLength(result.outputTail) <= 16 * 1024, `tail ${Buffer.byteLength(result.outputTail)} bytes`);
      // stdout and stderr are separate pipes: their last lines may arrive in either order.
      assert.match(result.outputTail.slice(-100), /END-OF-FLOOD\n/, JSON.stringify(result.outputTail.slice(-100)));
      assert.ok(result.outputTail.includes('stderr says hello'), JSON.stringify(result.outputTail.slice(-200)));
    });
  });

  describe('timeout and cancel', () => {
    const treeAgent = (extra: Record<string, string> = {}): AgentConfig => ({
      preset: 'custom',
      command: `"${process.execPath}" ${path.join(FIXTURES, 'grandchild-tree.js')}`,
      env: { RALPH_TEST_PIDFILE: path.join(dir, 'pids'), ...extra },
    });
    const pids = (): number[] => fs.readFileSync(path.join(dir, 'pids'), 'utf8').split(' ').map(Number);

    it('kills the whole tree on timeout, grandchild included', async () => {
      const { result } = await run(treeAgent(), request({ timeoutMs: 1500 }), never(), { killGraceMs: 2000 });
      assert.equal(result.outcome, 'timedOut', show(result));
      assert.equal(result.reason, 'timed out after 1.5 s', show(result));
      const [child, grandchild] = pids() as [number, number];
      assert.ok(!alive(child) && !alive(grandchild), `alive after timeout: child ${alive(child)}, grandchild ${alive(grandchild)}`);
    });

    it('escalates to SIGKILL when the tree ignores SIGTERM', async () => {
      const { result } = await run(treeAgent({ RALPH_TEST_STUBBORN: '1' }), request({ timeoutMs: 1000 }), never(), { killGraceMs: 500 });
      assert.equal(result.outcome, 'timedOut', show(result));
      const [child, grandchild] = pids() as [number, number];
      assert.ok(!alive(child) && !alive(grandchild), `alive after kill: child ${alive(child)}, grandchild ${alive(grandchild)}`);
      assert.equal(result.signal, 'SIGKILL', show(result));
    });

    it('cancels a running agent and its tree', async () => {
      const source = new TokenSource();
      let output = '';
      const executor = new ProcessExecutor(treeAgent(), { promptDir, killGraceMs: 2000 });
      const result = await executor.run(
        request(),
        (chunk) => {
          output += chunk;
          if (output.includes('ready')) source.cancel();
        },
        source.token,
      );
      assert.equal(result.outcome, 'cancelled', show(result));
      assert.equal(result.reason, 'cancelled', show(result));
      const [child, grandchild] = pids() as [number, number];
      assert.ok(!alive(child) && !alive(grandchild), `alive after cancel: child ${alive(child)}, grandchild ${alive(grandchild)}`);
      assert.equal(groupAlive(child), false, 'process group empty');
    });

    it('ends descendants an agent leaves behind when it exits', async () => {
      const { result, output } = await run(treeAgent({ RALPH_TEST_LEAVE: '1' }), request({ timeoutMs: 15_000 }), never(), { killGraceMs: 2000 });
      assert.equal(result.outcome, 'succeeded', show(result));
      assert.equal(output, 'ready\n', show(output));
      const [, grandchild] = pids() as [number, number];
      assert.equal(alive(grandchild), false, `grandchild ${grandchild} still alive`);
    });

    it('takes the agent tree down when Ralph itself exits mid-run', () => {
      const pidFile = path.join(dir, 'pids');
      const ralph = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(FIXTURES, 'exit-while-running.ts'), pidFile, dir], {
        encoding: 'utf8',
        timeout: 15_000,
      });
      assert.equal(ralph.status, 0, show(ralph));
      const [child, grandchild] = pids() as [number, number];
      // SIGTERM was sent synchronously on exit; give the processes a moment to act on it.
      const deadline = Date.now() + 5000;
      while ((alive(child) || alive(grandchild)) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
      assert.ok(!alive(child) && !alive(grandchild), `alive after Ralph exited: child ${alive(child)}, grandchild ${alive(grandchild)}`);
    });

    it('does not start an agent when already cancelled', async () => {
      const source = new TokenSource();
      source.cancel();
      const { result } = await run({ preset: 'claude', env: fakeEnv() }, request(), source.token);
      assert.equal(result.outcome, 'cancelled', show(result));
      assert.equal(fs.existsSync(record), false, 'agent never ran');
    });
  });
});

describe('executor: ShellVerifier', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-verify-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes on exit 0, running the author command through the shell in cwd', async () => {
    fs.writeFileSync(path.join(dir, 'schema.json'), '{"parallelGroup": {}}');
    const result = await new ShellVerifier().verify(`grep -q "parallelGroup" schema.json && echo found`, dir, never());
    assert.deepEqual(result, { ok: true, exitCode: 0, output: 'found\n' }, show(result));
  });

  it('gives the command the run\'s marker, so a resume can find a Verify a killed run left', async () => {
    const result = await new ShellVerifier().verify('echo "$RALPH_RUN_ID"', dir, never(), undefined, { RALPH_RUN_ID: 'run-42' });
    assert.deepEqual(result, { ok: true, exitCode: 0, output: 'run-42\n' }, show(result));
  });

  it('fails on a non-zero exit and keeps its output', async () => {
    const result = await new ShellVerifier().verify(`echo "2 tests failed" >&2; exit 1`, dir, never());
    assert.deepEqual(result, { ok: false, exitCode: 1, output: '2 tests failed\n' }, show(result));
  });

  it('times out and kills the command', async () => {
    const result = await new ShellVerifier({ killGraceMs: 500 }).verify('sleep 30', dir, never(), 500);
    assert.equal(result.ok, false, show(result));
    assert.match(result.output, /timed out/, show(result));
  });

  it('bounds its output', async () => {
    const result = await new ShellVerifier({ outputLimitBytes: 1000 }).verify(
      `"${process.execPath}" -e "process.stdout.write('y'.repeat(100000) + 'TAIL')"`,
      dir,
      never(),
    );
    assert.equal(result.ok, true, show(result.output.length));
    assert.equal(result.output.length, 1000, String(result.output.length));
    assert.ok(result.output.endsWith('TAIL'), result.output.slice(-10));
  });
});
