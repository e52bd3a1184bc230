// Helpers for end-to-end tests: real temp git repositories, the real bundled CLI, the scriptable
// test agent and its journal.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunEvent } from '../../src/core/ports';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const AGENT = join(ROOT, 'test', 'fixtures', 'run', 'agent.mjs');

/** Where Ralph puts the tests' task worktrees (RALPH_WORKTREES_DIR, inherited by the CLI processes
 *  the tests start), so no test writes into the user's ~/.local/state; gone when the process ends,
 *  and each repository's folder in it goes with the repository (Repo.cleanup). */
export const WORKTREES_HOME = realpathSync(mkdtempSync(join(tmpdir(), 'ralph-worktrees-')));
process.env.RALPH_WORKTREES_DIR = WORKTREES_HOME;
// Agents' raw logs likewise stay out of ~/.local/state.
process.env.RALPH_LOGS_DIR = join(WORKTREES_HOME, 'agent-logs');
process.on('exit', () => rmSync(WORKTREES_HOME, { recursive: true, force: true }));

/** `<home>/<repo folder name>-<first 10 hex of sha256(real git common dir)>`, worked out here
 *  independently of src/node/worktree.ts. */
export function expectedWorktreesFolder(repoDir: string, home: string = WORKTREES_HOME): string {
  const common = realpathSync(resolve(repoDir, spawnSync('git', ['rev-parse', '--git-common-dir'], { cwd: repoDir, encoding: 'utf8' }).stdout.trim()));
  return join(home, `${basename(dirname(common))}-${createHash('sha256').update(common).digest('hex').slice(0, 10)}`);
}

let built = false;
/** The tests exercise the real bundle; build it once if `npm test` has not. */
export function ensureBuilt(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  built = true;
}

export interface Repo {
  readonly dir: string;
  /** Where Ralph puts this repository's task worktrees: `<WORKTREES_HOME>/<name>-<hash>`. */
  readonly worktrees: string;
  write(path: string, text: string): void;
  read(path: string): string;
  exists(path: string): boolean;
  git(...args: string[]): string;
  cleanup(): void;
}

/** A git repository with `files` committed, in a temp folder (named `options.name` if given). */
export function makeRepo(files: Record<string, string>, options: { git?: boolean; name?: string } = {}): Repo {
  const temp = mkdtempSync(join(tmpdir(), 'ralph-e2e-'));
  const dir = options.name !== undefined ? join(temp, options.name) : temp;
  mkdirSync(dir, { recursive: true });
  let worktrees = '';
  const repo: Repo = {
    dir,
    get worktrees() {
      return worktrees;
    },
    write(path, text) {
      const p = join(dir, path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    },
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    exists: (path) => existsSync(join(dir, path)),
    git(...args) {
      const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    cleanup: () => {
      rmSync(temp, { recursive: true, force: true });
      if (worktrees) rmSync(worktrees, { recursive: true, force: true });
    },
  };
  for (const [p, t] of Object.entries(files)) repo.write(p, t);
  if (options.git !== false) {
    repo.git('init', '-q', '-b', 'main');
    repo.git('config', 'user.name', 'Ralph Test');
    repo.git('config', 'user.email', 'test@ralph.invalid');
    repo.git('config', 'commit.gpgsign', 'false');
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'initial');
    worktrees = expectedWorktreesFolder(dir);
  }
  return repo;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface AgentSetup {
  readonly journal: string;
  readonly scriptFile: string;
  readonly env: NodeJS.ProcessEnv;
  readonly agentArg: string;
}

/** The test agent, scripted per task id; its journal lives outside the repository. */
export function agentSetup(script: Record<string, object>): AgentSetup {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-agent-'));
  const journal = join(dir, 'journal.jsonl');
  const scriptFile = join(dir, 'script.json');
  writeFileSync(scriptFile, JSON.stringify(script));
  writeFileSync(journal, '');
  return {
    journal,
    scriptFile,
    env: { RALPH_TEST_JOURNAL: journal, RALPH_TEST_SCRIPT: scriptFile },
    agentArg: `node "${AGENT}"`,
  };
}

export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return collect(startCli(args, cwd, env));
}

/** A `ralph run … --json` as a user runs it: its exit code, the RunEvents it printed, stderr and
 *  how long it took. Killed, saying what it printed last, when it outlives `limitMs`. */
export interface JsonRun {
  readonly code: number | null;
  readonly events: RunEvent[];
  readonly stderr: string;
  readonly ms: number;
}

export function runCliJson(args: string[], cwd: string, env: NodeJS.ProcessEnv, limitMs: number, onChild?: (pid: number) => void): Promise<JsonRun> {
  const started = Date.now();
  const child = startCli(args, cwd, env);
  if (child.pid !== undefined) onChild?.(child.pid);
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ralph ${args[0] ?? ''} did not end within ${limitMs / 1000} s; last output: ${out.slice(-2000)} ${err.slice(-2000)}`));
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(guard);
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as RunEvent);
      resolvePromise({ code, events, stderr: err, ms: Date.now() - started });
    });
  });
}

export interface JournalEntry {
  readonly what: 'start' | 'end' | 'grandchild';
  readonly id: string;
  readonly attempt: number;
  readonly t: number;
  readonly pid: number;
  readonly code?: number;
  readonly title?: string;
  readonly prompt?: string | null;
}

export function readJournal(path: string): JournalEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JournalEntry);
}

/** [start, end] of each task's last attempt, by id. */
export function intervals(journal: readonly JournalEntry[]): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const e of journal) {
    if (e.what === 'start') out.set(e.id, { start: e.t, end: Number.POSITIVE_INFINITY });
    if (e.what === 'end') {
      const cur = out.get(e.id);
      if (cur) out.set(e.id, { start: cur.start, end: e.t });
    }
  }
  return out;
}

/** The most tasks running at one moment, from the journal's own start/end records. */
export function maxOverlap(journal: readonly JournalEntry[]): number {
  const points: [number, number][] = [];
  for (const e of journal) {
    if (e.what === 'start') points.push([e.t, 1]);
    if (e.what === 'end') points.push([e.t, -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A ralph-specum task block. */
export function taskMd(
  id: string,
  title: string,
  fields: { markers?: string[]; files?: string[]; depends?: string[] | 'none'; verify?: string; done?: boolean } = {},
): string {
  const markers = (fields.markers ?? []).map((m) => `[${m}] `).join('');
  const lines = [`- [${fields.done ? 'x' : ' '}] ${id} ${markers}${title}`, `  - **Do**: ${title}`];
  if (fields.files) lines.push(`  - **Files**: ${fields.files.map((f) => `\`${f}\``).join(', ')}`);
  if (fields.depends) lines.push(`  - **Depends**: ${fields.depends === 'none' ? 'none' : fields.depends.join(', ')}`);
  if (fields.verify) lines.push(`  - **Verify**: \`${fields.verify}\``);
  return lines.join('\n') + '\n';
}
