// Conformance: each preset against the REAL agent CLI (pinned, installed by
// scripts/agent-clis/setup.mjs) talking to the scripted model server on 127.0.0.1. Ralph runs as a
// user runs it (`ralph run` from the bundle, in a temp git repository, worktree isolation), and
// each test checks what the user would: files committed, boxes checked, notes merged, costs
// recorded; and for each failure, one clean line that says what happened and what to do.
//
// A CLI that is not installed (setup failed, no registry) makes its tests skipped, with the
// reason, never passed.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RalphState, RunEvent } from '../../src/core/ports';
import { ScriptedModelServer } from '../agents/modelServer';
import type { Fault } from '../agents/script';
import { HARNESSES, type CliHarness } from '../agents/clis';
import { CLI, ensureBuilt, makeRepo, runCliJson, type JsonRun, type Repo } from '../unit/e2e-helpers';

const SPEC = `# Tasks

## Phase 1: Files

- [ ] 1.1 Write the alpha file
  - **Do**: Create \`src/alpha.txt\` containing \`alpha\`.
  - **Files**: src/alpha.txt
  - **Verify**: \`grep -q alpha src/alpha.txt\`
- [ ] 1.2 [P] Write the beta file
  - **Do**: Create \`src/beta.txt\` containing \`beta\`.
  - **Files**: src/beta.txt
  - **Verify**: \`grep -q beta src/beta.txt\`
- [ ] 1.3 [P] Write the gamma file
  - **Do**: Create \`src/gamma.txt\` containing \`gamma\`.
  - **Files**: src/gamma.txt
  - **Verify**: \`grep -q gamma src/gamma.txt\`
- [ ] 1.4 Write the delta file
  - **Do**: Create \`src/delta.txt\` containing \`delta\`.
  - **Files**: src/delta.txt
  - **Verify**: \`grep -q delta src/delta.txt\`
`;

const ONE_TASK = SPEC.slice(0, SPEC.indexOf('- [ ] 1.2'));
const TWO_TASKS = SPEC.slice(0, SPEC.indexOf('- [ ] 1.3')).replace('1.2 [P]', '1.2');

type RalphRun = JsonRun;

const show = (v: unknown): string => JSON.stringify(v, null, 1).slice(0, 6000);

/** The agents' HOME: under the user's own home, not /tmp (nor a clone that lives there), whose
 *  world-writable mode makes Gemini CLI skip the settings file Ralph names for it: it checks every
 *  folder above it. Each test's folder goes when the test ends. */
const HOMES = join(homedir(), '.cache', 'ralph-conformance');

class Env {
  readonly home = (mkdirSync(HOMES, { recursive: true, mode: 0o700 }), mkdtempSync(join(HOMES, 'home-')));
  server: ScriptedModelServer | undefined;
  repo: Repo | undefined;

  async start(h: CliHarness, spec: string, faults: Fault[] = []): Promise<void> {
    this.server = new ScriptedModelServer({ handlers: h.handlers, faults, lifetimeMs: 5 * 60_000 });
    const baseUrl = await this.server.start();
    this.repo = makeRepo({ 'README.md': '# demo\n', 'src/.keep': '', 'specs/demo/tasks.md': spec });
    this.vars = { ...(await h.environment({ baseUrl, home: this.home, loggedIn: true })) };
    this.baseUrl = baseUrl;
  }
  vars: NodeJS.ProcessEnv = {};
  baseUrl = '';

  async loggedOut(h: CliHarness): Promise<void> {
    this.vars = { ...(await h.environment({ baseUrl: this.baseUrl, home: this.home, loggedIn: false })) };
  }

  run(h: CliHarness | undefined, extra: string[] = [], options: { path?: string; agent?: string } = {}): Promise<RalphRun> {
    const repo = this.repo as Repo;
    const pathDirs = [options.path ?? (h ? dirname(h.bin) : ''), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.vars,
      PATH: pathDirs.join(':'),
      RALPH_LOGS_DIR: join(this.home, 'ralph-logs'),
      RALPH_RATE_LIMIT_WAIT_MS: '300',
    };
    const args = ['run', 'specs/demo', '--agent', options.agent ?? h?.name ?? 'claude', '--json', '--max-concurrent', '2', '--timeout', '150s', ...extra];
    return runCliJson(args, repo.dir, env, 200_000);
  }

  state(): RalphState {
    return JSON.parse((this.repo as Repo).read('specs/demo/.ralph-state.json')) as RalphState;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.repo?.cleanup();
    rmSync(this.home, { recursive: true, force: true });
  }
}

function finished(run: RalphRun, id: string): Extract<RunEvent, { type: 'taskFinished' }>[] {
  return run.events.filter((e): e is Extract<RunEvent, { type: 'taskFinished' }> => e.type === 'taskFinished' && e.taskId === id);
}

function reasonOf(run: RalphRun, id: string): string {
  const last = finished(run, id).pop();
  return last?.reason ?? '';
}

/** One clean line: no escape sequences, no newline, not a lone bracket. */
function assertCleanReason(reason: string, context: unknown): void {
  assert.ok(reason.length > 10, `a reason worth reading: ${show(context)}`);
  assert.doesNotMatch(reason, /\u001b|\n/, `one clean line: ${JSON.stringify(reason)}`);
  assert.doesNotMatch(reason, /^[\s{}[\]():,]*$|: [}\]]$/, `not a lone bracket: ${JSON.stringify(reason)}`);
}

before(function () {
  ensureBuilt();
});

for (const h of HARNESSES) {
  describe(`conformance: the ${h.name} preset with the real CLI`, function () {
    this.timeout(260_000);
    let env: Env;

    before(function () {
      if (!existsSync(h.bin)) {
        console.log(`    (skipped: ${h.bin} is not installed; run node scripts/agent-clis/setup.mjs)`);
        this.skip();
      }
    });
    beforeEach(() => (env = new Env()));
    afterEach(async () => env.close());

    it('runs a 4-task spec with a [P] pair in worktrees: files committed, boxes checked, notes merged, usage kept', async () => {
      await env.start(h, SPEC);
      const run = await env.run(h, ['--isolation', 'worktree']);
      const repo = env.repo as Repo;
      assert.equal(run.code, 0, `exit 0: ${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
      for (const name of ['alpha', 'beta', 'gamma', 'delta']) {
        assert.equal(repo.git('show', `HEAD:src/${name}.txt`).trim(), name, `src/${name}.txt is committed`);
      }
      const tasks = repo.read('specs/demo/tasks.md');
      assert.equal((tasks.match(/- \[x\]/g) ?? []).length, 4, tasks);
      const progress = repo.read('specs/demo/.progress.md');
      for (const id of ['1.1', '1.2', '1.3', '1.4']) assert.match(progress, new RegExp(`- \\[x\\] ${id.replace('.', '\\.')} `), progress);
      assert.equal(repo.git('status', '--porcelain', '--', 'src').trim(), '', 'nothing left uncommitted');
      // The [P] pair really ran side by side.
      const starts = run.events.filter((e) => e.type === 'taskStarted').map((e) => (e as { taskId: string }).taskId);
      assert.deepEqual(starts, ['1.1', '1.2', '1.3', '1.4'], show(starts));
      const state = env.state();
      for (const id of ['1.1', '1.2', '1.3', '1.4']) {
        const rec = state.ralph?.tasks[id];
        assert.equal(rec?.status, 'success', show(rec));
        assert.ok((rec?.usage?.inputTokens ?? 0) > 0 && (rec?.usage?.outputTokens ?? 0) > 0, `usage recorded for ${id}: ${show(rec)}`);
        assert.ok(rec?.logFile !== undefined && existsSync(rec.logFile), `raw log kept for ${id}: ${show(rec)}`);
      }
      assert.ok((state.ralph?.usage?.inputTokens ?? 0) > 0, show(state.ralph?.usage));
      // `ralph status` says what each task used and where its agent's raw output is.
      const status = spawnSync(process.execPath, [CLI, 'status', 'specs/demo'], { cwd: repo.dir, encoding: 'utf8' });
      assert.match(status.stdout, /✔ 1\.2 .*\d+(\.\d)?k? in .* out.*; log \/\S+1\.2\.1\.log/, status.stdout);
      // The transcript is readable: tool lines, no raw JSON events.
      const transcript = run.events.filter((e) => e.type === 'taskOutput').map((e) => (e as { chunk: string }).chunk).join('');
      assert.match(transcript, /^✎ \w+ src\/alpha\.txt$/m, `a write shown as a tool line, the path relative to the worktree:\n${transcript.slice(0, 3000)}`);
      assert.doesNotMatch(transcript, /^\{"type"/m, `no raw JSON events in the transcript:\n${transcript.slice(0, 3000)}`);
    });

    it('not installed: one clear line that says what to install, and no other task starts', async () => {
      await env.start(h, TWO_TASKS);
      const run = await env.run(undefined, ['--max-concurrent', '1'], { path: join(env.home, 'empty-bin'), agent: h.name });
      assert.equal(run.code, 1, run.stderr);
      const reason = reasonOf(run, '1.1');
      assertCleanReason(reason, run.events);
      assert.match(reason, /not installed.*npm install -g/, reason);
      assert.equal(run.events.filter((e) => e.type === 'taskStarted').length, 1, 'no second task, no retry');
      assert.equal(run.events.filter((e) => e.type === 'runHalted').length, 1, 'said once');
    });

    it('not logged in: not retried, said once, no other task starts', async () => {
      await env.start(h, TWO_TASKS);
      await env.loggedOut(h);
      const run = await env.run(h, ['--max-concurrent', '1']);
      assert.equal(run.code, 1, run.stderr);
      const reason = reasonOf(run, '1.1');
      assertCleanReason(reason, run.events);
      assert.equal(run.events.filter((e) => e.type === 'taskStarted').length, 1, `not retried: ${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
      assert.equal(run.events.filter((e) => e.type === 'runHalted').length, 1, 'said once');
      assert.ok(run.ms < 120_000, `no long retry loop: ${run.ms} ms`);
    });

    it('401 from the provider: not retried, said once', async () => {
      await env.start(h, TWO_TASKS, [{ status: 401 }]);
      const run = await env.run(h, ['--max-concurrent', '1']);
      assert.equal(run.code, 1, run.stderr);
      const reason = reasonOf(run, '1.1');
      assertCleanReason(reason, run.events);
      assert.match(reason, /401|auth|key|log/i, reason);
      assert.equal(run.events.filter((e) => e.type === 'taskStarted').length, 1, `not retried: ${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
      assert.equal(run.events.filter((e) => e.type === 'runHalted').length, 1, 'said once');
    });

    for (const status of [429, h.overloadedStatus]) {
      it(`${status} once, then success: the task succeeds on its first attempt`, async () => {
        await env.start(h, ONE_TASK, [{ status, times: 1 }]);
        const run = await env.run(h, ['--max-task-iterations', '1']);
        assert.equal(run.code, 0, `${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
        assert.equal((env.repo as Repo).git('show', 'HEAD:src/alpha.txt').trim(), 'alpha');
        assert.equal(env.state().ralph?.tasks['1.1']?.attempts, 1, show(env.state().ralph?.tasks['1.1']));
      });

      it(`${status} for longer than the CLI's own retries: Ralph waits and tries again without spending an attempt`, async () => {
        // More refusals than the CLI retries by itself (its retries are bounded by the preset),
        // so the attempt comes back rate limited and Ralph's own wait is what gets it through.
        await env.start(h, ONE_TASK, [{ status, times: 6 }]);
        const run = await env.run(h, ['--max-task-iterations', '1']);
        const transcript = run.events.filter((e) => e.type === 'taskOutput').map((e) => (e as { chunk: string }).chunk).join('');
        assert.equal(run.code, 0, `${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}\n${transcript.slice(-3000)}`);
        assert.match(transcript, /not counted as an attempt/, transcript.slice(-3000));
        assert.equal((env.repo as Repo).git('show', 'HEAD:src/alpha.txt').trim(), 'alpha');
        assert.equal(env.state().ralph?.tasks['1.1']?.attempts, 1, show(env.state().ralph?.tasks['1.1']));
      });
    }

    it('500 every time: fails with one clean line, within the bound', async () => {
      await env.start(h, ONE_TASK, [{ status: 500 }]);
      const run = await env.run(h, ['--max-task-iterations', '1']);
      assert.equal(run.code, 1, run.stderr);
      const reason = reasonOf(run, '1.1');
      assertCleanReason(reason, run.events);
      assert.ok(run.ms < 150_000, `the CLI's own retries are bounded: ${run.ms} ms`);
    });

    it('an agent that never writes the file: Verify fails, and the reason says what the agent said', async () => {
      await env.start(h, ONE_TASK, [{ noWrite: true }]);
      const run = await env.run(h, ['--max-task-iterations', '1']);
      assert.equal(run.code, 1, run.stderr);
      const reason = reasonOf(run, '1.1');
      assertCleanReason(reason, run.events);
      assert.match(reason, /verify failed: `grep -q alpha src\/alpha.txt` exited \d+; the agent said: "I finished task 1\.1\."/, reason);
    });
  });
}

