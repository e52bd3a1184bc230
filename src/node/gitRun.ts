// Every git command Ralph runs goes through `git()` here (a test scans src/node for any other), so
// what git sees is decided once:
//
// - An argv array, never a shell; the caller's stdin, if any.
// - The environment minus the variables that would point git at another repository: a git hook,
//   a CI job or a shell that exported `GIT_DIR`, `GIT_WORK_TREE` or `GIT_INDEX_FILE` would
//   otherwise make Ralph read and commit in that repository instead of the one in `cwd`. The list
//   is git's own (`git rev-parse --local-env-vars`, what git clears when it runs a command in a
//   submodule) and `GIT_NAMESPACE`, less the `GIT_CONFIG*` ones: settings a CI passes that way
//   (`safe.directory`) are configuration, not another repository. A caller that means one of them
//   (a temporary index) passes it in `call.env`. Everything else (the user's identity,
//   `GIT_SSH_COMMAND`, `GIT_CEILING_DIRECTORIES`) is the user's and reaches git as it is.
// - A lock file a killed git left behind is removed and the command run again (gitLocks.ts).
// - git missing from PATH is a GitMissingError (environment.ts); a missing `cwd`, which Node
//   reports with the same ENOENT, is said as such.
// - Output is bounded: a command that prints more than MAX_STDOUT fails rather than exhausting
//   memory, and only the first MAX_STDERR of its messages is kept.
//
// The same variables are kept from the agents' and Verify commands' environments (the executor
// asks `withoutRepositoryVariables`): they work in the task's folder, and their git should too.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { GitMissingError } from './environment';
import { lockInTheWay, withStaleLockRecovery } from './gitLocks';

/** Variables that select a repository, an index or an object store other than the one `cwd`
 *  is in. */
export const REPOSITORY_VARIABLES: readonly string[] = [
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_DIR',
  'GIT_GRAFT_FILE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_NAMESPACE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_OBJECT_DIRECTORY',
  'GIT_PREFIX',
  'GIT_REPLACE_REF_BASE',
  'GIT_SHALLOW_FILE',
  'GIT_WORK_TREE',
];

/** A command printing more than this fails (a JavaScript string holds at most ~512 MiB). */
export const MAX_STDOUT = 256 * 1024 * 1024;
/** The part of a command's messages that is kept. */
export const MAX_STDERR = 64 * 1024;

/** `env` without REPOSITORY_VARIABLES (any case: Windows names are case-insensitive). */
export function withoutRepositoryVariables(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const drop = new Set(REPOSITORY_VARIABLES);
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!drop.has(name.toUpperCase())) out[name] = value;
  return out;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
    /** What the command printed; git says some failures there ("nothing to commit"). */
    readonly stdout = '',
  ) {
    super(`git ${args.join(' ')} failed${code !== null ? ` (exit ${code})` : ''}: ${stderr.trim() || stdout.trim() || 'no message'}`);
    this.name = 'GitCommandError';
  }
}

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface GitCall {
  readonly input?: string;
  /** Set over the cleaned environment (a temporary `GIT_INDEX_FILE`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers, not failures (`merge-tree` says 1 for a conflict). */
  readonly ok?: readonly number[];
}

/** Runs `git <args>` in `cwd`; rejects with GitCommandError for an exit code not in `call.ok`. */
export function git(cwd: string, args: readonly string[], call: GitCall = {}): Promise<GitResult> {
  return withStaleLockRecovery(
    cwd,
    async () => {
      const result = await gitOnce(cwd, args, call);
      // An exit code the caller takes as an answer (update-ref's 128 for "the branch moved") can
      // also be a lock in the way: that is no answer, and goes through the recovery.
      if (result.code !== 0 && lockInTheWay(result.stderr) !== undefined) throw new GitCommandError(args, result.code, result.stderr, result.stdout);
      return result;
    },
    (e) => (e instanceof GitCommandError ? e.stderr : String(e)),
  );
}

/** What `git <args>` printed, without its last line break. */
export async function gitText(cwd: string, args: readonly string[], call?: GitCall): Promise<string> {
  return (await git(cwd, args, call)).stdout.replace(/\r?\n$/, '');
}

/** The repository root holding `dir`, or undefined outside a repository; rejects with
 *  GitMissingError when git cannot be started, which is not the same as "no repository". */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  try {
    return (await gitText(dir, ['rev-parse', '--show-toplevel'])).trim() || undefined;
  } catch (error) {
    if (error instanceof GitMissingError) throw error;
    return undefined;
  }
}

/** Whether `dir` is inside a git working tree whose HEAD has a commit: worktrees need a base. */
export async function hasCommits(dir: string): Promise<boolean> {
  try {
    await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    return true;
  } catch (error) {
    if (error instanceof GitMissingError) throw error;
    return false;
  }
}

function gitOnce(cwd: string, args: readonly string[], call: GitCall): Promise<GitResult> {
  const env = { ...withoutRepositoryVariables(process.env), ...(call.env ?? {}) };
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let tooMuch = false;
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes <= MAX_STDOUT) out.push(d);
      else if (!tooMuch) {
        tooMuch = true;
        child.kill();
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      if (errBytes < MAX_STDERR) err.push(d.subarray(0, MAX_STDERR - errBytes));
      errBytes += d.length;
    });
    let failed = false;
    child.on('error', (error: NodeJS.ErrnoException) => {
      failed = true;
      if (error.code !== 'ENOENT') reject(error);
      // Node says ENOENT both for a missing git and for a missing working folder.
      else if (existsSync(cwd)) reject(new GitMissingError('spawn git ENOENT'));
      else reject(new GitCommandError(args, null, `the folder ${cwd} does not exist`));
    });
    child.on('close', (code) => {
      // A process that never started closes too, with a negative code: the error said it.
      if (failed) return;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (tooMuch) return reject(new GitCommandError(args, null, `printed more than ${MAX_STDOUT / 1024 / 1024} MiB; stopped`));
      const result = { stdout, stderr, code: code ?? -1 };
      if ((call.ok ?? [0]).includes(result.code)) resolve(result);
      else reject(new GitCommandError(args, code, stderr, stdout));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(call.input ?? '');
  });
}
