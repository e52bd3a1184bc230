// The Executor port for real agent processes: writes the prompt file, starts the agent its
// definition describes with an argv array (no shell), turns what it prints into a readable
// transcript (the raw stream goes to a log file), and turns exit status plus the agent's own
// report into one ExecutorResult with a reason a user can read.

import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { CancellationToken, Executor, ExecutorRequest, ExecutorResult, FailureKind } from '../../core/ports';
import { formatDuration } from '../../core/duration';
import { agentDefinition, type AgentContext, type AgentDefinition, type AgentPreset, type AgentReader, type TranscriptLine } from '../agents';
import { cleanLine, meaningful } from '../agents/transcript';
import { parseCommandTemplate } from './template';
import { OutputTail, runProcess, type ProcessOutcome, DEFAULT_OUTPUT_LIMIT_BYTES } from './process';
import { createExclusive, RawLog } from './rawLog';
import { AGENT_ID_ENV, processStartTime, RUN_ID_ENV } from './processTable';
import { withoutRepositoryVariables } from '../gitRun';
import type { Launched, Launcher, LaunchReport } from '../runners/launcher';

export interface AgentConfig {
  readonly preset: AgentPreset;
  /** The command template, for `custom`: split by parseCommandTemplate, placeholders
   *  `{promptFile}`, `{progressFile}`, `{taskId}`, `{specDir}` replaced inside single arguments. */
  readonly command?: string;
  /** Added to the agent's environment (over process.env less the variables that point git at another
   *  repository, under the RALPH_* variables). */
  readonly env?: Readonly<Record<string, string>>;
  /** How much of the transcript to keep for ExecutorResult.outputTail (default 64 KB). */
  readonly outputLimitBytes?: number;
}

export interface ProcessExecutorOptions {
  /** Where prompt files are written; default a temp dir of this process, removed at exit. */
  readonly promptDir?: string;
  /** Where each attempt's raw output is kept (`<task>.<attempt>.log`); none when undefined. */
  readonly logDir?: string;
  /** Between SIGTERM and SIGKILL when a run times out or is cancelled (default 3 s). */
  readonly killGraceMs?: number;
  /** Where the agent really runs (a container, another engine); undefined: as a process here. */
  readonly launcher?: Launcher;
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

function writePromptFile(dir: string, taskId: string, attempt: number, prompt: string): string {
  const { file, fd } = createExclusive(dir, `prompt-${safeTaskId(taskId)}-${attempt}`, '.md');
  try {
    writeSync(fd, prompt);
  } finally {
    closeSync(fd);
  }
  return file;
}

/** A value no other agent process has: `<run>:<task>#<attempt>:<random>`, readable in `ps e`. */
export function newAgentId(request: ExecutorRequest): string {
  return `${request.runId ?? '-'}:${safeTaskId(request.task.id)}#${request.attempt}:${randomBytes(4).toString('hex')}`;
}

/** What every agent finds in its environment. RALPH_RUN_ID and RALPH_AGENT_ID are markers that
 *  its descendants inherit: by them Ralph finds what an agent left running (see processTable). */
export function ralphEnvironment(request: ExecutorRequest, promptFile: string, agentId: string = newAgentId(request)): Record<string, string> {
  const { task } = request;
  return {
    ...(request.runId !== undefined ? { [RUN_ID_ENV]: request.runId } : {}),
    [AGENT_ID_ENV]: agentId,
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

/** One line, bounded, no escape sequences: reasons end up in tooltips, status lines and the
 *  state file. */
export function oneLine(text: string, max = 300): string {
  return cleanLine(text, max);
}

/** Transcript lines as the text terminals and `--verbose` show. */
export function renderTranscript(lines: readonly TranscriptLine[]): string {
  return lines.map((l) => `${l.text}\n`).join('');
}

export class ProcessExecutor implements Executor {
  private readonly killGraceMs: number | undefined;
  private readonly promptDir: string | undefined;
  private readonly logDir: string | undefined;
  private readonly launcher: Launcher | undefined;
  readonly definition: AgentDefinition;

  constructor(
    private readonly config: AgentConfig,
    options: ProcessExecutorOptions = {},
  ) {
    // A bad template is a configuration error: say so now, not once per task.
    if (config.preset === 'custom') {
      if (config.command === undefined) throw new Error('the custom agent needs a command template');
      parseCommandTemplate(config.command);
    }
    this.definition = agentDefinition(config.preset);
    this.killGraceMs = options.killGraceMs;
    this.promptDir = options.promptDir;
    this.logDir = options.logDir;
    this.launcher = options.launcher;
  }

  /** The runner's label, or undefined for a process here. */
  get runnerLabel(): string | undefined {
    return this.launcher?.label;
  }

  async run(request: ExecutorRequest, onOutput: (chunk: string) => void, token: CancellationToken): Promise<ExecutorResult> {
    const started = Date.now();
    const early = (outcome: ExecutorResult['outcome'], reason: string, failureKind?: FailureKind): ExecutorResult => ({
      outcome,
      exitCode: null,
      signal: null,
      reason,
      durationMs: Date.now() - started,
      outputTail: '',
      ...(failureKind !== undefined ? { failureKind } : {}),
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
    let log: RawLog | undefined;
    try {
      const def = this.definition;
      // The agent works in the task's folder; so does its git (gitRun.ts).
      const baseEnv: NodeJS.ProcessEnv = { ...withoutRepositoryVariables(process.env), ...this.config.env };
      const ctx: AgentContext = {
        promptFile,
        progressFile: request.progressFile,
        taskId: request.task.id,
        specDir: request.specDir,
        cwd: request.cwd,
        writableDirs: request.writableDirs ?? [],
        env: baseEnv,
        ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
        ...(this.config.command !== undefined ? { commandTemplate: this.config.command } : {}),
        ...(this.launcher !== undefined ? { sandboxed: true } : {}),
      };
      let command: string;
      let args: string[];
      let extraEnv: Record<string, string>;
      try {
        command = def.resolveCommand?.(ctx) ?? def.command;
        args = def.args(ctx);
        extraEnv = def.env?.(ctx) ?? {};
      } catch (err) {
        return early('failed', oneLine((err as Error).message), 'unavailable');
      }
      const agentId = newAgentId(request);
      const ralphEnv = ralphEnvironment(request, promptFile, agentId);
      const env: NodeJS.ProcessEnv = { ...baseEnv, ...extraEnv, ...ralphEnv };
      let launched: Launched | undefined;
      if (this.launcher !== undefined) {
        const passNames = [...Object.keys(this.config.env ?? {}), ...Object.keys(extraEnv), ...Object.keys(ralphEnv), ...(def.credentialEnv ?? [])];
        try {
          launched = await this.launcher.launch({ command, args, env, passNames, fixedNames: [...Object.keys(extraEnv), ...Object.keys(ralphEnv)], cwd: request.cwd, promptFile, promptOnStdin: def.promptOnStdin, request, agentId });
        } catch (err) {
          return { ...early('failed', oneLine(`could not start ${def.label} on ${this.launcher.label}: ${(err as Error).message}`), 'unavailable'), runner: this.launcher.label };
        }
      }
      if (def.promptOnStdin) stdinFd = openSync(promptFile, 'r');
      if (this.logDir !== undefined) {
        try {
          log = RawLog.create(this.logDir, `${safeTaskId(request.task.id)}.${request.attempt}`);
        } catch {
          // A log that cannot be written must not stop the task: it runs without one.
        }
      }

      const reader = def.reader();
      const transcript = new OutputTail(this.config.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
      // Tool lines name paths inside the worktree the way the user reads them: relative.
      const inCwd = request.cwd.endsWith(path.sep) ? request.cwd : request.cwd + path.sep;
      const show = (lines: readonly TranscriptLine[]): void => {
        if (lines.length === 0) return;
        const rendered = renderTranscript(lines.map((l) => (l.kind === 'tool' || l.kind === 'denied' ? { ...l, text: l.text.split(inCwd).join('') } : l)));
        transcript.push(Buffer.from(rendered, 'utf8'));
        try {
          onOutput(rendered);
        } catch {
          // A failing listener (a view) must not abort the agent mid-run or crash Ralph from
          // inside a stream callback; the run goes on and its result is still reported.
        }
      };
      const safely = (read: () => TranscriptLine[]): TranscriptLine[] => {
        try {
          return read();
        } catch {
          return [];
        }
      };
      log?.header(launched?.command ?? command, launched?.args ?? args, request.cwd);
      const runner = this.launcher?.label;
      const outcome = await runProcess(
        {
          command: launched?.command ?? command,
          args: launched?.args ?? args,
          cwd: launched?.cwd ?? request.cwd,
          env: launched?.env ?? env,
          stdinFd,
          timeoutMs: request.timeoutMs,
          killGraceMs: this.killGraceMs,
          // The transcript tail is what failure reports show; the raw tail only feeds the log.
          outputLimitBytes: 4096,
          marker: `${AGENT_ID_ENV}=${agentId}`,
        },
        token,
        {
          onSpawn: (pid) => {
            if (request.onSpawn === undefined) return;
            // Spawned detached: on POSIX the agent leads a process group of its own.
            const startTime = processStartTime(pid);
            request.onSpawn({ pid, ...(isWindows ? {} : { pgid: pid }), ...(startTime !== undefined ? { startTime } : {}), host: os.hostname(), agentId, ...(runner !== undefined ? { runner } : {}) });
          },
          onStdoutLine: (line) => {
            log?.line('stdout', line);
            show(safely(() => reader.stdoutLine(line)));
          },
          onStderrLine: (line) => {
            log?.line('stderr', line);
            show(safely(() => reader.stderrLine(line)));
          },
        },
      );
      const report = launched !== undefined ? await launched.finish(outcome) : undefined;
      const result = withReport(verdict(def, reader, outcome, request.timeoutMs, transcript.text(), command), report, runner);
      log?.footer(`exit ${outcome.exitCode ?? outcome.signal ?? 'none'}: ${result.outcome}${result.reason ? ` — ${result.reason}` : ''}`);
      return log !== undefined ? { ...result, logFile: log.file } : result;
    } finally {
      log?.close();
      if (stdinFd !== undefined) closeSync(stdinFd);
      rmSync(promptFile, { force: true });
    }
  }
}

const isWindows = process.platform === 'win32';

/** The verdict with what the runner learned inside: a command missing from the image stops the
 *  run starting tasks; work that could not be taken back fails the attempt; Verify's result
 *  from inside goes to the judge. */
function withReport(result: ExecutorResult, report: LaunchReport | undefined, runner: string | undefined): ExecutorResult {
  const placed = runner !== undefined ? { ...result, runner } : result;
  if (report === undefined) return placed;
  if (report.missing !== undefined) return { ...placed, outcome: 'failed', reason: oneLine(report.missing), failureKind: 'unavailable' };
  if (report.unstartable !== undefined && !placed.outcome.startsWith('cancel')) return { ...placed, outcome: 'failed', reason: oneLine(report.unstartable), failureKind: 'unavailable' };
  if (report.lost !== undefined && placed.outcome === 'succeeded') return { ...placed, outcome: 'failed', reason: oneLine(report.lost) };
  return report.verified !== undefined ? { ...placed, verified: report.verified } : placed;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The attempt's result. In order: could it start at all; was it stopped; did the agent's own
 * output show a failure (its kind decides what the run does next); did it exit 0; did it say
 * it succeeded. Every reason is one clean line.
 */
export function verdict(
  def: AgentDefinition,
  reader: AgentReader,
  outcome: ProcessOutcome,
  timeoutMs: number | undefined,
  transcriptTail = '',
  command: string = def.command,
): ExecutorResult {
  let usage;
  try {
    usage = reader.usage();
  } catch {
    usage = undefined;
  }
  const base = {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
    outputTail: transcriptTail,
    ...(usage !== undefined ? { usage } : {}),
  };
  if (outcome.spawnError) {
    const err = outcome.spawnError;
    const reason =
      err.code === 'ENOENT'
        ? `${def.label} is not installed: ${command} was not found on PATH (${def.installHint})`
        : err.code === 'EACCES'
          ? `${def.label} cannot be started: ${command} is not executable`
          : `could not start ${def.label}: ${err.message}`;
    return { ...base, outcome: 'failed', reason: oneLine(reason), failureKind: 'unavailable' };
  }
  if (outcome.cancelled) return { ...base, outcome: 'cancelled', reason: 'cancelled' };
  if (outcome.timedOut) return { ...base, outcome: 'timedOut', reason: `timed out after ${formatDuration(timeoutMs ?? 0)}` };

  let said;
  try {
    said = reader.verdict({ code: outcome.exitCode, signal: outcome.signal });
  } catch {
    said = {};
  }
  const agentResult = said.ok === undefined && said.summary === undefined ? undefined : { isError: said.ok === false || said.failure !== undefined, ...(said.summary !== undefined ? { summary: said.summary } : {}) };
  const withReport = agentResult === undefined ? base : { ...base, agentResult };

  if (said.failure !== undefined) {
    return { ...withReport, outcome: 'failed', reason: oneLine(said.failure.reason) || 'the agent reported a failure', failureKind: said.failure.kind };
  }
  if (outcome.signal !== null) {
    return { ...withReport, outcome: 'failed', reason: `killed by signal ${outcome.signal}` };
  }
  if (outcome.exitCode !== 0) {
    const code = outcome.exitCode ?? -1;
    const known = def.exitCodes?.[code];
    const head = known ? `${def.label} exited with code ${code} (${known.meaning})` : `${def.label} exited with code ${code}`;
    const last = outcome.lastStderrLine;
    const detail = last !== undefined && meaningful(last) ? cleanLine(last, 200) : undefined;
    return {
      ...withReport,
      outcome: 'failed',
      reason: oneLine(detail ? `${head}: ${detail}` : head),
      ...(known?.kind !== undefined ? { failureKind: known.kind } : {}),
    };
  }
  if (said.ok === false) {
    return { ...withReport, outcome: 'failed', reason: oneLine(`${def.label} reported a failure${said.summary ? `: ${said.summary}` : ''}`) };
  }
  return { ...withReport, outcome: 'succeeded' };
}
