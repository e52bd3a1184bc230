// Claude Code (@anthropic-ai/claude-code), proven against 2.1.332 talking to the scripted model
// server (recordings in test/fixtures/agents/claude/, notes in each case's .json).
//
// What 2.1.332 really does, measured:
// - `-p --output-format stream-json --verbose` prints one JSON object a line: `system/init`,
//   `assistant` (one line per content block, each repeating the message's usage as it stood at
//   message_start), `user` (tool results), `system/api_retry` (one per retry), `system/
//   permission_denied`, and last `result`. Without `--verbose` it refuses stream-json ("Error: When
//   using --print, --output-format=stream-json requires --verbose", exit 1).
// - The `result` event carries the run's verdict: `is_error`, `result` (final answer or the error
//   message), `api_error_status` (HTTP status or null), `terminal_reason` ("completed",
//   "api_error"), `permission_denials` [{tool_name, tool_input}], `usage` (summed over the run:
//   input_tokens excludes cache reads, which are apart in cache_read_input_tokens /
//   cache_creation_input_tokens), `total_cost_usd`. Its `subtype` is "success" even when
//   `is_error` is true (a 401 run says subtype "success", is_error true): read is_error.
// - An API failure also prints a synthetic assistant message (model "<synthetic>",
//   `is_api_error_message: true`, `error`: "authentication_failed" | "rate_limit" |
//   "server_error" | …) holding the same text as the result.
// - Exit code 0 for a completed run (denials included), 1 for every failure seen: API errors
//   (401, 429, 529, 500, timeouts), "Not logged in", bad flags (then a message on stderr).
// - It retries every API failure, 401 included, 10 times by default with backoff up to ~38 s:
//   a persistent 500 took 186 s. CLAUDE_CODE_MAX_RETRIES bounds that (2 → 2.9 s, 0 → 0.7 s);
//   API_TIMEOUT_MS bounds each request (3000 against a server that never answers → failed after
//   2 attempts in 7 s with "Request timed out…").

import * as path from 'node:path';
import type { AgentUsage } from '../../core/ports';
import { formatDuration } from '../../core/duration';
import type { AgentContext, AgentDefinition, AgentReader, AgentVerdict, TranscriptLine } from './definition';
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
  result,
  str,
  stripAnsi,
  textLines,
  toolLine,
} from './transcript';

/** Retries of one API call inside Claude Code: enough for a blip, short enough (~2 s) that a
 *  persistent 429/529 comes back to Ralph, whose own rate-limit wait is the right place for it. */
const MAX_RETRIES = '2';

/** The longest a single API request may take; the task's own limit when shorter. */
const MAX_REQUEST_MS = 600_000;

/** Tools that change files: their calls become `✎ Tool path` lines, and count as writes. */
const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const READ_TOOLS = new Set(['Read', 'Glob', 'Grep', 'LS', 'NotebookRead']);
const SHELL_TOOLS = new Set(['Bash', 'PowerShell']);

export const claudeAgent: AgentDefinition = {
  id: 'claude',
  label: 'Claude Code',
  command: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  credentialEnv: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_MODEL', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'],
  // `claude auth status` (2.1.332) prints JSON with loggedIn and exits 1 when logged out; an
  // ANTHROPIC_API_KEY in the environment counts as logged in.
  check: {
    version: ['--version'],
    login: { kind: 'command', args: ['auth', 'status'], loggedOut: (code) => code !== 0, howTo: 'run `claude auth login` in a terminal (or set ANTHROPIC_API_KEY)' },
  },
  permissions:
    'Claude Code in acceptEdits mode: it creates and edits files inside its working directory (and the folders Ralph adds with --add-dir) without asking, runs only the shell commands Claude Code deems safe there, and any other call (a write outside, most shell commands, web access) is denied, since nobody can answer a prompt.',
  sandboxedPermissions:
    'Claude Code in bypassPermissions mode inside its container: every tool, shell commands included, with no prompt; the container sees only the task\'s worktree, so that is all it can change.',
  promptOnStdin: true,
  args: (ctx: AgentContext): string[] => [
    '-p',
    '--output-format',
    'stream-json',
    // Required by 2.1.332 for stream-json in print mode.
    '--verbose',
    '--permission-mode',
    // In a container of its own the container is the sandbox: every tool, shell commands
    // included, as Anthropic advises only for sandboxes (checked with 2.1.332 in a container).
    ctx.sandboxed === true ? 'bypassPermissions' : 'acceptEdits',
    // Without it, print mode already denies what would prompt; with it the denial says why
    // ("this session has no approval surface"), so the model does not ask again.
    '--permission-prompts',
    'none',
    ...ctx.writableDirs.flatMap((dir) => ['--add-dir', dir]),
  ],
  env: (ctx: AgentContext): Record<string, string> => {
    const env: Record<string, string> = {
      // Verified: without it 2.1.332 looks up api.anthropic.com (telemetry, update checks) even
      // with ANTHROPIC_BASE_URL set; with it, no traffic but the model calls.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // Claude Code refuses bypassPermissions as root unless told it is in a sandbox; only
      // said inside a container.
      ...(ctx.sandboxed === true ? { IS_SANDBOX: '1' } : {}),
    };
    // The user's own choice wins.
    if (ctx.env.CLAUDE_CODE_MAX_RETRIES === undefined) env.CLAUDE_CODE_MAX_RETRIES = MAX_RETRIES;
    if (ctx.env.API_TIMEOUT_MS === undefined && ctx.timeoutMs !== undefined && ctx.timeoutMs > 0) {
      env.API_TIMEOUT_MS = String(Math.min(Math.max(ctx.timeoutMs, 10_000), MAX_REQUEST_MS));
    }
    return env;
  },
  reader: () => new ClaudeReader(),
  exitCodes: {
    0: { meaning: 'the run completed (read the result event for denials)' },
    1: { meaning: 'Claude Code failed: an API error, not logged in, or bad arguments (its message says which)' },
  },
};

interface Usage {
  input: number;
  output: number;
  cached: number;
}

/** Anthropic usage → (all input, output, cached input). */
function usageOf(u: Record<string, unknown> | undefined): Usage | undefined {
  if (u === undefined) return undefined;
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0;
  return { input: (input ?? 0) + cacheRead + cacheWrite, output: output ?? 0, cached: cacheRead };
}

export class ClaudeReader implements AgentReader {
  private cwd: string | undefined;
  /** Per model message id, its latest usage (the stream repeats it once per content block). */
  private readonly messageUsage = new Map<string, Usage>();
  private finalUsage: AgentUsage | undefined;
  private final: Record<string, unknown> | undefined;
  /** The last API error Claude Code reported (synthetic message), for runs that end without a result. */
  private apiError: { text: string; status?: number; code?: string } | undefined;
  private lastRetry: { status?: number; error?: string } | undefined;
  private readonly toolNames = new Map<string, string>();
  private readonly toolTargets = new Map<string, string>();
  private edits = 0;
  private readonly deniedCalls: string[] = [];
  private readonly stderr: string[] = [];
  /** The main agent's last text, which the result event repeats as its `result`. */
  private lastText: string | undefined;

  stdoutLine(line: string): TranscriptLine[] {
    const event = jsonObject(line);
    if (event === undefined) {
      const clean = cleanLine(line);
      return meaningful(clean) ? [info(clean)] : [];
    }
    try {
      return this.event(event);
    } catch {
      return [];
    }
  }

  stderrLine(line: string): TranscriptLine[] {
    const clean = cleanLine(line);
    if (!meaningful(clean)) return [];
    this.stderr.push(clean);
    return [error(clean)];
  }

  private event(e: Record<string, unknown>): TranscriptLine[] {
    switch (e.type) {
      case 'system':
        return this.system(e);
      case 'assistant':
        return this.assistant(e);
      case 'user':
        return this.user(e);
      case 'result':
        return this.result(e);
      default:
        // stream_event (partial messages), hook events, rate_limit_event…: nothing to show.
        return [];
    }
  }

  private system(e: Record<string, unknown>): TranscriptLine[] {
    switch (e.subtype) {
      case 'init': {
        this.cwd = str(e.cwd);
        const parts = [`Claude Code ${str(e.claude_code_version) ?? ''}`.trim(), str(e.model), str(e.permissionMode)];
        return [info(parts.filter((p): p is string => p !== undefined).join(' · '))];
      }
      case 'api_retry': {
        const status = num(e.error_status);
        this.lastRetry = { status, error: str(e.error) };
        const what = [status !== undefined ? `HTTP ${status}` : undefined, str(e.error)].filter((p) => p !== undefined).join(' ');
        const attempt = num(e.attempt);
        const max = num(e.max_retries);
        const delay = num(e.retry_delay_ms);
        return [
          info(
            `API call failed${what ? ` (${what})` : ''}; retry ${attempt ?? '?'}${max !== undefined ? `/${max}` : ''}${delay !== undefined ? ` in ${formatDuration(delay)}` : ''}`,
          ),
        ];
      }
      case 'permission_denied': {
        // 2.1.332 with --permission-prompts none: decision_reason "no approval surface in this
        // session; permission request denied automatically"; the call itself is named by its id.
        const id = str(e.tool_use_id);
        const call = (id !== undefined ? this.toolTargets.get(id) : undefined) ?? str(e.tool_name) ?? 'a tool call';
        const why = str(e.decision_reason_type) === 'workingDir' || /outside/i.test(str(e.decision_reason) ?? '') ? 'outside the allowed folders' : 'needs approval';
        return [denied(`${call} (${why})`)];
      }
      default:
        return [];
    }
  }

  private assistant(e: Record<string, unknown>): TranscriptLine[] {
    const message = obj(e.message);
    if (message === undefined) return [];
    // Sub-agent traffic (parent_tool_use_id set) still costs tokens but is not the main transcript.
    const nested = str(e.parent_tool_use_id) !== undefined;
    const id = str(message.id);
    const u = usageOf(obj(message.usage));
    if (id !== undefined && u !== undefined && message.model !== '<synthetic>') this.messageUsage.set(id, u);
    const content = Array.isArray(message.content) ? message.content : [];
    if (e.is_api_error_message === true) {
      const textOf = content.map((b) => str(obj(b)?.text)).filter((t): t is string => t !== undefined).join(' ');
      this.apiError = { text: cleanLine(textOf || 'API error'), status: num(e.api_error_status), code: str(e.error) };
      return [error(this.apiError.text)];
    }
    if (nested) return [];
    const out: TranscriptLine[] = [];
    for (const raw of content) {
      const block = obj(raw);
      if (block === undefined) continue;
      if (block.type === 'text') {
        const t = str(block.text);
        if (t !== undefined) {
          this.lastText = cleanLine(t, 2000);
          out.push(...textLines(t));
        }
      } else if (block.type === 'tool_use') {
        const name = str(block.name) ?? 'tool';
        const toolId = str(block.id);
        const call = this.toolCall(name, obj(block.input) ?? {});
        if (toolId !== undefined) {
          this.toolNames.set(toolId, name);
          this.toolTargets.set(toolId, call.text.replace(/^(✎|→|•) /, '').replace(/^\$ /, `${name} `));
        }
        out.push(call);
      }
      // thinking blocks: not shown.
    }
    return out;
  }

  private rel(p: string | undefined): string | undefined {
    if (p === undefined || this.cwd === undefined || !path.isAbsolute(p)) return p;
    const r = path.relative(this.cwd, p);
    return r === '' || r.startsWith('..') || path.isAbsolute(r) ? p : r;
  }

  private toolCall(name: string, input: Record<string, unknown>): TranscriptLine {
    if (EDIT_TOOLS.has(name)) return toolLine(name, this.rel(str(input.file_path) ?? str(input.notebook_path) ?? str(input.path)), 'edit');
    if (SHELL_TOOLS.has(name)) return toolLine(name, str(input.command), 'shell');
    if (READ_TOOLS.has(name)) return toolLine(name, this.rel(str(input.file_path) ?? str(input.pattern) ?? str(input.path)), 'read');
    const target =
      str(input.description) ?? str(input.url) ?? str(input.query) ?? str(input.pattern) ?? str(input.prompt) ?? str(input.skill);
    return toolLine(name, target, 'other');
  }

  private user(e: Record<string, unknown>): TranscriptLine[] {
    const message = obj(e.message);
    const content = Array.isArray(message?.content) ? message.content : [];
    const meta = Array.isArray(e.tool_result_meta) ? e.tool_result_meta.map(obj) : [];
    const out: TranscriptLine[] = [];
    for (const raw of content) {
      const block = obj(raw);
      if (block?.type !== 'tool_result') continue;
      const id = str(block.tool_use_id);
      const name = id !== undefined ? this.toolNames.get(id) : undefined;
      const m = meta.find((x) => x !== undefined && x.id === id);
      const rejected = m?.non_execution_kind === 'user-rejected' || obj(m?.permission_decision)?.decision === 'reject';
      if (block.is_error === true) {
        // A denial was already shown by its system/permission_denied event.
        if (rejected) {
          if (name !== undefined) this.deniedCalls.push(name);
          continue;
        }
        const t = typeof block.content === 'string' ? block.content : JSON.stringify(block.content ?? '');
        out.push(error(`${name ?? 'tool'} failed: ${stripAnsi(t).replace(/^Error:\s*/, '')}`));
        continue;
      }
      if (name !== undefined && EDIT_TOOLS.has(name)) this.edits++;
    }
    return out;
  }

  private result(e: Record<string, unknown>): TranscriptLine[] {
    this.final = e;
    const u = usageOf(obj(e.usage));
    if (u !== undefined) {
      const cost = num(e.total_cost_usd);
      this.finalUsage = { inputTokens: u.input, outputTokens: u.output, cachedInputTokens: u.cached, ...(cost !== undefined ? { costUsd: cost } : {}) };
    }
    const text = str(e.result);
    if (e.is_error === true) {
      // Already shown from the synthetic assistant message when there was one.
      if (this.apiError !== undefined && text !== undefined && cleanLine(text) === this.apiError.text) return [];
      return [error(text ?? this.errorsOf(e) ?? `Claude Code failed (${str(e.subtype) ?? 'error'})`)];
    }
    // The final answer was just shown as the agent's text: not twice.
    if (text === undefined || cleanLine(text, 2000) === this.lastText) return [];
    return [result(cleanLine(text, 2000))];
  }

  private errorsOf(e: Record<string, unknown>): string | undefined {
    const errors = Array.isArray(e.errors) ? e.errors.map((x) => (typeof x === 'string' ? x : str(obj(x)?.message))).filter((x) => x !== undefined) : [];
    return errors.length > 0 ? errors.join('; ') : undefined;
  }

  verdict(exit: { readonly code: number | null; readonly signal: string | null }): AgentVerdict {
    const r = this.final;
    if (r !== undefined) {
      const text = str(r.result);
      const denials = Array.isArray(r.permission_denials) ? r.permission_denials.map(obj).filter((d) => d !== undefined) : [];
      const deniedText = denials
        .map((d) => {
          const input = obj(d.tool_input) ?? {};
          const target = this.rel(str(input.file_path) ?? str(input.command) ?? str(input.path) ?? str(input.url));
          return `${str(d.tool_name) ?? 'tool'}${target !== undefined ? ` ${cleanLine(target, 120)}` : ''}`;
        })
        .join(', ');
      if (r.is_error !== true && (r.subtype === undefined || r.subtype === 'success')) {
        const summary = text !== undefined ? cleanLine(text, 2000) : undefined;
        // Every write it tried was denied: it did nothing, whatever it says.
        const deniedEdits = denials.filter((d) => EDIT_TOOLS.has(str(d.tool_name) ?? '')).length;
        if (deniedEdits > 0 && this.edits === 0) {
          return { ok: false, summary, failure: { kind: 'task', reason: cleanLine(`Claude Code was denied every write: ${deniedText}`) } };
        }
        if (denials.length > 0) return { ok: true, summary: cleanLine(`${summary ?? 'done'} (denied: ${deniedText})`, 2000) };
        return { ok: true, summary };
      }
      // An error: an API failure (is_error + api_error_status), or an error subtype
      // (error_max_turns, error_during_execution, error_max_budget_usd…).
      const status = num(r.api_error_status) ?? this.apiError?.status;
      const message = text ?? this.errorsOf(r) ?? this.apiError?.text ?? `Claude Code stopped: ${str(r.subtype) ?? str(r.terminal_reason) ?? 'error'}`;
      return { ok: false, summary: cleanLine(message, 2000), failure: { kind: this.kind(status, message), reason: cleanLine(message) } };
    }
    // No result event: killed, crashed, or refused its arguments.
    if (this.apiError !== undefined) {
      return { ok: false, summary: this.apiError.text, failure: { kind: this.kind(this.apiError.status, this.apiError.text), reason: this.apiError.text } };
    }
    if (exit.signal !== null) {
      return { failure: { kind: 'task', reason: `Claude Code was stopped by ${exit.signal}` } };
    }
    if (exit.code !== null && exit.code !== 0) {
      const last = this.stderr[this.stderr.length - 1];
      const reason = last !== undefined ? last.replace(/^error:\s*/i, '') : `Claude Code exited with code ${exit.code}`;
      const status = this.lastRetry?.status;
      return { ok: false, failure: { kind: this.kind(status, reason), reason: cleanLine(reason) } };
    }
    return {};
  }

  private kind(status: number | undefined, message: string): 'unavailable' | 'rateLimited' | 'task' {
    const byStatus = status !== undefined ? kindOfStatus(status) : 'task';
    if (byStatus !== 'task') return byStatus;
    // "Not logged in · Please run /login" has no status; the synthetic message's `error` says
    // authentication_failed / rate_limit.
    if (this.apiError?.code === 'authentication_failed') return 'unavailable';
    if (this.apiError?.code === 'rate_limit') return 'rateLimited';
    return kindOfMessage(message);
  }

  usage(): AgentUsage | undefined {
    if (this.finalUsage !== undefined) return this.finalUsage;
    if (this.messageUsage.size === 0) return undefined;
    let input = 0;
    let output = 0;
    let cached = 0;
    for (const u of this.messageUsage.values()) {
      input += u.input;
      output += u.output;
      cached += u.cached;
    }
    return { inputTokens: input, outputTokens: output, cachedInputTokens: cached };
  }
}
