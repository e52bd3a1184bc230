// Lock files that git left behind when it was killed (`index.lock`, `packed-refs.lock`,
// `refs/heads/<branch>.lock`). Git creates one for every write and removes it when done; a
// `kill -9` of Ralph (or of the whole machine) in the middle leaves it there, and from then on
// every git command that writes fails with "Unable to create '…/index.lock': File exists" — in
// Ralph's runs and in the user's own git alike.
//
// A lock is stale when nothing can still be writing under it: it is a couple of seconds old and
// no git process works in the repository (on Linux, read from /proc: a process named `git` whose
// working folder is in the repository, its git folder, or one of its worktrees). Where /proc is
// missing, only age says so, and the bar is higher. A stale lock is removed and the command run
// again; a live one is waited for, a little, and then named in the error.

import { promises as fs, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

/** "Unable to create '<x>.lock': File exists", and the temp file git writes packed refs to,
 *  "unable to create file <git dir>/packed-refs.new: File exists". */
const LOCK_EXISTS = /Unable to create '([^']+\.lock)': File exists|unable to create file (\S+packed-refs\.new): File exists/i;
/** Younger than this, a lock may belong to a git that is just starting or a library (libgit2). */
const MIN_AGE_MS = 2_000;
/** Without /proc, a lock this old is taken as abandoned. */
const MIN_AGE_WITHOUT_PROC_MS = 30_000;
const WAIT_STEP_MS = 250;
/** How long a command waits for a lock that is not stale before it fails. */
const MAX_WAIT_MS = 10_000;

let report: (message: string) => void = () => undefined;

/** Where "removed a stale lock" is said (the run's log). */
export function onStaleGitLock(log: (message: string) => void): void {
  report = log;
}

/** The lock file a failed git command names, if it failed on one. */
export function lockInTheWay(stderr: string): string | undefined {
  const m = LOCK_EXISTS.exec(stderr);
  return m?.[1] ?? m?.[2];
}

/** Folders in which a running git could be the holder of `lock`: the repository's own, found
 *  from the lock's place in its git folder, and its linked worktrees. */
function holderFolders(lock: string, cwd: string): string[] {
  const folders = [path.resolve(cwd)];
  let dir = path.dirname(lock);
  // Up to the git folder: `<repo>/.git`, `<repo>/.git/worktrees/<name>`, or a bare one.
  for (let i = 0; i < 8 && dir !== path.dirname(dir); i++, dir = path.dirname(dir)) {
    if (path.basename(dir) === '.git') {
      folders.push(dir, path.dirname(dir));
      try {
        for (const name of readdirSync(path.join(dir, 'worktrees'))) {
          const gitdir = readFileSync(path.join(dir, 'worktrees', name, 'gitdir'), 'utf8').trim();
          folders.push(path.dirname(gitdir));
        }
      } catch {
        // No linked worktrees.
      }
      break;
    }
  }
  return folders;
}

/** Whether a process named git works in one of `folders` (undefined: cannot tell here). */
function gitRunsIn(folders: readonly string[]): boolean | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  const inside = (p: string) => folders.some((f) => p === f || p.startsWith(f + path.sep));
  for (const pid of pids) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm !== 'git' && !comm.startsWith('git-')) continue;
      if (inside(readlinkSync(`/proc/${pid}/cwd`))) return true;
    } catch {
      // Gone meanwhile, or not ours to look at.
    }
  }
  return false;
}

/** What Ralph writes into a git lock it holds itself (the merge holds `index.lock` while the
 *  branch moves and the index follows): it names the holder, so a live one is never taken for
 *  stale. Git overwrites the content when it commits the lock; Ralph replaces it likewise. */
export function ralphLockContent(pid = process.pid): string {
  return `ralph ${pid}\n`;
}

function heldByLiveRalph(lock: string): boolean {
  try {
    const m = /^ralph (\d+)\n$/.exec(readFileSync(lock, 'utf8').slice(0, 64));
    if (!m) return false;
    process.kill(Number(m[1]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `lock` if nothing can still be writing under it; says whether it did. */
export async function removeIfStale(lock: string, cwd: string, now = Date.now()): Promise<boolean> {
  let stat;
  try {
    stat = await fs.stat(lock);
  } catch {
    return true; // Gone already: try again.
  }
  if (heldByLiveRalph(lock)) return false;
  const age = now - stat.mtimeMs;
  const running = gitRunsIn(holderFolders(lock, cwd));
  const stale = running === undefined ? age >= MIN_AGE_WITHOUT_PROC_MS : !running && age >= MIN_AGE_MS;
  if (!stale) return false;
  await fs.rm(lock, { force: true });
  report(`removed ${lock}, a git lock left by a process that was killed`);
  return true;
}

/**
 * Runs a git command; when it fails on a lock file that is stale, removes the lock and runs it
 * again; a lock that is held is waited for up to MAX_WAIT_MS. `stderrOf` reads the error's text.
 */
export async function withStaleLockRecovery<T>(cwd: string, run: () => Promise<T>, stderrOf: (error: unknown) => string): Promise<T> {
  const deadline = Date.now() + MAX_WAIT_MS;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      const lock = lockInTheWay(stderrOf(error));
      if (lock === undefined) throw error;
      if (await removeIfStale(lock, cwd)) continue;
      if (Date.now() > deadline) {
        throw new Error(`${stderrOf(error).trim()} (git's lock ${lock} is held: if no git command is running in this repository, remove it)`);
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }
}

/** `git commit --only` builds its commit in `<git dir>/next-index-<pid>.lock`; a git killed
 *  meanwhile leaves it behind, and no later command ever trips over it to recover it. The ones
 *  whose process is gone are removed. */
export async function sweepDeadTempIndexes(gitDir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(gitDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^next-index-(\d+)\.lock$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') await fs.rm(path.join(gitDir, name), { force: true });
    }
  }
}
