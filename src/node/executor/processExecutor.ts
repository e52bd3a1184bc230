// The Executor port for real agent processes: writes the prompt file, starts the agent with an
// argv array (no shell), streams its output, and turns exit status plus the agent's own report
// into one ExecutorResult with a reason a user can read.

import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { CancellationToken, Executor, ExecutorRequest, ExecutorResult } from '../../core/ports';
import { buildInvocation, type AgentConfig, type AgentInvocation } from './agents';
import { parseCommandTemplate } from './template';
import { runProcess, type ProcessOutcome } from './process';

export interface ProcessExecutorOptions {
  /** Where prompt files are written; default a temp dir of this process, removed at exit. */
  readonly promptDir?: string;
  /** Between SIGTERM and SIGKILL when a run times out or is cancelled (default 3 s). */
  readonly killGraceMs?: number;
}

let defaultPromptDir: string | undefined;

function processPromptDir(): string {
  if (defaultPromptDir === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ralph-prompts-'));
    defaultPromptDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return defaultPromptDir;
}

/** A file-name-safe form of a task id; ids that had to change get a hash so two ids never meet. */
export function safeTaskId(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 60);
  if (cleaned === id && id !== '') return cleaned;
  return `${cleaned}_${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

/** Writes the prompt exclusively (never over someone else's file), readable by the owner only. */
function writePromptFile(dir: string, taskId: string, attempt: number, prompt: string): string {
  mkdirSync(dir, { recursive: true });
  const base = `prompt-${safeTaskId(taskId)}-${attempt}`;
  for (let n = 0; ; n++) {
    const file = path.join(dir, n === 0 ? `${base}.md` : `${base}.${n}.md`);
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue;
      throw err;
    }
    try {
      writeSync(fd, prompt);
    } finally {
      closeSync(fd);
    }
    return file;
  }
}

export function ralphEnvironment(request: ExecutorRequest, promptFile: string): Record<string, string> {
  const { task } = request;
  return {
    RALPH_TASK_ID: task.id,
    RALPH_TASK_INDEX: String(task.index),
    RALPH_TASK_TITLE: task.title,
    RALPH_ATTEMPT: String(request.attempt),
    RALPH_PROMPT_FILE: promptFile,
    RALPH_PROGRESS_FILE: request.progressFile,
    RALPH_SPEC_DIR: request.specDir,
    RALPH_FILES: task.files.join('\n'),
    RALPH_VERIFY: task.verify ?? '',
  };
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 120_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${(ms / 1000).toFixed(1)}s`;
}

/** One line, bounded: reasons end up in tooltips, status lines and the state file. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export class ProcessExecutor implements Executor {
  private readonly killGraceMs: number | undefined;
  private readonly promptDir: string | undefined;

  constructor(
    private readonly config: AgentConfig,
    options: ProcessExecutorOptions = {},
  ) {
    // A bad template is a configuration error: say so now, not once per task.
    if (config.preset === 'custom') {
      if (config.command === undefined) throw new Error('the custom agent needs a command template');
      parseCommandTemplate(config.command);
    }
    this.killGraceMs = options.killGraceMs;
    this.promptDir = options.promptDir;
  }

  async run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    const started = Date.now();
    const early = (outcome: ExecutorResult['outcome'], reason: string): ExecutorResult => ({
      outcome,
      exitCode: null,
      signal: null,
      reason,
      durationMs: Date.now() - started,
      outputTail: '',
    });
    if (token.isCancellationRequested) return early('cancelled', 'cancelled');
    if (!isDirectory(request.cwd)) return early('failed', `working directory does not exist: ${request.cwd}`);

    let promptFile: string;
    try {
      promptFile = writePromptFile(this.promptDir ?? processPromptDir(), request.task.id, request.attempt, request.prompt);
    } catch (err) {
      return early('failed', oneLine(`could not write the prompt file: ${(err as Error).message}`));
    }

    let stdinFd: number | undefined;
    try {
      const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...this.config.env };
      let invocation: AgentInvocation;
      try {
        invocation = buildInvocation(this.config, {
          promptFile,
          progressFile: request.progressFile,
          taskId: request.task.id,
          specDir: request.specDir,
          env: baseEnv,
        });
      } catch (err) {
        return early('failed', oneLine((err as Error).message));
      }
      const env: NodeJS.ProcessEnv = { ...baseEnv, ...invocation.extraEnv, ...ralphEnvironment(request, promptFile) };
      if (invocation.promptOnStdin) stdinFd = openSync(promptFile, 'r');

      const outcome = await runProcess(
        {
          command: invocation.command,
          args: invocation.args,
          cwd: request.cwd,
          env,
          stdinFd,
          timeoutMs: request.timeoutMs,
          killGraceMs: this.killGraceMs,
          outputLimitBytes: this.config.outputLimitBytes,
        },
        token,
        {
          onOutput: (chunk) => {
            try {
              onOutput(chunk);
            } catch {
              // A failing listener (a view) must not abort the agent mid-run or crash Ralph from
              // inside a stream callback; the run goes on and its result is still reported.
            }
          },
          onStdoutLine: (line) => invocation.reader.onStdoutLine(line),
        },
      );
      return verdict(invocation, outcome, request.timeoutMs);
    } finally {
      if (stdinFd !== undefined) closeSync(stdinFd);
      rmSync(promptFile, { force: true });
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function verdict(invocation: AgentInvocation, outcome: ProcessOutcome, timeoutMs: number | undefined): ExecutorResult {
  const base = {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
    outputTail: outcome.outputTail,
  };
  if (outcome.spawnError) {
    const err = outcome.spawnError;
    const name = invocation.command;
    const reason =
      err.code === 'ENOENT'
        ? `agent command not found: ${name} (${invocation.installHint})`
        : err.code === 'EACCES'
          ? `agent command is not executable: ${name}`
          : `could not start ${name}: ${err.message}`;
    return { ...base, outcome: 'failed', reason: oneLine(reason) };
  }
  if (outcome.cancelled) return { ...base, outcome: 'cancelled', reason: 'cancelled' };
  if (outcome.timedOut) return { ...base, outcome: 'timedOut', reason: `timed out after ${formatDuration(timeoutMs ?? 0)}` };

  const report = invocation.reader.report();
  const agentResult = report === undefined ? undefined : { isError: report.isError, summary: report.summary };
  const withReport = agentResult === undefined ? base : { ...base, agentResult };

  if (report?.isError) {
    return { ...withReport, outcome: 'failed', reason: oneLine(`agent reported error: ${report.summary ?? 'no details'}`) };
  }
  if (outcome.signal !== null) {
    return { ...withReport, outcome: 'failed', reason: `killed by signal ${outcome.signal}` };
  }
  if (outcome.exitCode !== 0) {
    const code = outcome.exitCode ?? -1;
    const meaning = invocation.reader.describeExitCode?.(code);
    const head = meaning ? `exit code ${code} (${meaning})` : `exit code ${code}`;
    const detail = outcome.lastStderrLine;
    return { ...withReport, outcome: 'failed', reason: oneLine(detail ? `${head}: ${detail}` : head) };
  }
  if (report === undefined && invocation.reader.missingReportReason !== undefined) {
    return { ...withReport, outcome: 'failed', reason: invocation.reader.missingReportReason };
  }
  return { ...withReport, outcome: 'succeeded' };
}
