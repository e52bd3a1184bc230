// Each vendor preset through the real ProcessExecutor, with a stand-in that replays what the real
// CLI printed (test/fixtures/agents/<cli>/<case>): the argv the definition builds, the verdict and
// its failure kind, the readable transcript, the usage, and the raw log file. The same cases run
// against the real CLIs in test/conformance; these run anywhere, in milliseconds.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CancellationToken, ExecutorRequest, ExecutorResult, FailureKind } from '../../src/core/ports';
import { ProcessExecutor, type AgentPreset } from '../../src/node/executor';
import { makeTask } from './fakes';

const RECORDINGS = path.resolve(__dirname, '..', 'fixtures', 'agents');
const REPLAY = path.resolve(__dirname, '..', 'fixtures', 'executor', 'replay', 'replay.cjs');
const never: CancellationToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
const show = (v: unknown): string => JSON.stringify(v, null, 1).slice(0, 4000);

interface Expectation {
  readonly outcome: ExecutorResult['outcome'];
  readonly kind?: FailureKind;
  /** Text the reason must hold. */
  readonly reason?: RegExp;
  readonly usage?: boolean;
}

/** The cases every vendor CLI was recorded in, and what Ralph must make of them. */
const CASES: Record<string, Expectation> = {
  success: { outcome: 'succeeded', usage: true },
  'not-logged-in': { outcome: 'failed', kind: 'unavailable' },
  'auth-401': { outcome: 'failed', kind: 'unavailable' },
  'server-500': { outcome: 'failed', kind: 'task' },
  'no-write': { outcome: 'succeeded' },
};

const PRESETS: readonly AgentPreset[] = ['claude', 'codex', 'gemini', 'opencode'];

describe('agents through the executor: replayed recordings of the real CLIs', () => {
  let dir: string;
  let bin: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-replay-'));
    bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(dir, 'wt'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function replay(preset: AgentPreset, recording: string): Promise<{ result: ExecutorResult; output: string; argv: string[] }> {
    fs.symlinkSync(REPLAY, path.join(bin, preset));
    const argvFile = path.join(dir, 'argv.json');
    const executor = new ProcessExecutor(
      { preset, env: { PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin`, RALPH_REPLAY: recording, RALPH_REPLAY_ARGV: argvFile } },
      { promptDir: path.join(dir, 'prompts'), logDir: path.join(dir, 'logs') },
    );
    const request: ExecutorRequest = {
      task: makeTask('1.2', 0, { files: ['src/greet.txt'] }),
      attempt: 1,
      prompt: '# Task 1.2: Greet\n',
      specDir: path.join(dir, 'wt', 'specs', 'demo'),
      progressFile: path.join(dir, 'wt', 'specs', 'demo', '.progress-task-1.2.md'),
      cwd: path.join(dir, 'wt'),
      timeoutMs: 60_000,
    };
    let output = '';
    const result = await executor.run(request, (chunk) => (output += chunk), never);
    const argv = fs.existsSync(argvFile) ? (JSON.parse(fs.readFileSync(argvFile, 'utf8')) as string[]) : [];
    return { result, output, argv };
  }

  for (const preset of PRESETS) {
    describe(preset, () => {
      for (const [name, want] of Object.entries(CASES)) {
        const recording = path.join(RECORDINGS, preset, name);
        it(`${name}: ${want.outcome}${want.kind ? ` (${want.kind})` : ''}`, async function () {
          if (!fs.existsSync(`${recording}.json`)) this.skip();
          const { result, output } = await replay(preset, recording);
          assert.equal(result.outcome, want.outcome, show(result));
          if (want.outcome === 'failed') {
            assert.equal(result.failureKind ?? 'task', want.kind, show(result));
            const reason = result.reason ?? '';
            assert.ok(reason.length > 8, show(result));
            assert.doesNotMatch(reason, /\u001b|\n|^[\s{}[\]]*$|: [}\]]$/, `one clean line: ${JSON.stringify(reason)}`);
          }
          if (want.usage) assert.ok((result.usage?.inputTokens ?? 0) > 0 && (result.usage?.outputTokens ?? 0) > 0, show(result.usage));
          // What terminals show is a transcript, never the raw event stream…
          assert.doesNotMatch(output, /^\s*\{"(type|id|item|response)"/m, `no raw JSON in the transcript:\n${output.slice(0, 2000)}`);
          // …which is kept whole in the log file.
          assert.ok(result.logFile !== undefined && fs.existsSync(result.logFile), show(result));
          const log = fs.readFileSync(result.logFile as string, 'utf8');
          const stdout = fs.readFileSync(`${recording}.stdout`, 'utf8');
          const firstLine = stdout.split('\n').find((l) => l.trim() !== '');
          if (firstLine !== undefined) assert.ok(log.includes(firstLine), `the raw stream is in the log:\n${log.slice(0, 1000)}`);
        });
      }

      it('success: a write shown as one tool line, and the argv the definition builds', async function () {
        const recording = path.join(RECORDINGS, preset, 'success');
        if (!fs.existsSync(`${recording}.json`)) this.skip();
        const { output, argv } = await replay(preset, recording);
        assert.match(output, /^✎ \S+/m, output.slice(0, 2000));
        const recorded = (JSON.parse(fs.readFileSync(`${recording}.json`, 'utf8')) as { args?: string[] }).args ?? [];
        // The recording was made with the preset's own flags (paths and order aside).
        const shape = (a: readonly string[]) => a.filter((x) => x.startsWith('-')).sort();
        assert.deepEqual(shape(argv), shape(recorded), `argv ${show(argv)} vs recorded ${show(recorded)}`);
      });
    });
  }
});
