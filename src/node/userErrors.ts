// Errors that are the user's to fix — a spec or state file Ralph cannot read, a spec another run
// holds, a machine without git or without disk space — told apart from Ralph's own bugs, once, by
// class. The CLI prints them without "internal error" (exit 2); the extension shows them with a
// way to the file rather than "Show Log".

import { StateError } from '../core/state';
import { environmentProblem } from './environment';
import { InputError } from './specFiles';
import { SpecLockedError } from './stores/lock';
import { RunnerSpecError } from '../core/runners';

export interface UserProblem {
  /** One line, naming the file (and line) where there is one. */
  readonly message: string;
  /** The file to open to fix it, when it is one. */
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
}

export function userProblem(error: unknown): UserProblem | undefined {
  if (error instanceof InputError) return { message: error.format(), file: error.file, ...(error.line !== undefined ? { line: error.line } : {}) };
  if (error instanceof StateError) return { message: error.message, file: error.path, ...(error.location ? { line: error.location.line } : {}) };
  if (error instanceof SpecLockedError) return { message: error.message };
  if (error instanceof RunnerSpecError) return { message: error.message };
  const environment = environmentProblem(error);
  return environment === undefined ? undefined : { message: environment };
}
