// OpenAI Codex CLI, as measured with @openai/codex 0.171.0 against the scripted model server
// (recordings in test/fixtures/agents/codex/, how they were made in the codex report).
//
// `codex exec --json … -` runs one turn headless and prints JSONL events on stdout:
//   {"type":"thread.started","thread_id":…}  {"type":"turn.started"}
//   {"type":"item.started"|"item.completed","item":{"id","type":…}} with item types
//     agent_message {text}, reasoning {text}, command_execution {command, aggregated_output,
//     exit_code, status}, file_change {changes:[{path (absolute), kind: add|update|delete}],
//     status}, mcp_tool_call, web_search, todo_list, error {message} (a warning, not fatal)
//   {"type":"error","message":…}  a retry notice ("Reconnecting... 1/1 (…)"): NOT fatal, a 429
//     that then succeeds prints one and ends with turn.completed
//   {"type":"turn.completed","usage":{input_tokens (cached included), cached_input_tokens,
//     cache_write_input_tokens, output_tokens, reasoning_output_tokens}}  (no cost)
//   {"type":"turn.failed","error":{"message":…}}  the only failure; exit code 1
// stderr: a "WARNING: proceeding, even though we could not create PATH aliases…" line when
// CODEX_HOME is under /tmp, tracing lines "<time> ERROR <target>: …" (a patch the sandbox refused
// is ONLY visible there: "error=patch rejected: writing outside of the project; rejected by user
// approval settings", and the run still ends with turn.completed, exit 0), and plain
// "Error loading config.toml: …" (exit 1, no JSON at all) for a broken configuration.
//
// Failure messages seen in turn.failed: 401 → "unexpected status 401 Unauthorized: <API message>,
// url: …, request id: …"; no credentials at all → codex still sends the request, without an
// Authorization header, so the same 401 ("You didn't provide an API key…"); persistent 429 →
// "exceeded retry limit, last status: 429 Too Many Requests, request id: …"; 429
// insufficient_quota → "Quota exceeded. Check your plan and billing details." (not retried);
// 503 → "unexpected status 503 Service Unavailable: …"; any 500 → "We’re currently experiencing
// high demand, which may cause temporary errors." (codex hides the server's message).

import type { AgentUsage } from '../../core/ports';
import type { AgentContext, AgentDefinition, AgentReader, AgentVerdict, TranscriptLine } from './definition';
import { cleanLine, denied, error, info, jsonObject, kindOfMessage, meaningful, num, obj, str, textLines, toolLine } from './transcript';

/** The failure kind of a message codex printed when a turn failed. */
export function codexFailureKind(message: string): 'unavailable' | 'rateLimited' | 'task' {
  // An exhausted balance is not a rate limit: waiting does not help, the user must act.
  if (/quota exceeded|exceeded your current quota|billing details/i.test(message)) return 'unavailable';
  // A model the key cannot use is a configuration problem, like a bad key.
  if (/model .* does not exist|do not have access to it|model_not_found/i.test(message)) return 'unavailable';
  // Every HTTP 500 reads "We’re currently experiencing high demand…" in codex 0.171.0 (the
  // server's own message is dropped), after codex's own retries: a task failure, so the task's
  // bounded retry policy applies rather than an open-ended wait.
  if (/experiencing high demand/i.test(message)) return 'task';
  return kindOfMessage(message);
}

/** "unexpected status 401 Unauthorized: <message>, url: http://…, request id: req_…" → the useful part. */
export function codexReason(message: string): string {
  const m = cleanLine(message)
    .replace(/,? url: [^\s,)]+/g, '')
    .replace(/,? request id: [^\s,)]+/g, '')
    .replace(/^unexpected status (\d{3}) [A-Za-z ]+?: /, 'HTTP $1: ');
  return cleanLine(m);
}

const EDIT_VERB: Record<string, string> = { add: 'Write', update: 'Edit', delete: 'Delete' };

// A tracing line on stderr: "2026-11-29T09:34:15.516800Z ERROR codex_core::tools::router: error=…".
const TRACE = /^\S+Z\s+(ERROR|WARN|INFO|DEBUG|TRACE)\s+([\w:]+):\s*(.*)$/;

class CodexReader implements AgentReader {
  private lastMessage: string | undefined;
  private lastError: string | undefined;
  private held: string | undefined;
  private failedMessage: string | undefined;
  private completed = false;
  private failed = false;
  private stderrFatal: string | undefined;
  private readonly shown = new Set<string>();
  private input = 0;
  private cached = 0;
  private output = 0;
  private sawUsage = false;

  stdoutLine(line: string): TranscriptLine[] {
    const ev = jsonObject(line);
    if (!ev) return meaningful(line) ? [info(cleanLine(line))] : [];
    // codex 0.171.0 prints the final error twice: an `error` event, then turn.failed with the
    // same message. Such an event is held back and shown only if the turn goes on.
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && !(ev.type === 'turn.failed' && str(obj(ev.error)?.message) === held)) {
      return [info(`⚠ ${codexReason(held)}`), ...this.event(ev)];
    }
    return this.event(ev);
  }

  private event(ev: Record<string, unknown>): TranscriptLine[] {
    switch (ev.type) {
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return this.item(obj(ev.item), ev.type === 'item.completed');
      case 'error': {
        // A retry notice; the turn goes on (only turn.failed ends it).
        const message = str(ev.message);
        if (message === undefined) return [];
        this.lastError = message;
        if (/^Reconnecting\b/.test(message)) return [info(`⚠ ${codexReason(message)}`)];
        this.held = message;
        return [];
      }
      case 'turn.completed': {
        this.completed = true;
        this.addUsage(obj(ev.usage));
        return [];
      }
      case 'turn.failed': {
        this.failed = true;
        const message = str(obj(ev.error)?.message) ?? this.lastError ?? 'the turn failed';
        this.failedMessage = message;
        this.addUsage(obj(ev.usage));
        return [error(codexReason(message))];
      }
      default:
        // thread.started, turn.started: bookkeeping only.
        return [];
    }
  }

  private item(item: Record<string, unknown> | undefined, done: boolean): TranscriptLine[] {
    if (!item) return [];
    const id = str(item.id) ?? '';
    const status = str(item.status);
    // A tool call is shown once, when it starts (or when it completes without having started).
    const first = !this.shown.has(id);
    this.shown.add(id);
    switch (item.type) {
      case 'agent_message': {
        if (!done) return [];
        const t = str(item.text);
        if (t === undefined) return [];
        this.lastMessage = t;
        return textLines(t);
      }
      case 'reasoning':
        return [];
      case 'command_execution': {
        const out: TranscriptLine[] = [];
        if (first) out.push(toolLine('Shell', str(item.command), 'shell'));
        if (done) {
          const code = num(item.exit_code);
          if (status === 'declined') out.push(denied(str(item.command) ?? 'command'));
          else if (status === 'failed' || (code !== undefined && code !== 0)) out.push(error(`exit ${code ?? '?'}`));
        }
        return out;
      }
      case 'file_change': {
        const changes = Array.isArray(item.changes) ? item.changes.map(obj).filter((c) => c !== undefined) : [];
        const out: TranscriptLine[] = [];
        if (first) {
          for (const c of changes) out.push(toolLine(EDIT_VERB[str(c.kind) ?? ''] ?? 'Edit', str(c.path), 'edit'));
        }
        if (done && status === 'failed') out.push(error(`patch failed: ${changes.map((c) => str(c.path) ?? '?').join(', ')}`));
        return out;
      }
      case 'mcp_tool_call': {
        const out: TranscriptLine[] = [];
        if (first) out.push(toolLine(`${str(item.server) ?? 'mcp'}.${str(item.tool) ?? 'tool'}`, undefined, 'other'));
        const err = str(obj(item.error)?.message);
        if (done && (status === 'failed' || err !== undefined)) out.push(error(err ?? 'tool call failed'));
        return out;
      }
      case 'web_search':
        return first ? [toolLine('WebSearch', str(item.query), 'other')] : [];
      case 'todo_list': {
        if (!done) return [];
        const items = Array.isArray(item.items) ? item.items.map(obj) : [];
        const finished = items.filter((i) => i?.completed === true).length;
        return [info(`plan: ${finished}/${items.length} done`)];
      }
      case 'error': {
        // Warnings such as "Model metadata for `x` not found…" or a WebSocket fallback.
        const message = str(item.message);
        return done && message !== undefined ? [info(`⚠ ${codexReason(message)}`)] : [];
      }
      default:
        return [];
    }
  }

  private addUsage(usage: Record<string, unknown> | undefined): void {
    if (!usage) return;
    this.sawUsage = true;
    // codex's input_tokens already include the cached ones (4 calls of 1000 of which 200 cached
    // were reported as input 4000, cached 800).
    this.input += num(usage.input_tokens) ?? 0;
    this.cached += num(usage.cached_input_tokens) ?? 0;
    this.output += num(usage.output_tokens) ?? 0;
  }

  stderrLine(line: string): TranscriptLine[] {
    const clean = cleanLine(line, 1000);
    if (!meaningful(clean)) return [];
    const trace = TRACE.exec(clean);
    if (trace) {
      const [, level, , rest = ''] = trace;
      const message = rest.replace(/^error=/, '');
      if (/patch rejected|blocked by .*sandbox|rejected by user approval|writing outside of the project/i.test(message)) return [denied(message)];
      return level === 'ERROR' ? [info(`⚠ ${message}`)] : [];
    }
    // Shown when CODEX_HOME is under /tmp; harmless.
    if (/^WARNING: proceeding, even though we could not create PATH aliases/.test(clean)) return [];
    if (/^Reading (additional )?(input|prompt) from stdin/i.test(clean)) return [];
    // "Error loading config.toml: …", "error: unexpected argument …" (exit 1/2, no JSON).
    // "Not inside a trusted directory and --skip-git-repo-check was not specified." (exit 1).
    if (/^(error|Error)\b|^Not inside a trusted directory/.test(clean)) {
      this.stderrFatal ??= clean;
      return [error(clean)];
    }
    return [info(clean)];
  }

  verdict(exit: { readonly code: number | null; readonly signal: string | null }): AgentVerdict {
    if (this.failed) {
      const message = this.failedMessage ?? 'the turn failed';
      return { ok: false, summary: message, failure: { kind: codexFailureKind(message), reason: codexReason(message) } };
    }
    if (this.completed && exit.code === 0) return { ok: true, summary: this.lastMessage };
    if (exit.signal !== null) {
      return { ok: false, summary: this.lastMessage, failure: { kind: 'task', reason: `codex was stopped by ${exit.signal}` } };
    }
    if (exit.code !== 0) {
      const message = this.stderrFatal ?? this.lastError;
      if (message !== undefined) {
        // A configuration codex refuses to load is the user's to fix, like a bad key.
        const kind = /config/i.test(message) ? 'unavailable' : codexFailureKind(message);
        return { ok: false, summary: message, failure: { kind, reason: codexReason(message) } };
      }
      return { ok: false, failure: { kind: 'task', reason: `codex exited with code ${exit.code ?? '?'} without a result` } };
    }
    // Exit 0 without turn.completed: nothing said.
    return { summary: this.lastMessage };
  }

  usage(): AgentUsage | undefined {
    if (!this.sawUsage) return undefined;
    return { inputTokens: this.input, outputTokens: this.output, cachedInputTokens: this.cached };
  }
}

export const codexAgent: AgentDefinition = {
  id: 'codex',
  label: 'Codex CLI',
  command: 'codex',
  installHint: 'npm install -g @openai/codex',
  credentialEnv: ['OPENAI_API_KEY', 'CODEX_API_KEY', 'OPENAI_BASE_URL'],
  // `codex login status` (0.171.0) prints "Not logged in" and exits 1 when logged out.
  check: {
    version: ['--version'],
    login: { kind: 'command', args: ['login', 'status'], loggedOut: (code) => code !== 0, howTo: 'run `codex login` in a terminal (or `printenv OPENAI_API_KEY | codex login --with-api-key`)' },
  },
  permissions:
    "Runs `codex exec` in its workspace-write sandbox: it may create and edit files in the task's folder (and in /tmp and any extra writable folder), run commands there without network access, and is never asked for approval (anything outside is refused).",
  // `-` makes codex read the whole prompt from stdin (with a prompt argument AND piped stdin it
  // would append stdin as a <stdin> block and print "Reading additional input from stdin...").
  promptOnStdin: true,
  args(ctx: AgentContext): string[] {
    return [
      'exec',
      // JSONL events on stdout (see above).
      '--json',
      // Narrowest mode that lets apply_patch and commands write in the cwd: read-only refuses
      // every patch ("patch rejected: writing is blocked by read-only sandbox", exit 0).
      // Verified on Linux as root: bubblewrap + seccomp start, the cwd and /tmp are writable,
      // other paths are "Read-only file system", sockets fail with EPERM.
      '--sandbox',
      'workspace-write',
      // Ralph runs it in a worktree, but also where codex's git check would refuse ("Not inside a
      // trusted directory…"); harmless when it is a repository.
      '--skip-git-repo-check',
      '--color',
      'never',
      // Folders outside the cwd it must write (the same sandbox rules apply there).
      ...ctx.writableDirs.flatMap((dir) => ['--add-dir', dir]),
      '-',
    ];
  },
  // No variables: codex 0.171.0 bounds its retries only per model provider in config.toml
  // (request_max_retries, stream_max_retries, stream_idle_timeout_ms), and refuses any change to
  // the built-in `openai` provider but its base URL ("Built-in providers cannot be overridden"),
  // so Ralph cannot bound them from outside; its defaults made a persistent 500 cost 30 requests
  // in ~25-30 s, well inside any task timeout. Exec mode never checks for updates and never
  // prompts (its approval policy is `never`).
  reader: () => new CodexReader(),
  exitCodes: {
    1: { meaning: 'the turn failed (turn.failed), or codex could not start (bad config.toml)' },
    2: { meaning: 'codex rejected its command line (usage error)', kind: 'unavailable' },
  },
};
