// How each agent CLI is started and how it reports its own verdict. The argv of every preset is
// fixed text plus paths Ralph chose; task text reaches the agent only through the prompt file
// (also fed as stdin) and RALPH_* environment variables.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseCommandTemplate, substitutePlaceholders, type TemplateValues } from './template';

export type AgentPreset = 'claude' | 'codex' | 'gemini' | 'aider' | 'demo' | 'custom';

export const AGENT_PRESETS: readonly AgentPreset[] = ['claude', 'codex', 'gemini', 'aider', 'demo', 'custom'];

export interface AgentConfig {
  readonly preset: AgentPreset;
  /** The command template, for `custom`: split by parseCommandTemplate, placeholders
   *  `{promptFile}`, `{progressFile}`, `{taskId}`, `{specDir}` replaced inside single arguments. */
  readonly command?: string;
  /** Added to the agent's environment (over process.env, under the RALPH_* variables). */
  readonly env?: Readonly<Record<string, string>>;
  /** How much of the combined output to keep for ExecutorResult.outputTail (default 64 KB). */
  readonly outputLimitBytes?: number;
}

/** What the agent said of its own run, read from its structured output. */
export interface AgentReport {
  readonly isError: boolean;
  readonly summary?: string;
}

/** Reads one run's output; a fresh reader per run. */
export interface AgentOutputReader {
  onStdoutLine(line: string): void;
  /** The verdict once the process is over; undefined when the agent reported none. */
  report(): AgentReport | undefined;
  /** When set, a clean exit without a report is a failure with this reason. */
  readonly missingReportReason?: string;
  /** Explains exit codes this agent documents, e.g. 53 → "turn limit exceeded". */
  describeExitCode?(code: number): string | undefined;
}

export interface AgentInvocation {
  readonly command: string;
  readonly args: readonly string[];
  /** Whether the prompt file is also the agent's stdin. */
  readonly promptOnStdin: boolean;
  /** Shown in "agent command not found: <name> (<hint>)". */
  readonly installHint: string;
  readonly extraEnv?: Readonly<Record<string, string>>;
  readonly reader: AgentOutputReader;
}

export interface InvocationContext extends TemplateValues {
  /** The environment the agent will get (process.env + config.env), for RALPH_DEMO_AGENT. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Claude Code runs headless with `-p` and reads the prompt from stdin. `acceptEdits` lets it edit
 * files without asking (nobody is there to answer) while shell commands outside its allow-list
 * are still refused: the safe default for unattended runs. Anyone who wants more passes a custom
 * template, e.g. `claude -p --output-format stream-json --verbose --permission-mode bypassPermissions`.
 */
export const CLAUDE_ARGS = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits'] as const;

export function buildInvocation(config: AgentConfig, ctx: InvocationContext): AgentInvocation {
  switch (config.preset) {
    case 'claude':
      return {
        command: 'claude',
        args: [...CLAUDE_ARGS],
        promptOnStdin: true,
        installHint: 'is Claude Code installed and on PATH?',
        reader: new ClaudeStreamReader(true),
      };
    case 'codex':
      // `-` makes codex read the prompt from stdin.
      return {
        command: 'codex',
        args: ['exec', '--json', '-'],
        promptOnStdin: true,
        installHint: 'is the Codex CLI installed and on PATH?',
        reader: new CodexEventReader(),
      };
    case 'gemini':
      // Gemini appends stdin to the -p text, so the instruction stays short and fixed while the
      // task itself arrives on stdin; the path lets it re-read the prompt when it needs to.
      return {
        command: 'gemini',
        args: [
          '--output-format',
          'json',
          '-p',
          `Carry out the task given on standard input (also saved at ${ctx.promptFile}). ` +
            `Write your progress notes to ${ctx.progressFile}.`,
        ],
        promptOnStdin: true,
        installHint: 'is the Gemini CLI installed and on PATH?',
        reader: new GeminiJsonReader(),
      };
    case 'aider':
      return {
        command: 'aider',
        args: ['--yes-always', '--message-file', ctx.promptFile],
        promptOnStdin: false,
        installHint: 'is aider installed and on PATH?',
        reader: new ClaudeStreamReader(false),
      };
    case 'demo': {
      const script = resolveDemoAgent(ctx.env);
      return {
        command: process.execPath,
        args: [script],
        promptOnStdin: true,
        installHint: 'the Node.js runtime running Ralph',
        // Inside VS Code, execPath is Electron; this makes it behave as plain Node.
        extraEnv: process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : undefined,
        reader: new ClaudeStreamReader(false),
      };
    }
    case 'custom': {
      if (config.command === undefined || config.command.trim() === '') {
        throw new Error('the custom agent needs a command template (e.g. `my-agent --prompt {promptFile}`)');
      }
      const argv = substitutePlaceholders(parseCommandTemplate(config.command), ctx);
      const [command, ...args] = argv as [string, ...string[]];
      return {
        command,
        args,
        promptOnStdin: true,
        installHint: 'is it installed and on PATH?',
        // A custom command is often a wrapped Claude Code: honour its result event if it prints one.
        reader: new ClaudeStreamReader(false),
      };
    }
  }
}

/** The bundled demo agent: `RALPH_DEMO_AGENT`, else `examples/demo-agent.mjs` next to the bundle
 *  (`dist/` → `../examples`) or next to the sources (`src/node/executor/` → `../../../examples`). */
export function resolveDemoAgent(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.RALPH_DEMO_AGENT;
  if (override !== undefined && override !== '') return path.resolve(override);
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = [
    path.resolve(here, '..', 'examples', 'demo-agent.mjs'),
    path.resolve(here, '..', '..', '..', 'examples', 'demo-agent.mjs'),
    path.resolve(here, '..', '..', 'examples', 'demo-agent.mjs'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new Error(`demo agent not found (looked for ${candidates.join(', ')}); set RALPH_DEMO_AGENT to its path`);
  }
  return found;
}

function tryParseObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const asString = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * Claude Code's stream-json: one JSON object a line, ending with
 * `{"type":"result","subtype":"success"|"error_…","is_error":bool,"result":"…"}`.
 * Only the last result event is kept, so memory does not grow with the transcript.
 */
export class ClaudeStreamReader implements AgentOutputReader {
  private last: AgentReport | undefined;
  readonly missingReportReason?: string;

  constructor(required: boolean) {
    if (required) this.missingReportReason = 'agent exited without a result';
  }

  onStdoutLine(line: string): void {
    const event = tryParseObject(line);
    if (event?.type !== 'result') return;
    const subtype = asString(event.subtype);
    const isError = event.is_error === true || (subtype !== undefined && subtype.startsWith('error'));
    const summary = asString(event.result) ?? (isError ? subtype ?? 'error' : undefined);
    this.last = { isError, summary };
  }

  report(): AgentReport | undefined {
    return this.last;
  }
}

/** Codex `exec --json`: JSONL thread events; `turn.failed` or `error` means the run failed, the
 *  last `agent_message` item is its answer. */
export class CodexEventReader implements AgentOutputReader {
  private failure: string | undefined;
  private lastMessage: string | undefined;
  private completed = false;

  onStdoutLine(line: string): void {
    const event = tryParseObject(line);
    if (event === undefined) return;
    switch (event.type) {
      case 'turn.failed': {
        const error = event.error as Record<string, unknown> | undefined;
        this.failure = asString(error?.message) ?? 'turn failed';
        break;
      }
      case 'error':
        this.failure = asString(event.message) ?? 'error';
        break;
      case 'turn.completed':
        this.completed = true;
        break;
      case 'item.completed': {
        const item = event.item as Record<string, unknown> | undefined;
        if (item?.type === 'agent_message') this.lastMessage = asString(item.text) ?? this.lastMessage;
        break;
      }
      default:
        break;
    }
  }

  report(): AgentReport | undefined {
    if (this.failure !== undefined) return { isError: true, summary: this.failure };
    if (this.completed || this.lastMessage !== undefined) return { isError: false, summary: this.lastMessage };
    return undefined;
  }
}

/** A pretty-printed JSON object is larger than a line; keep at most this much stdout to parse. */
const GEMINI_MAX_JSON_CHARS = 4 * 1024 * 1024;

/**
 * Gemini `--output-format json` prints one (often pretty-printed) object at the end:
 * `{"response": "…", "stats": {…}, "error"?: {"type", "message", "code"}}`. Documented exit
 * codes: 0 success, 1 general or API error, 42 input error (bad prompt or arguments),
 * 53 turn limit exceeded; any non-zero exit is a failure.
 */
export class GeminiJsonReader implements AgentOutputReader {
  private lines: string[] = [];
  private size = 0;
  private overflowed = false;

  onStdoutLine(line: string): void {
    // Anything before the object's first line (warnings, logs) is dropped when a new object starts.
    if (line.startsWith('{')) {
      this.lines = [];
      this.size = 0;
      this.overflowed = false;
    }
    if (this.overflowed) return;
    this.size += line.length + 1;
    if (this.size > GEMINI_MAX_JSON_CHARS) {
      this.lines = [];
      this.overflowed = true;
      return;
    }
    this.lines.push(line);
  }

  report(): AgentReport | undefined {
    const text = this.lines.join('\n').trim();
    if (!text.startsWith('{')) return undefined;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    const error = value.error;
    if (error !== undefined && error !== null) {
      const message =
        typeof error === 'string' ? error : asString((error as Record<string, unknown>).message) ?? JSON.stringify(error);
      return { isError: true, summary: message };
    }
    return { isError: false, summary: asString(value.response) };
  }

  describeExitCode(code: number): string | undefined {
    return GEMINI_EXIT_CODES[code];
  }
}

const GEMINI_EXIT_CODES: Readonly<Record<number, string>> = {
  1: 'general or API error',
  42: 'input error',
  53: 'turn limit exceeded',
};
