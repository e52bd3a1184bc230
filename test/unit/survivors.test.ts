// Agents outlive a Ralph that is killed outright (each has a process group of its own), and a
// descendant that calls setsid() leaves even the group. These tests kill the real CLI with
// SIGKILL and check that the next run stops what the killed one left before any task runs again,
// that a pid now used by an unrelated process is never touched, that setsid descendants go with
// their attempt, and that a folder an orphan made where a worktree belongs is no dead end.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CancellationToken, ExecutorRequest, RalphState, RecordedAgent, SurvivorsPort } from '../../src/core/ports';
import { neverCancelled, runPlan } from '../../src/core/run';
import { ProcessExecutor, ProcessSurvivors } from '../../src/node/executor';
import { processStartTime } from '../../src/node/executor/processTable';
import { collect, ensureBuilt, makeRepo, runCli, startCli, taskMd, type Repo } from './e2e-helpers';
import { flush, makeTask, plan, rig } from './fakes';
import { agentOf } from '../../src/core/run/recordFields';

const SPEC = 'specs/s/tasks.md';
const show = (v: unknown): string => JSON.stringify(v, null, 1);
const linuxOnly = 'Linux only: elsewhere Ralph cannot read other processes\' environments';

/** True while the process exists and is not a zombie (a container's init may never reap one). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Waits for `what` to become true; a timeout says what it saw last. */
async function until(what: string, check: () => string | undefined, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = check();
  while (last !== undefined) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last saw: ${last}`);
    await new Promise((r) => setTimeout(r, 25));
    last = check();
  }
}

/** Processes the tests started that a failing test could leave running. */
const strays: number[] = [];
function killStrays(): void {
  for (const pid of strays.splice(0)) if (running(pid)) process.kill(pid, 'SIGKILL');
}

/** A process of the test's own, in a process group of its own. */
function bystander(env: NodeJS.ProcessEnv = process.env): number {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start sleep');
  strays.push(child.pid);
  return child.pid;
}

// The stand-in agent: it takes a lock file for its task with O_EXCL (a second agent of the same
// task finding it taken notes an overlap), records start and end in a journal, and can leave a
// setsid() descendant behind. Writes nothing to its pipes after starting: a killed Ralph no
// longer reads them.
const AGENT_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const dir = process.env.RALPH_TEST_DIR;
const id = process.env.RALPH_TASK_ID;
const note = (what, extra = {}) => fs.appendFileSync(path.join(dir, 'journal.jsonl'), JSON.stringify({ what, id, pid: process.pid, t: Date.now(), ...extra }) + '\\n');
const lock = path.join(dir, id + '.lock');
try { fs.writeFileSync(lock, String(process.pid), { flag: 'wx' }); } catch { note('overlap', { holder: fs.readFileSync(lock, 'utf8') }); }
note('start');
if (process.env.RALPH_TEST_SETSID) {
  const pidFile = path.join(dir, id + '.setsid.pid');
  spawn('setsid', ['sh', '-c', 'echo $$ > "$1"; exec sleep 300', 'sh', pidFile], { stdio: 'ignore' }).unref();
}
const finish = (what, code) => {
  note(what);
  try { if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.rmSync(lock); } catch {}
  process.exit(code);
};
process.on('SIGTERM', () => finish('stopped', 143));
setTimeout(() => { fs.writeFileSync(id + '.txt', 'done by ' + process.pid + '\\n'); finish('end', 0); }, Number(process.env.RALPH_TEST_SLEEP_MS));
`;

interface Entry {
  readonly what: string;
  readonly id: string;
  readonly pid: number;
}

describe('survivors of a killed run (end to end, real processes)', function () {
  this.timeout(120_000);
  const repos: Repo[] = [];
  const dirs: string[] = [];
  before(() => ensureBuilt());
  after(() => {
    killStrays();
    repos.forEach((r) => r.cleanup());
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
  const setup = (): { r: Repo; dir: string; agent: string; journal: () => Entry[] } => {
    const r = makeRepo({ [SPEC]: `# Tasks: survivors\n\n## Phase 1: Work\n\n${taskMd('1.1', 'Long work', { files: ['1.1.txt'] })}`, 'README.md': 'hello\n' });
    repos.push(r);
    const dir = mkdtempSync(join(tmpdir(), 'ralph-survivors-'));
    dirs.push(dir);
    const script = join(dir, 'agent.cjs');
    writeFileSync(script, AGENT_SCRIPT);
    const journalFile = join(dir, 'journal.jsonl');
    const journal = (): Entry[] =>
      existsSync(journalFile)
        ? readFileSync(journalFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry)
        : [];
    return { r, dir, agent: `node "${script}"`, journal };
  };
  const stateOf = (r: Repo): RalphState | undefined => {
    try {
      return JSON.parse(r.read('specs/s/.ralph-state.json')) as RalphState;
    } catch {
      return undefined;
    }
  };

  it('stops the agent a SIGKILLed run left running before the resumed run starts its task again', async () => {
    const { r, dir, agent, journal } = setup();
    const setsid = process.platform === 'linux';
    const first = startCli(['run', SPEC, '--agent', agent, '--max-task-iterations', '1'], r.dir, {
      RALPH_TEST_DIR: dir,
      RALPH_TEST_SLEEP_MS: '600000',
      ...(setsid ? { RALPH_TEST_SETSID: '1' } : {}),
    });
    if (first.pid !== undefined) strays.push(first.pid);
    const firstDone = collect(first);
    // The agent is in the state file, with what proves it is that process, while it works.
    let recorded: RecordedAgent | undefined;
    await until('the agent to start and be recorded in the state', () => {
      const start = journal().find((e) => e.what === 'start');
      recorded = agentOf(stateOf(r)?.ralph?.tasks['1.1']);
      if (start === undefined || recorded?.pid !== start.pid) return show({ journal: journal(), recorded });
      if (setsid && !existsSync(join(dir, '1.1.setsid.pid'))) return 'no setsid pid file yet';
      return undefined;
    });
    const oldAgent = recorded!.pid;
    strays.push(oldAgent);
    assert.equal(recorded!.startTime, processStartTime(oldAgent), show(recorded));
    assert.equal(recorded!.pgid, oldAgent, show(recorded));
    assert.equal(recorded!.runId, stateOf(r)?.ralph?.runId, show(recorded));
    const grandchild = setsid ? Number(readFileSync(join(dir, '1.1.setsid.pid'), 'utf8')) : undefined;
    if (grandchild !== undefined) strays.push(grandchild);

    first.kill('SIGKILL');
    const killed = await firstDone;
    assert.equal(killed.signal, 'SIGKILL', show(killed));
    // What the soak found: the agent (and what left its group) outlive Ralph.
    assert.ok(running(oldAgent), `the agent ${oldAgent} should outlive the killed Ralph`);
    if (grandchild !== undefined) assert.ok(running(grandchild), `the setsid descendant ${grandchild} should outlive the killed Ralph`);
    assert.equal(stateOf(r)?.ralph?.status, 'running', show(stateOf(r)?.ralph));

    const again = await runCli(['run', SPEC, '--agent', agent, '--max-task-iterations', '1'], r.dir, { RALPH_TEST_DIR: dir, RALPH_TEST_SLEEP_MS: '50' });
    const out = again.stdout + again.stderr;
    assert.equal(again.code, 0, out);
    const stopped = grandchild !== undefined ? `2 agent processes left by the killed run: 1.1 \\(pid ${oldAgent}\\), 1.1 \\(pid ${grandchild}, outside its process group\\)` : `1 agent process left by the killed run: 1.1 \\(pid ${oldAgent}\\)`;
    assert.match(out, new RegExp(`stopped ${stopped}`), out);
    assert.equal(running(oldAgent), false, `the old agent ${oldAgent} is gone`);
    if (grandchild !== undefined) assert.equal(running(grandchild), false, `the setsid descendant ${grandchild} is gone`);

    // Never two agents of the task at once: the old one was stopped before the new one started.
    const entries = journal().map((e) => `${e.what} ${e.pid === oldAgent ? 'old' : 'new'}`);
    assert.deepEqual(entries, ['start old', 'stopped old', 'start new', 'end new'], show(journal()));
    assert.match(r.read(SPEC), /- \[x\] 1\.1 /, r.read(SPEC));
    assert.equal(agentOf(stateOf(r)?.ralph?.tasks['1.1']), undefined, show(stateOf(r)?.ralph?.tasks['1.1']));
  });

  it('moves a folder that is not a worktree out of a task\'s way, runs the task, and ralph clean lists and removes it', async () => {
    const { r, dir, agent } = setup();
    // What an orphaned agent leaves when it writes into its worktree after the worktree went.
    const where = join(r.worktrees, 's', '1.1');
    mkdirSync(where, { recursive: true });
    writeFileSync(join(where, '1.1.txt'), 'written by an orphan\n');

    const res = await runCli(['run', SPEC, '--agent', agent, '--isolation', 'worktree', '--max-task-iterations', '1'], r.dir, { RALPH_TEST_DIR: dir, RALPH_TEST_SLEEP_MS: '50' });
    const out = res.stdout + res.stderr;
    assert.equal(res.code, 0, out);
    const aside = readdirSync(join(r.worktrees, 's')).filter((n) => n.startsWith('.orphaned-1.1-'));
    assert.equal(aside.length, 1, show(readdirSync(join(r.worktrees, 's'))));
    const asidePath = join(r.worktrees, 's', aside[0]!);
    assert.ok(out.includes(`moved it aside to ${asidePath}`), out);
    assert.equal(readFileSync(join(asidePath, '1.1.txt'), 'utf8'), 'written by an orphan\n', 'nothing of it is lost');
    assert.match(r.read(SPEC), /- \[x\] 1\.1 /, r.read(SPEC));
    assert.match(r.read('1.1.txt'), /^done by \d+\n$/, 'the task\'s own work is merged, not the orphan\'s');

    const listed = await runCli(['clean', SPEC], r.dir);
    assert.equal(listed.code, 1, listed.stdout + listed.stderr);
    assert.match(listed.stdout, /moved-aside folder\s+NOT A WORKTREE/, listed.stdout);
    assert.ok(listed.stdout.includes(asidePath), listed.stdout);
    assert.ok(existsSync(asidePath), 'not removed without --yes');
    const removed = await runCli(['clean', SPEC, '--yes'], r.dir);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    assert.ok(removed.stdout.includes(`removed moved-aside folder ${asidePath}`), removed.stdout);
    assert.equal(existsSync(asidePath), false, removed.stdout);
  });
});

describe('ProcessSurvivors', function () {
  this.timeout(30_000);
  after(killStrays);
  const survivors = new ProcessSurvivors({ killGraceMs: 500 });
  const record = (pid: number, startTime: string | undefined, extra: Partial<RecordedAgent> = {}): RecordedAgent => ({
    pid,
    pgid: pid,
    ...(startTime !== undefined ? { startTime } : {}),
    host: hostname(),
    agentId: 'r:1.1#1:00000000',
    runId: 'r',
    attempt: 1,
    ...extra,
  });

  it('never stops a process that got a recorded pid later (another start time), nor one of another machine', async function () {
    if (process.platform === 'win32') this.skip();
    const pid = bystander();
    const real = processStartTime(pid);
    assert.ok(real !== undefined, 'the start time of a live process is known');
    // As if the agent recorded with this pid had died and the pid had been handed out again.
    const earlier = real.replace(/\d+$/, (n) => String(Number(n) - 1));
    const reused = await survivors.stop({ runId: 'r-reused', agents: [{ taskId: '1.1', agent: record(pid, earlier) }] });
    assert.deepEqual(reused, { stopped: [], left: [] });
    const unproven = await survivors.stop({ runId: 'r-reused', agents: [{ taskId: '1.1', agent: record(pid, undefined) }] });
    assert.deepEqual(unproven, { stopped: [], left: [] });
    const elsewhere = await survivors.stop({ runId: 'r-reused', agents: [{ taskId: '1.1', agent: record(pid, real, { host: `not-${hostname()}` }) }] });
    assert.deepEqual(elsewhere, { stopped: [], left: [] });
    assert.ok(running(pid), `the bystander ${pid} must survive`);

    // The same record with the start time the process really has: it is stopped (so the checks
    // above are what kept it alive).
    const ours = await survivors.stop({ runId: 'r-reused', agents: [{ taskId: '1.1', agent: record(pid, real) }] });
    assert.deepEqual(ours, { stopped: [{ pid, taskId: '1.1' }], left: [] });
    assert.equal(running(pid), false, `${pid} was recorded as ours and is stopped`);
  });

  it(`stops what carries the run's marker, and nothing that carries another run's (${linuxOnly})`, async function () {
    if (process.platform !== 'linux') this.skip();
    const runId = `r-${process.pid}-${Date.now()}`;
    const other = bystander({ ...process.env, RALPH_RUN_ID: `${runId}-other`, RALPH_TASK_ID: '2.1' });
    const marked = bystander({ ...process.env, RALPH_RUN_ID: runId, RALPH_TASK_ID: '2.1' });
    const result = await survivors.stop({ runId, agents: [] });
    assert.deepEqual(result, { stopped: [{ pid: marked, taskId: '2.1', outsideGroup: true }], left: [] });
    assert.equal(running(marked), false, `${marked} carried the run's marker`);
    assert.ok(running(other), `${other} belongs to another run`);
  });
});

describe('an attempt\'s descendants that left its process group', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ralph-setsid-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(killStrays);

  /** Starts `setsid sleep 300` (recording its pid), waits until it runs, then `then`. */
  const attempt = async (then: string, timeoutMs?: number) => {
    const pidFile = join(dir, 'setsid.pid');
    const script = join(dir, 'agent.sh');
    writeFileSync(
      script,
      `setsid sh -c 'echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 300' sh "${pidFile}" &\n` +
        `while [ ! -s "${pidFile}" ]; do sleep 0.02; done\n${then}\n`,
    );
    const executor = new ProcessExecutor({ preset: 'custom', command: `sh "${script}"` }, { promptDir: dir, killGraceMs: 500 });
    const request: ExecutorRequest = {
      task: makeTask('1.1', 0),
      attempt: 1,
      prompt: 'work\n',
      specDir: dir,
      progressFile: join(dir, '.progress-task-1.1.md'),
      cwd: dir,
      runId: 'r-setsid',
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
    const result = await executor.run(request, () => undefined, neverCancelled);
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
    return { result, pid };
  };

  it(`stops a setsid grandchild when the task times out (${linuxOnly})`, async function () {
    if (process.platform !== 'linux') this.skip();
    const { result, pid } = await attempt('sleep 60', 2000);
    assert.equal(result.outcome, 'timedOut', show(result));
    assert.ok(pid !== undefined, 'the grandchild started before the timeout');
    strays.push(pid);
    assert.equal(running(pid), false, `setsid grandchild ${pid} outlived the attempt`);
  });

  it(`stops a setsid daemon an agent leaves behind when it ends (${linuxOnly})`, async function () {
    if (process.platform !== 'linux') this.skip();
    const { result, pid } = await attempt('exit 0');
    assert.equal(result.outcome, 'succeeded', show(result));
    assert.ok(pid !== undefined, 'the daemon started');
    strays.push(pid);
    assert.equal(running(pid), false, `setsid daemon ${pid} outlived the attempt`);
  });
});

describe('scheduler: survivors of a killed run', () => {
  const killed = (agent?: RecordedAgent): RalphState => ({
    taskIndex: 0,
    totalTasks: 2,
    ralph: {
      version: 1,
      runId: 'killed-run',
      startedAt: '2024-01-01T00:00:00.000Z',
      updatedAt: 'x',
      status: 'running',
      tasks: { '1': { id: '1', status: 'running', attempts: 1, ...(agent ? { agent } : {}) } },
    },
  });
  const agent: RecordedAgent = { pid: 4242, pgid: 4242, startTime: 'linux:b:1', host: 'h', agentId: 'killed-run:1#1:0', runId: 'killed-run', attempt: 1 };

  it('stops them before anything else, says which, and records each new agent while it runs', async () => {
    const r = rig(killed(agent));
    const asked: unknown[] = [];
    const survivors: SurvivorsPort = {
      stop: async (previous) => {
        asked.push(previous);
        r.journal.add('survivors stopped');
        return { stopped: [{ pid: 4242, taskId: '1' }, { pid: 4243, taskId: '1', outsideGroup: true }], left: [] };
      },
    };
    const token: CancellationToken = neverCancelled;
    const run = runPlan(plan({ tasks: ['1', '2'] }), { ...r.ports, survivors }, { maxConcurrent: 2, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 }, token, (e) => r.events.push(e));
    await flush();
    assert.deepEqual(asked, [{ runId: 'killed-run', agents: [{ taskId: '1', agent }] }], show(asked));
    assert.deepEqual(r.journal.entries.slice(0, 3), ['survivors stopped', 'start 1', 'start 2'], show(r.journal.entries));
    assert.ok(r.logs.includes('stopped 2 agent processes left by the killed run: 1 (pid 4242), 1 (pid 4243, outside its process group)'), show(r.logs));

    const call = r.executor.calls.find((c) => c.request.task.id === '1');
    assert.equal(call?.request.runId, 'killed-run', 'a resumed run keeps its id');
    call?.request.onSpawn?.({ pid: 7, pgid: 7, startTime: 'linux:b:9', host: 'h', agentId: 'killed-run:1#1:1' });
    await flush();
    assert.deepEqual(agentOf(r.state.current.ralph?.tasks['1']), { pid: 7, pgid: 7, startTime: 'linux:b:9', host: 'h', agentId: 'killed-run:1#1:1', runId: 'killed-run', attempt: 1 });
    r.executor.resolve('1');
    r.executor.resolve('2');
    await run;
    assert.equal(agentOf(r.state.current.ralph?.tasks['1']), undefined, 'cleared once the agent is gone');
  });

  it('starts nothing while an agent of the killed run could not be stopped', async () => {
    const r = rig(killed(agent));
    const survivors: SurvivorsPort = { stop: async () => ({ stopped: [], left: [{ pid: 4242, taskId: '1' }] }) };
    await assert.rejects(
      runPlan(plan({ tasks: ['1'] }), { ...r.ports, survivors }, { maxConcurrent: 1, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 }, neverCancelled, () => undefined),
      /1 agent process left by the killed run could not be stopped: 1 \(pid 4242\); stop them and run again/,
    );
    assert.deepEqual(r.executor.order, [], show(r.executor.order));
  });
});
