// What must hold after a soak round, each as a named violation with the evidence. Every check
// reads the repository, the files and the journal directly and judges them against the soak's
// own model of the spec (spec.ts), never against Ralph's idea of it. Each is a function of its
// inputs so test/unit/soak-checks.test.ts can feed it a broken repository and see it fire.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gitSync } from './git';
import { processesWithMarker } from './procs';
import { SPEC_DIR, USER_FILE, type SoakTask } from './spec';
import type { UserLog } from './user';

export interface Violation {
  readonly name: string;
  readonly detail: string;
}

const v = (name: string, detail: string): Violation => ({ name, detail });
const shortHash = (h: string) => h.slice(0, 10);

// ---------------------------------------------------------------------------------------------
// The work in HEAD.

/** Each task's unique lines are in HEAD's tree at most once, in the file the task wrote, and
 *  exactly once for a task that finished (an unfinished one is reported by checkState). */
export function checkWorkInHead(repo: string, tasks: readonly SoakTask[], finished: ReadonlySet<string>): Violation[] {
  const files = tasks.flatMap((t) => t.files.map((f) => ({ task: t.id, ...f })));
  // git grep has no whole-line match: find the lines as substrings, keep the exact ones.
  const wanted = new Set(files.map((f) => f.line));
  const args = ['grep', '-F', '-n', '--no-color', ...files.flatMap((f) => ['-e', f.line]), 'HEAD', '--', '.'];
  const r = gitSync(repo, args);
  if (r.code !== 0 && r.code !== 1) return [v('git-failed', `git grep: ${r.stderr.trim()}`)];
  const hits = new Map<string, string[]>();
  for (const row of r.stdout.split('\n')) {
    const m = /^HEAD:(.+?):(\d+):(.*)$/.exec(row);
    if (!m || !wanted.has(m[3] as string)) continue;
    const list = hits.get(m[3] as string) ?? [];
    list.push(`${m[1]}:${m[2]}`);
    hits.set(m[3] as string, list);
  }
  const out: Violation[] = [];
  for (const f of files) {
    const where = hits.get(f.line) ?? [];
    if (where.length === 0) {
      if (finished.has(f.task)) out.push(v('line-not-in-head', `${f.task}: '${f.line}' is in no file of HEAD (expected in ${f.path})`));
    } else if (where.length > 1) out.push(v('line-in-head-twice', `${f.task}: '${f.line}' is ${where.length} times in HEAD: ${where.join(', ')}`));
    else if (!where[0]?.startsWith(`${f.path}:`)) out.push(v('line-in-wrong-file', `${f.task}: '${f.line}' is in ${where[0]}, expected in ${f.path}`));
  }
  return out;
}

/** The task ids a commit message of Ralph's names: `ralph: 1.1, 1.2 — …` subjects, the
 *  `Task 1.1: …` line of a one-task commit and the `- 1.1 …` lines of a batch (commits.ts). */
export function taskIdsOfMessage(message: string): Set<string> {
  const ids = new Set<string>();
  const [subject = '', ...body] = message.split('\n');
  const listed = /^ralph: (.+?) — /.exec(subject)?.[1];
  for (const id of listed?.split(', ') ?? []) if (/^\d+\.\d+$/.test(id.trim())) ids.add(id.trim());
  for (const line of body) {
    const m = /^Task (\d+\.\d+): /.exec(line) ?? /^- (\d+\.\d+) /.exec(line);
    if (m?.[1]) ids.add(m[1]);
  }
  return ids;
}

interface Commit {
  readonly hash: string;
  readonly message: string;
  readonly files: readonly string[];
}

function commitsOfHead(repo: string): Commit[] | Violation {
  const r = gitSync(repo, ['log', 'HEAD', '--no-renames', '--format=%x1e%H%x1f%B%x1f', '--name-only']);
  if (r.code !== 0) return v('git-failed', `git log: ${r.stderr.trim()}`);
  return r.stdout
    .split('\x1e')
    .filter((chunk) => chunk.includes('\x1f'))
    .map((chunk) => {
      const [hash = '', message = '', names = ''] = chunk.split('\x1f');
      return { hash, message: message.trim(), files: names.split('\n').map((l) => l.trim()).filter(Boolean) };
    });
}

/** No task is named by two commits of HEAD's history, and every commit that touched a task's file
 *  names that task (a commit of other tasks that swept it up attributes the work wrongly). */
export function checkCommits(repo: string, tasks: readonly SoakTask[]): Violation[] {
  const commits = commitsOfHead(repo);
  if (!Array.isArray(commits)) return [commits];
  const out: Violation[] = [];
  const subject = (c: Commit) => c.message.split('\n')[0] ?? '';
  for (const t of tasks) {
    const naming = commits.filter((c) => taskIdsOfMessage(c.message).has(t.id));
    if (naming.length > 1) {
      out.push(v('committed-twice', `${t.id} is named by ${naming.length} commits: ${naming.map((c) => `${shortHash(c.hash)} '${subject(c)}'`).join(', ')}`));
    }
    for (const f of t.files) {
      for (const c of commits.filter((x) => x.files.includes(f.path) && !taskIdsOfMessage(x.message).has(t.id))) {
        out.push(v('work-in-foreign-commit', `${f.path} (task ${t.id}) changed by ${shortHash(c.hash)} '${subject(c)}', which does not name ${t.id}`));
      }
    }
  }
  return out;
}

/** Nothing of the tasks' work is left uncommitted (dirty or untracked under src/). */
export function checkUncommitted(repo: string): Violation[] {
  const r = gitSync(repo, ['status', '--porcelain', '--untracked-files=all', '--', 'src']);
  if (r.code !== 0) return [v('git-failed', `git status: ${r.stderr.trim()}`)];
  const rows = r.stdout.split('\n').filter(Boolean);
  return rows.length > 0 ? [v('uncommitted-task-work', rows.join('; '))] : [];
}

// ---------------------------------------------------------------------------------------------
// tasks.md, the state file, .progress.md.

/** Task ids whose record in the state file says success. */
export function finishedTasks(state: unknown): Set<string> {
  const records = (state as { ralph?: { tasks?: Record<string, { status?: string }> } } | undefined)?.ralph?.tasks ?? {};
  return new Set(Object.entries(records).filter(([, r]) => r?.status === 'success').map(([id]) => id));
}

/** The final state: present, the run `finished`, every task a success. */
export function checkState(state: unknown, tasks: readonly SoakTask[]): Violation[] {
  if (state === undefined) return [v('state-missing', `no ${SPEC_DIR}/.ralph-state.json`)];
  const out: Violation[] = [];
  const run = (state as { ralph?: { status?: string } }).ralph;
  if (run?.status !== 'finished') out.push(v('state-not-finished', `ralph.status is ${JSON.stringify(run?.status)}, expected "finished"`));
  const records = (state as { ralph?: { tasks?: Record<string, { status?: string; reason?: string }> } }).ralph?.tasks ?? {};
  for (const t of tasks) {
    const r = records[t.id];
    if (r?.status !== 'success') out.push(v('task-unfinished', `${t.id} is ${r?.status ?? 'absent'}${r?.reason ? `: ${r.reason}` : ''}`));
  }
  return out;
}

/** Each task's line is in tasks.md once, checked exactly when the task finished. */
export function checkCheckboxes(tasksMd: string, tasks: readonly SoakTask[], finished: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const lines = tasksMd.split(/\r?\n/);
  for (const t of tasks) {
    const rows = lines.filter((l) => new RegExp(`^- \\[[ xX]\\] ${t.id.replace('.', '\\.')} `).test(l));
    if (rows.length !== 1) {
      out.push(v('task-line-count', `${t.id} has ${rows.length} task lines in tasks.md, expected 1`));
      continue;
    }
    const checked = /^- \[[xX]\]/.test(rows[0] as string);
    if (finished.has(t.id) && !checked) out.push(v('finished-but-unchecked', `${t.id} finished but tasks.md says '${rows[0]}'`));
    if (!finished.has(t.id) && checked) out.push(v('checked-but-unfinished', `${t.id} did not finish but tasks.md says '${rows[0]}'`));
  }
  return out;
}

/** Each finished task's note is in .progress.md exactly once; no note is there twice. */
export function checkProgress(progress: string | undefined, tasks: readonly SoakTask[], finished: ReadonlySet<string>): Violation[] {
  if (progress === undefined) return finished.size > 0 ? [v('progress-note-missing', `no ${SPEC_DIR}/.progress.md at all`)] : [];
  const lines = progress.split(/\r?\n/).map((l) => l.trim());
  const out: Violation[] = [];
  for (const t of tasks) {
    const n = lines.filter((l) => l === `- ${t.note}`).length;
    if (n === 0 && finished.has(t.id)) out.push(v('progress-note-missing', `${t.id}: '- ${t.note}' not in .progress.md`));
    if (n > 1) out.push(v('progress-note-duplicated', `${t.id}: '- ${t.note}' is ${n} times in .progress.md`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a finished run must not leave behind.

function walk(dir: string, depth: number, visit: (path: string, name: string, isDir: boolean) => void): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    visit(p, name, isDir);
    if (isDir && depth > 1) walk(p, depth - 1, visit);
  }
}

/**
 * What a finished run leaves behind: worktrees, `ralph/*` branches and worktree folders (except
 * those Ralph keeps on purpose for the `kept` tasks, the ones that did not finish: their work is
 * there for the user), lock files, progress parts, temp files of atomic writes.
 */
export function checkLeftovers(repo: string, worktreesHome: string, kept: ReadonlySet<string> = new Set()): Violation[] {
  const out: Violation[] = [];
  const keptTask = (pathOrBranch: string) => kept.has(pathOrBranch.split('/').pop() ?? '');
  const worktrees = gitSync(repo, ['worktree', 'list', '--porcelain'])
    .stdout.split('\n')
    .filter((l) => l.startsWith('worktree '))
    .slice(1)
    .map((l) => l.slice('worktree '.length))
    .filter((p) => !keptTask(p));
  if (worktrees.length > 0) out.push(v('leftover-worktree', worktrees.join(', ')));
  const branches = gitSync(repo, ['branch', '--list', 'ralph/*', '--format=%(refname:short)']).stdout.split('\n').filter((b) => b && !keptTask(b));
  if (branches.length > 0) out.push(v('leftover-branch', branches.join(', ')));

  const locks: string[] = [];
  const runLock = join(repo, SPEC_DIR, '.ralph-run.lock');
  if (existsSync(runLock)) locks.push(`${SPEC_DIR}/.ralph-run.lock`);
  walk(join(repo, '.git'), 6, (p, name, isDir) => {
    if (!isDir && name.endsWith('.lock')) locks.push(p.slice(repo.length + 1));
  });
  if (locks.length > 0) out.push(v('leftover-lock', locks.join(', ')));

  const specFiles = (() => {
    try {
      return readdirSync(join(repo, SPEC_DIR));
    } catch {
      return [];
    }
  })();
  const parts = specFiles.filter((n) => /^\.progress-task-.*\.md$/.test(n));
  if (parts.length > 0) out.push(v('leftover-progress-part', parts.join(', ')));
  const temps = specFiles.filter((n) => /\.tmp$/.test(n));
  if (temps.length > 0) out.push(v('leftover-temp-file', temps.join(', ')));

  // <home>/<repo>-<hash>/<spec>/<task>: anything at the task level is a worktree folder.
  const folders: string[] = [];
  walk(worktreesHome, 3, (p, _name, isDir) => {
    if (isDir && p.slice(worktreesHome.length + 1).split('/').length === 3 && !keptTask(p)) folders.push(p);
  });
  if (folders.length > 0) out.push(v('leftover-worktree-folder', folders.join(', ')));
  return out;
}

export function checkProcesses(marker: string): Violation[] {
  return processesWithMarker(marker).map((p) => v('leftover-process', `pid ${p.pid}: ${p.cmdline}`));
}

// ---------------------------------------------------------------------------------------------
// The user's work.

export function checkUserWork(repo: string, tasksMd: string, user: UserLog): Violation[] {
  const out: Violation[] = [];
  const mdLines = tasksMd.split(/\r?\n/).map((l) => l.trim());
  for (const line of user.taskLines) {
    const n = mdLines.filter((l) => l === line).length;
    if (n === 0) out.push(v('user-line-lost', `tasks.md lost the user's '${line}'`));
    if (n > 1) out.push(v('user-line-duplicated', `tasks.md has the user's '${line}' ${n} times`));
  }
  let notes = '';
  try {
    notes = readFileSync(join(repo, USER_FILE), 'utf8');
  } catch {
    out.push(v('user-work-lost', `${USER_FILE} is gone from the working tree`));
  }
  const noteLines = new Set(notes.split('\n'));
  for (const line of user.noteLines) if (!noteLines.has(line)) out.push(v('user-work-lost', `${USER_FILE} in the working tree lost '${line}'`));

  const head = gitSync(repo, ['show', `HEAD:${USER_FILE}`]).stdout.split('\n');
  for (const c of user.commits) {
    if (gitSync(repo, ['merge-base', '--is-ancestor', c.hash, 'HEAD']).code !== 0) {
      out.push(v('user-commit-lost', `${shortHash(c.hash)} '${c.message}' is not reachable from HEAD`));
      continue;
    }
    const committed = gitSync(repo, ['show', `${c.hash}:${USER_FILE}`]).stdout.split('\n').filter(Boolean);
    const missing = committed.filter((l) => !head.includes(l));
    if (missing.length > 0) out.push(v('user-work-reverted', `HEAD:${USER_FILE} lost ${missing.map((l) => `'${l}'`).join(', ')} committed by ${shortHash(c.hash)}`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The agents' own record of when they ran.

export interface JournalEvent {
  readonly what: 'start' | 'wrote' | 'end' | 'child' | 'setsid';
  readonly id: string;
  /** Which `ralph run` of the round started the agent. */
  readonly run: number;
  readonly attempt: number;
  readonly pid: number;
  readonly t: number;
}

export interface RunRecord {
  readonly index: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** How it was killed; undefined when it ended by itself. */
  readonly killed?: string;
}

export function readJournal(file: string): JournalEvent[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: JournalEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalEvent);
    } catch {
      // A line cut by a kill.
    }
  }
  return out;
}

/**
 * Two writers: an agent of a killed run still working once the next run's agents have started
 * (the resume must stop the old agents first), or any agent working after the last run ended.
 */
export function checkJournal(journal: readonly JournalEvent[], runs: readonly RunRecord[]): Violation[] {
  const out: Violation[] = [];
  const sorted = [...runs].sort((a, b) => a.index - b.index);
  for (const [i, run] of sorted.entries()) {
    if (run.killed === undefined) continue;
    // The first later run that started agents (they must not meet the old ones), or that ended
    // on its own without starting any (it should have stopped them). A later run killed before
    // it started an agent stopped nothing and wrote nothing: it is no boundary.
    let next: RunRecord | undefined;
    let boundary = 0;
    for (const later of sorted.slice(i + 1)) {
      const starts = journal.filter((e) => e.what === 'start' && e.run === later.index).map((e) => e.t);
      if (starts.length > 0 || later.killed === undefined) {
        next = later;
        boundary = starts.length > 0 ? Math.min(...starts) : later.endedAt;
        break;
      }
    }
    if (!next) continue;
    for (const e of journal.filter((x) => x.run === run.index && x.t > boundary && (x.what === 'wrote' || x.what === 'end' || x.what === 'start'))) {
      out.push(v('agent-outlived-kill', `agent of run ${e.run} (task ${e.id}, pid ${e.pid}) recorded '${e.what}' ${e.t - boundary} ms after run ${next.index}'s agents started (run ${run.index} was killed: ${run.killed})`));
    }
  }
  const last = sorted[sorted.length - 1];
  if (last) {
    for (const e of journal.filter((x) => x.t > last.endedAt && x.what !== 'child' && x.what !== 'setsid')) {
      out.push(v('agent-outlived-run', `agent of run ${e.run} (task ${e.id}, pid ${e.pid}) recorded '${e.what}' ${e.t - last.endedAt} ms after the last run ended`));
    }
  }
  return out;
}
