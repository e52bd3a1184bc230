// Problems of the machine rather than of Ralph or of the spec: git missing from PATH, a full disk.
// Told apart from bugs so that both faces say what to fix instead of "internal error", and so a
// missing git is not taken for "not a git repository".

/** git could not be started at all. */
export class GitMissingError extends Error {
  constructor(readonly detail: string) {
    super(`git is not installed or not on PATH (${detail}); install git or add its folder to PATH`);
    this.name = 'GitMissingError';
  }
}

/** A write failed for want of space or quota; `path` is the file Ralph meant to write. */
export class NoSpaceError extends Error {
  constructor(
    readonly path: string,
    readonly code: 'ENOSPC' | 'EDQUOT',
  ) {
    super(`${code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device'} while writing ${path}`);
    this.name = 'NoSpaceError';
  }
}

function errnoOf(error: unknown): NodeJS.ErrnoException | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException) : undefined;
}

/**
 * The GitMissingError for an error that says git could not be spawned: the git runner's own
 * (gitRun.ts, which tells a missing git from a missing working folder), or Node's (`code` ENOENT,
 * `syscall` "spawn git").
 */
export function gitMissing(error: unknown): GitMissingError | undefined {
  if (error instanceof GitMissingError) return error;
  const e = errnoOf(error);
  return e?.code === 'ENOENT' && e.syscall === 'spawn git' ? new GitMissingError('spawn git ENOENT') : undefined;
}

/** The NoSpaceError for a write that ran out of space or quota (ENOSPC, EDQUOT), naming `path`
 *  (else the path the error gives). */
export function noSpace(error: unknown, path?: string): NoSpaceError | undefined {
  if (error instanceof NoSpaceError) return error;
  const e = errnoOf(error);
  if (!e || (e.code !== 'ENOSPC' && e.code !== 'EDQUOT')) return undefined;
  return new NoSpaceError(path ?? e.path ?? 'a file', e.code);
}

/** One line for an environment problem (exit code 2 in the CLI), or undefined for anything else. */
export function environmentProblem(error: unknown): string | undefined {
  return (gitMissing(error) ?? noSpace(error))?.message;
}
