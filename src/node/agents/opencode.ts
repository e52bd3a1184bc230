// opencode (opencode-ai 1.18.33), run headless as `opencode run --format json`. Everything below
// was measured with the pinned binary against the scripted model server (test/agents/), see
// test/fixtures/agents/opencode/*.json for each case's argv, exit code and timing.
//
// What the binary really does (1.18.33):
// - The prompt: `opencode run` reads stdin when it is not a TTY and appends it to the positional
//   message, so the prompt goes on stdin and never in argv.
// - The directory: `run` works in `--dir`, else in `$PWD`, else process.cwd(): spawned with
//   cwd = worktree but the parent's PWD inherited, it worked (and wrote!) in the parent's folder.
//   So the worktree is passed as `--dir` and PWD is set too.
// - `--format json` prints one JSON object per line: `step_start`, `text` (a finished text part),
//   `tool_use` (a finished or failed tool call, `part.state.status` completed|error),
//   `step_finish` (`part.reason` stop|tool-calls|length…, `part.tokens` {input, output,
//   reasoning, cache {read, write}}, `part.cost` USD), `reasoning` (only with --thinking) and
//   `error` (`error.name` APIError|ProviderAuthError|…, `error.data.message`, `.statusCode`).
//   There is no final "result" event: the run is over when the process exits.
// - Exit code: 1 when the session reported an error (an `error` event), else 0, including a run
//   that stopped because a tool call was denied.
// - Permissions: everything is "allow" by default (bash, webfetch included) except paths outside
//   the directory (`external_directory`: ask), and `run` answers every "ask" with a reject,
//   printing `! permission requested: <perm> (<patterns>); auto-rejecting` on stderr. The
//   OPENCODE_PERMISSION variable (JSON) is merged over the user's config, so Ralph narrows it
//   without touching any file: denied tools are not even offered to the model.
// - Retries: a 429/5xx/connection error is retried 5 times inside opencode (2 s, 4 s, 8 s, 16 s,
//   30 s, ±25 %, or the server's retry-after, which it honours uncapped), nothing in its config
//   or environment changes that, and the JSON stream is silent meanwhile; only Ralph's task
//   timeout bounds it (measured: persistent 500 → 6 requests, ~75 s, then exit 1).

import type { AgentContext, AgentDefinition, AgentReader, AgentVerdict, TranscriptLine } from './definition';
import type { AgentUsage } from '../../core/ports';
import {
  cleanLine,
  denied,
  error,
  info,
  jsonObject,
  kindOfMessage,
  kindOfStatus,
  meaningful,
  num,
  obj,
  str,
  stripAnsi,
  textLines,
  toolLine,
} from './transcript';

/**
 * What the preset lets opencode do (OPENCODE_PERMISSION, merged over the user's own config): read
 * (but not .env files), search and edit/write files inside its directory (and in `writableDirs`),
 * keep a todo list;
 * everything else is denied: no shell, no web fetch/search, no sub-agents, no skills, nothing
 * outside those folders.
 */
export function opencodePermission(writableDirs: readonly string[]): Record<string, unknown> {
  const external: Record<string, string> = { '*': 'deny' };
  for (const dir of writableDirs) {
    const d = dir.replace(/\/+$/, '');
    // opencode asks for `<dir>/*` patterns (measured: "external_directory (/abs/dir/*)").
    external[d] = 'allow';
    external[`${d}/*`] = 'allow';
  }
  return {
    '*': 'deny',
    // opencode's own default asks before reading .env files (and `run` then stops); keep them
    // out of the model's reach without ending the run.
    read: { '*': 'allow', '*.env': 'deny', '*.env.*': 'deny', '*.env.example': 'allow' },
    list: 'allow',
    glob: 'allow',
    grep: 'allow',
    edit: 'allow',
    todowrite: 'allow',
    external_directory: external,
  };
}

/** The session title: fixed text and the task id (only when it is a plain id), never task text. */
function title(ctx: AgentContext): string {
  return /^[\w.-]{1,40}$/.test(ctx.taskId) ? `Ralph task ${ctx.taskId}` : 'Ralph task';
}

export const opencodeAgent: AgentDefinition = {
  id: 'opencode',
  label: 'opencode',
  command: 'opencode',
  installHint: 'npm install -g opencode-ai',
  credentialEnv: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OPENROUTER_API_KEY', 'OPENCODE_CONFIG'],
  // `opencode auth list` (1.18.33) exits 0 either way: it lists stored credentials ("0
  // credentials" when none) and then the provider keys it found in the environment, if any.
  check: {
    version: ['--version'],
    login: {
      kind: 'command',
      args: ['auth', 'list'],
      loggedOut: (code, output) => code !== 0 || (/\b0 credentials\b/.test(output) && !/\benvironment variables?\b/i.test(output)),
      howTo: 'run `opencode auth login` in a terminal (or set a provider key such as ANTHROPIC_API_KEY)',
    },
  },
  permissions:
    'Reads (except .env files), searches and edits files inside the task worktree and the extra writable folders without asking; shell commands, web access, sub-agents and anything outside those folders are denied.',
  promptOnStdin: true,
  args(ctx) {
    // --title skips the extra model call opencode otherwise makes to name the session.
    return ['run', '--format', 'json', '--dir', ctx.cwd, '--title', title(ctx)];
  },
  env(ctx) {
    return {
      // `run` prefers $PWD over its real cwd when --dir is absent; keep both pointing at the worktree.
      PWD: ctx.cwd,
      OPENCODE_PERMISSION: JSON.stringify(opencodePermission(ctx.writableDirs)),
      // A user config with `"share": "auto"` would publish every task's session; not from Ralph.
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
    };
  },
  exitCodes: {
    0: { meaning: 'the run ended without a session error (the transcript says whether it finished)' },
    1: { meaning: 'opencode reported an error (API, auth, configuration); the error event says which', kind: 'task' },
  },
  reader: () => new OpencodeReader(),
};

const EDIT_TOOLS = new Set(['write', 'edit', 'multiedit', 'patch', 'apply_patch']);
const READ_TOOLS = new Set(['read', 'list', 'glob', 'grep', 'codesearch', 'lsp']);

function capital(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The one-line label of a tool call: its path, command or pattern. */
function toolTarget(tool: string, state: Record<string, unknown>): string | undefined {
  const input = obj(state.input) ?? {};
  if (tool === 'bash') return str(input.command);
  // opencode's own title is the path relative to the worktree (`src/hello.txt`); failed calls have none.
  return (
    str(state.title) ??
    str(input.filePath) ??
    str(input.path) ??
    str(input.pattern) ??
    str(input.url) ??
    str(input.query) ??
    str(input.description)
  );
}

// opencode 1.18.33's texts for a refused call: "The user rejected permission to use this specific
// tool call." (an "ask" auto-rejected by `run`) and "The user has specified a rule which prevents
// you from using this specific tool call." (a "deny" rule).
const DENIAL = /rejected permission|rule which prevents you|permission denied|not allowed/i;

interface OpencodeError {
  readonly name?: string;
  readonly message: string;
  readonly status?: number;
}

class OpencodeReader implements AgentReader {
  private input = 0;
  private output = 0;
  private cached = 0;
  private cost = 0;
  private costSeen = false;
  private stepsFinished = 0;
  private lastReason: string | undefined;
  /** The text the model wrote after its last tool call: its final answer. */
  private finalText: string | undefined;
  private lastError: OpencodeError | undefined;
  private lastDenial: string | undefined;
  private lastStderr: string | undefined;

  stdoutLine(line: string): TranscriptLine[] {
    const event = jsonObject(line);
    if (event === undefined) {
      // Not JSON (opencode prints none in --format json; a wrapper might): show it, cleaned.
      return meaningful(line) ? textLines(line) : [];
    }
    try {
      return this.event(event);
    } catch {
      return [];
    }
  }

  private event(event: Record<string, unknown>): TranscriptLine[] {
    const part = obj(event.part) ?? {};
    switch (event.type) {
      case 'text': {
        const t = str(part.text);
        if (t === undefined) return [];
        this.finalText = t.trim();
        return textLines(t);
      }
      case 'reasoning': {
        const t = str(part.text);
        return t === undefined ? [] : [info(cleanLine(`Thinking: ${t}`, 300))];
      }
      case 'tool_use':
        return this.tool(part);
      case 'step_finish':
        this.step(part);
        return [];
      case 'error': {
        const e = readError(obj(event.error));
        this.lastError = e;
        return [error(e.status !== undefined ? `${e.message} (HTTP ${e.status})` : e.message)];
      }
      default:
        // step_start and anything newer: nothing to show.
        return [];
    }
  }

  private tool(part: Record<string, unknown>): TranscriptLine[] {
    const tool = str(part.tool) ?? 'tool';
    const state = obj(part.state) ?? {};
    this.finalText = undefined;
    const target = toolTarget(tool, state);
    const kind = tool === 'bash' ? 'shell' : EDIT_TOOLS.has(tool) ? 'edit' : READ_TOOLS.has(tool) ? 'read' : 'other';
    const line = toolLine(capital(tool), target, kind);
    if (state.status !== 'error') return [line];
    const why = str(state.error) ?? 'failed';
    if (DENIAL.test(why)) {
      const what = `${capital(tool)}${target !== undefined ? ` ${target}` : ''}`;
      this.lastDenial = what;
      return [denied(what)];
    }
    return [line, error(`${capital(tool)} failed: ${why}`)];
  }

  private step(part: Record<string, unknown>): void {
    this.stepsFinished++;
    this.lastReason = str(part.reason);
    const tokens = obj(part.tokens);
    if (tokens !== undefined) {
      const cache = obj(tokens.cache) ?? {};
      const read = num(cache.read) ?? 0;
      const write = num(cache.write) ?? 0;
      // opencode splits usage: `input` excludes cache reads and writes, `output` excludes reasoning.
      this.input += (num(tokens.input) ?? 0) + read + write;
      this.output += (num(tokens.output) ?? 0) + (num(tokens.reasoning) ?? 0);
      this.cached += read;
    }
    const cost = num(part.cost);
    if (cost !== undefined) {
      this.cost += cost;
      this.costSeen = true;
    }
  }

  stderrLine(line: string): TranscriptLine[] {
    const clean = cleanLine(line, 500);
    if (!meaningful(clean)) return [];
    // `run` prints `! permission requested: external_directory (/x/*); auto-rejecting` here.
    const asked = /permission requested: (.*?);? auto-rejecting/i.exec(clean);
    if (asked) {
      this.lastDenial = asked[1] ?? clean;
      return [denied(this.lastDenial)];
    }
    this.lastStderr = clean.replace(/^error:\s*/i, '');
    return [info(clean)];
  }

  verdict(exit: { readonly code: number | null; readonly signal: string | null }): AgentVerdict {
    if (this.lastError !== undefined) {
      const e = this.lastError;
      const kind = e.name === 'ProviderAuthError' ? 'unavailable' : e.status !== undefined ? kindOfStatus(e.status) : kindOfMessage(e.message);
      // A status the table does not know (500, 503) may still say "overloaded" or "rate limit".
      const refined = kind === 'task' ? kindOfMessage(e.message) : kind;
      const reason = cleanLine(e.status !== undefined ? `${e.message} (HTTP ${e.status})` : e.message);
      return { ok: false, summary: reason, failure: { kind: refined, reason } };
    }
    if (exit.signal !== null) {
      const reason = `opencode was stopped by ${exit.signal}`;
      return { ok: false, summary: reason, failure: { kind: 'task', reason } };
    }
    if (exit.code !== 0 && exit.code !== null) {
      const reason = this.lastStderr ?? `opencode exited with code ${exit.code}`;
      return { ok: false, summary: reason, failure: { kind: kindOfMessage(reason), reason: cleanLine(reason) } };
    }
    if (this.lastReason === 'stop' && this.finalText !== undefined) {
      return { ok: true, summary: cleanLine(this.finalText, 1000) };
    }
    if (this.lastDenial !== undefined) {
      // opencode 1.18.33 ends the run (exit 0) right after a refused call, without an answer.
      const reason = cleanLine(`stopped after a denied tool call: ${this.lastDenial}`);
      return { ok: false, summary: reason, failure: { kind: 'task', reason } };
    }
    if (this.lastReason === 'length') {
      const reason = 'the model reached its output token limit';
      return { ok: false, summary: reason, failure: { kind: 'task', reason } };
    }
    if (this.stepsFinished === 0) {
      const reason = 'opencode ended without running a single model step';
      return { ok: false, summary: reason, failure: { kind: 'task', reason } };
    }
    if (this.finalText !== undefined) return { ok: true, summary: cleanLine(this.finalText, 1000) };
    return {};
  }

  usage(): AgentUsage | undefined {
    if (this.stepsFinished === 0) return undefined;
    return {
      inputTokens: this.input,
      outputTokens: this.output,
      cachedInputTokens: this.cached,
      ...(this.costSeen ? { costUsd: Math.round(this.cost * 1e9) / 1e9 } : {}),
    };
  }
}

function readError(e: Record<string, unknown> | undefined): OpencodeError {
  const data = obj(e?.data) ?? {};
  const name = str(e?.name);
  const status = num(data.statusCode);
  let message = str(data.message) ?? name ?? 'opencode reported an error';
  // An API error whose message is empty or a bare code: the body's own message says more.
  if (!meaningful(message) || message.length < 3) {
    const body = jsonObject(str(data.responseBody) ?? '');
    message = str(obj(body?.error)?.message) ?? message;
  }
  return { name, message: stripAnsi(message), ...(status !== undefined ? { status } : {}) };
}
