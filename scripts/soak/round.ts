// One soak round: a fresh repository and spec, `ralph run` killed one to three times at random
// moments in one of three ways while a simulated user edits, then a last run to the end (and one
// `ralph retry` if a task failed), then the checks. Nothing is shared with other rounds: the
// repository, HOME, the state, worktree, log and temp folders all live in the round's folder,
// which is deleted only once no process of the round is left.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  checkCheckboxes,
  checkCommits,
  checkJournal,
  checkLeftovers,
  checkProcesses,
  checkProgress,
  checkState,
  checkUncommitted,
  checkUserWork,
  checkWorkInHead,
  finishedTasks,
  readJournal,
  type RunRecord,
  type Violation,
} from './checks';
import { initRepo } from './git';
import { killAllWithMarker, MARKER_VAR, stopEverything, waitForNoMarker } from './procs';
import { roundSeed, seededRandom, type Random } from './random';
import { agentPlan, generateSpec, SPEC_DIR, SPEC_PATH, USER_FILE } from './spec';
import { SimulatedUser } from './user';

export type Isolation = 'none' | 'worktree';
export type KillKind = 'ralph' | 'group' | 'all';

export interface RoundOptions {
  /** 1-based. */
  readonly index: number;
  readonly total: number;
  readonly isolation: Isolation;
  readonly seed: number;
  /** The bundled CLI, dist/cli.js. */
  readonly cli: string;
  /** A run that has not ended after this long is a violation (run-hung), and is killed. */
  readonly runTimeoutMs: number;
  /** Keep the round's folder even when it passed. */
  readonly keep: boolean;
  /** Where round folders are made (default: the OS temp folder). */
  readonly tmp?: string;
  /** The simulated user editing tasks.md and committing meanwhile (default on); off isolates
   *  what the kills alone break from what the user's concurrent edits break. */
  readonly user?: boolean;
}

export interface RoundResult {
  readonly index: number;
  readonly total: number;
  readonly isolation: Isolation;
  readonly kills: readonly KillKind[];
  readonly finished: number;
  readonly tasks: number;
  readonly violations: readonly Violation[];
  readonly seconds: number;
  /** The round's folder, when kept. */
  readonly kept?: string;
  readonly notes: readonly string[];
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface RalphProcess {
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<Exit>;
  done?: Exit;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The round's environment: its own HOME, state, worktree, log and temp folders; nothing of the
 *  caller's RALPH_*, SOAK_* or GIT_* variables. */
function roundEnv(dir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => (!k.startsWith('RALPH_') || k === 'RALPH_DEBUG') && !k.startsWith('SOAK_') && !k.startsWith('GIT_')),
  );
  const home = join(dir, 'home');
  return {
    ...base,
    HOME: home,
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CONFIG_HOME: join(home, '.config'),
    TMPDIR: join(dir, 'tmp'),
    RALPH_WORKTREES_DIR: join(dir, 'worktrees'),
    RALPH_LOGS_DIR: join(dir, 'logs'),
    GIT_CONFIG_NOSYSTEM: '1',
    NO_COLOR: '1',
    ...extra,
  };
}

class Round {
  readonly random: Random;
  readonly dir: string;
  readonly repo: string;
  readonly marker: string;
  readonly env: NodeJS.ProcessEnv;
  readonly agentArg: string;
  readonly spec;
  readonly journalFile: string;
  readonly runs: RunRecord[] = [];
  readonly violations: Violation[] = [];
  readonly notes: string[] = [];
  readonly kills: KillKind[] = [];
  private runCount = 0;

  constructor(readonly o: RoundOptions) {
    this.random = seededRandom(roundSeed(o.seed, o.index));
    const nonce = this.random.hex(8);
    this.dir = realpathSync(mkdtempSync(join(o.tmp ?? tmpdir(), `ralph-soak-${o.index}-`)));
    this.repo = join(this.dir, 'repo');
    this.marker = `soak-${process.pid}-${o.index}-${nonce}`;
    for (const d of ['repo', 'home', 'tmp', 'worktrees', 'logs', 'runs', 'scratch']) mkdirSync(join(this.dir, d), { recursive: true });
    this.spec = generateSpec(this.random, nonce);
    this.journalFile = join(this.dir, 'journal.jsonl');
    writeFileSync(this.journalFile, '');
    const plan = join(this.dir, 'plan.json');
    writeFileSync(plan, JSON.stringify(agentPlan(this.spec), null, 1));
    const agent = join(this.dir, 'agent.mjs');
    copyFileSync(join(__dirname, 'agent.mjs'), agent);
    this.agentArg = `"${process.execPath}" "${agent}"`;
    this.env = roundEnv(this.dir, { SOAK_PLAN: plan, SOAK_JOURNAL: this.journalFile });
    const write = (p: string, text: string) => {
      mkdirSync(dirname(join(this.repo, p)), { recursive: true });
      writeFileSync(join(this.repo, p), text);
    };
    initRepo(this.repo, write, { [SPEC_PATH]: this.spec.markdown, [USER_FILE]: 'user notes\n', 'README.md': `soak round ${o.index}\n` });
  }

  /** A `ralph` command run to its end, synchronously (plan, status). */
  cliSync(args: string[]): { code: number | null; out: string } {
    const r = spawnSync(process.execPath, [this.o.cli, ...args], { cwd: this.repo, env: this.env, encoding: 'utf8' });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  }

  /** `ralph run|retry` as a child in a process group of its own (so `group` can kill it), with
   *  the round's marker in its environment (so `all` finds everything it started). */
  start(command: 'run' | 'retry'): RalphProcess & { index: number } {
    const index = this.runCount++;
    const out = openSync(join(this.dir, 'runs', `${index}-${command}.out`), 'w');
    const err = openSync(join(this.dir, 'runs', `${index}-${command}.err`), 'w');
    const args = [this.o.cli, command, SPEC_PATH, '--agent', this.agentArg, '--isolation', this.o.isolation, '--max-concurrent', '3'];
    const child = spawn(process.execPath, args, {
      cwd: this.repo,
      env: { ...this.env, [MARKER_VAR]: this.marker, SOAK_RUN: String(index) },
      stdio: ['ignore', out, err],
      detached: true,
    });
    closeSync(out);
    closeSync(err);
    const proc: RalphProcess & { index: number } = {
      index,
      pid: child.pid ?? -1,
      startedAt: Date.now(),
      exited: new Promise<Exit>((resolve) => {
        child.on('error', () => resolve({ code: null, signal: null }));
        child.on('close', (code, signal) => resolve({ code, signal }));
      }),
    };
    void proc.exited.then((e) => (proc.done = e));
    return proc;
  }

  stderrOf(index: number): string {
    for (const name of [`${index}-run.err`, `${index}-retry.err`]) {
      const p = join(this.dir, 'runs', name);
      if (existsSync(p)) return readFileSync(p, 'utf8').trim().split('\n').slice(-5).join(' | ');
    }
    return '';
  }

  checkedCount(): number {
    try {
      return (readFileSync(join(this.repo, SPEC_PATH), 'utf8').match(/^- \[[xX]\] \d+\.\d+ /gm) ?? []).length;
    } catch {
      return 0;
    }
  }

  /** Waits for the moment to kill: `early` ms after the start (Ralph starting up, or recovering
   *  from the last kill), or `jitter` ms after the run's agents have ended `ends` times. */
  async killMoment(p: RalphProcess & { index: number }, when: { early?: number; ends?: number; jitter: number }): Promise<'now' | 'exited' | 'hung'> {
    const deadline = p.startedAt + this.o.runTimeoutMs;
    let fireAt = when.early !== undefined ? p.startedAt + when.early : undefined;
    for (;;) {
      if (p.done) return 'exited';
      const now = Date.now();
      if (fireAt === undefined && when.ends !== undefined) {
        const ends = readJournal(this.journalFile).filter((e) => e.run === p.index && e.what === 'end').length;
        if (ends >= when.ends) fireAt = now + when.jitter;
      }
      if (fireAt !== undefined && now >= fireAt) return 'now';
      if (now > deadline) return 'hung';
      await sleep(10);
    }
  }

  async kill(p: RalphProcess, kind: KillKind): Promise<void> {
    try {
      if (kind === 'ralph') process.kill(p.pid, 'SIGKILL');
      else if (kind === 'group') process.kill(-p.pid, 'SIGKILL');
    } catch {
      // It ended by itself a moment ago.
    }
    if (kind === 'all') killAllWithMarker(this.marker);
    await p.exited;
    if (kind === 'all' && !(await waitForNoMarker(this.marker, 10_000))) this.notes.push('processes outlived the power-loss kill');
  }

  /** A run that must end by itself; hung ones are a violation and are killed. */
  async toEnd(p: RalphProcess & { index: number }): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), this.o.runTimeoutMs)));
    const r = await Promise.race([p.exited, timeout]);
    clearTimeout(timer);
    if (r === 'hung') {
      this.violations.push({ name: 'run-hung', detail: `run ${p.index} still running after ${this.o.runTimeoutMs / 1000} s; killed` });
      killAllWithMarker(this.marker);
      await p.exited;
      return { code: null, signal: 'SIGKILL' };
    }
    return r;
  }

  record(p: RalphProcess & { index: number }, killed?: KillKind): void {
    this.runs.push({ index: p.index, startedAt: p.startedAt, endedAt: Date.now(), ...(killed ? { killed } : {}) });
  }

  async play(): Promise<void> {
    const planned = this.cliSync(['plan', SPEC_PATH]);
    if (planned.code !== 0) throw new Error(`the soak's spec does not plan: ${planned.out}`);
    const user = new SimulatedUser(this.repo, seededRandom(roundSeed(this.o.seed ^ 0x5eed, this.o.index)), this.spec.nonce, join(this.dir, 'scratch'), this.env, join(this.dir, 'user.jsonl'));
    if (this.o.user !== false) user.start();
    try {
      const killCount = this.random.int(1, 3);
      for (let k = 0; k < killCount; k++) {
        const remaining = Math.max(1, this.spec.tasks.length - this.checkedCount());
        const early = this.random.chance(0.2);
        const when = early ? { early: this.random.int(0, 700), jitter: 0 } : { ends: this.random.int(0, remaining - 1), jitter: this.random.int(0, 400) };
        const kind = this.random.pick<KillKind>(['ralph', 'group', 'all']);
        const p = this.start('run');
        const moment = await this.killMoment(p, when);
        if (moment === 'exited') {
          this.record(p);
          this.notes.push(`run ${p.index} ended (exit ${p.done?.code}) before its kill`);
          if (p.done?.code !== 0 && p.done?.code !== 1) this.violations.push({ name: 'run-error', detail: `run ${p.index} exited ${p.done?.code}: ${this.stderrOf(p.index)}` });
          if (p.done?.code === 0) break;
          continue;
        }
        if (moment === 'hung') this.violations.push({ name: 'run-hung', detail: `run ${p.index} neither ended nor reached its kill moment in ${this.o.runTimeoutMs / 1000} s` });
        await this.kill(p, moment === 'hung' ? 'all' : kind);
        this.kills.push(moment === 'hung' ? 'all' : kind);
        this.record(p, moment === 'hung' ? 'all' : kind);
      }

      const last = this.start('run');
      let exit = await this.toEnd(last);
      this.record(last);
      // A task that failed (or was blocked by one) gets one `ralph retry`, whatever the exit
      // code said: a resumed run may leave an earlier run's failures as they were.
      const unfinished = this.spec.tasks.length - finishedTasks(this.readState()).size;
      if (exit.code === 1 || unfinished > 0) {
        const retry = this.start('retry');
        exit = await this.toEnd(retry);
        this.record(retry);
        this.notes.push(`the last run exited ${last.done?.code ?? last.done?.signal} with ${unfinished} task(s) unfinished; ralph retry exited ${exit.code ?? exit.signal}`);
      }
      if (exit.code !== 0 && exit.code !== 1 && exit.signal === null) {
        this.violations.push({ name: 'run-error', detail: `the last run exited ${exit.code}: ${this.stderrOf(this.runCount - 1)}` });
      }
    } finally {
      const log = await user.stop();
      this.userLog = log;
    }
  }

  readState(): unknown {
    try {
      return JSON.parse(readFileSync(join(this.repo, SPEC_DIR, '.ralph-state.json'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  userLog: Awaited<ReturnType<SimulatedUser['stop']>> | undefined;

  check(): number {
    const tasks = this.spec.tasks;
    const read = (p: string) => {
      try {
        return readFileSync(join(this.repo, p), 'utf8');
      } catch {
        return undefined;
      }
    };
    let state: unknown;
    const stateText = read(`${SPEC_DIR}/.ralph-state.json`);
    try {
      state = stateText === undefined ? undefined : JSON.parse(stateText);
    } catch (error) {
      this.violations.push({ name: 'state-unreadable', detail: String(error) });
    }
    const finished = finishedTasks(state);
    const tasksMd = read(SPEC_PATH) ?? '';
    this.violations.push(
      ...checkWorkInHead(this.repo, tasks, finished),
      ...checkCommits(this.repo, tasks),
      ...checkUncommitted(this.repo),
      ...checkState(state, tasks),
      ...checkCheckboxes(tasksMd, tasks, finished),
      ...checkProgress(read(`${SPEC_DIR}/.progress.md`), tasks, finished),
      ...checkLeftovers(this.repo, join(this.dir, 'worktrees'), new Set(tasks.map((t) => t.id).filter((id) => !finished.has(id)))),
      ...checkProcesses(this.marker),
      ...(this.userLog ? checkUserWork(this.repo, tasksMd, this.userLog) : []),
      ...checkJournal(readJournal(this.journalFile), this.runs),
    );
    const status = this.cliSync(['status', SPEC_PATH]);
    if (status.code !== 0) this.violations.push({ name: 'status-exit', detail: `ralph status exited ${status.code}: ${status.out.trim().split('\n').slice(-3).join(' | ')}` });
    return finished.size;
  }
}

export async function runRound(o: RoundOptions): Promise<RoundResult> {
  const started = Date.now();
  const round = new Round(o);
  let finished = 0;
  try {
    await round.play();
    // What an agent started and left for a moment (up to 0.6 s past the agent) may still be
    // ending; a process still there after this is one Ralph should have stopped.
    await waitForNoMarker(round.marker, 2_000);
    finished = round.check();
  } catch (error) {
    round.violations.push({ name: 'harness-error', detail: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  } finally {
    // Every process of the round goes before its folder does.
    await stopEverything(round.marker);
  }
  const keep = o.keep || round.violations.length > 0;
  if (!keep) rmSync(round.dir, { recursive: true, force: true });
  return {
    index: o.index,
    total: o.total,
    isolation: o.isolation,
    kills: round.kills,
    finished,
    tasks: round.spec.tasks.length,
    violations: round.violations,
    seconds: (Date.now() - started) / 1000,
    ...(keep ? { kept: round.dir } : {}),
    notes: round.notes,
  };
}
