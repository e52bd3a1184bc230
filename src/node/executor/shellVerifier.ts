// The Verifier port: runs the Verify command the spec author wrote. It is the author's own shell
// text, so it goes to the shell, but as one argv element of `sh -c` and nothing else added to it.

import type { CancellationToken, Verifier } from '../../core/ports';
import { formatDuration } from '../../core/duration';
import { runProcess } from './process';
import { withoutRepositoryVariables } from '../gitRun';

export interface ShellVerifierOptions {
  /** Used when verify() is called without a timeout (default 10 minutes). */
  readonly defaultTimeoutMs?: number;
  readonly outputLimitBytes?: number;
  readonly killGraceMs?: number;
  readonly env?: Readonly<Record<string, string>>;
}

export const DEFAULT_VERIFY_TIMEOUT_MS = 10 * 60_000;

export class ShellVerifier implements Verifier {
  constructor(private readonly options: ShellVerifierOptions = {}) {}

  async verify(
    command: string,
    cwd: string,
    token: CancellationToken,
    timeoutMs?: number,
    env?: Readonly<Record<string, string>>,
  ): Promise<{ readonly ok: boolean; readonly exitCode: number | null; readonly output: string }> {
    const isWindows = process.platform === 'win32';
    const outcome = await runProcess(
      {
        // On Windows cmd.exe parses its own command line; quoting it the way Node's `shell: true`
        // does (`/d /s /c "<command>"`, verbatim) keeps the author's text as written.
        command: isWindows ? process.env.ComSpec ?? 'cmd.exe' : '/bin/sh',
        args: isWindows ? ['/d', '/s', '/c', `"${command}"`] : ['-c', command],
        windowsVerbatimArguments: isWindows,
        cwd,
        // It works in the task's folder; so does its git (gitRun.ts).
        env: { ...withoutRepositoryVariables(process.env), ...this.options.env, ...env },
        timeoutMs: timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS,
        killGraceMs: this.options.killGraceMs,
        outputLimitBytes: this.options.outputLimitBytes,
      },
      token,
    );
    let output = outcome.outputTail;
    if (outcome.spawnError) output = `could not run the verify command: ${outcome.spawnError.message}`;
    else if (outcome.timedOut) output += `\n[ralph] verify command timed out after ${formatDuration(timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS)}`;
    else if (outcome.cancelled) output += '\n[ralph] verify command cancelled';
    const ok = !outcome.spawnError && !outcome.timedOut && !outcome.cancelled && outcome.exitCode === 0;
    return { ok, exitCode: outcome.exitCode, output };
  }
}
