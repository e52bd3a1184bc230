// How Gemini CLI's headless output is read (see gemini.ts for what 0.61.0 prints): the
// stream-json events, the stderr error objects, and the exit codes, into a verdict, transcript
// lines and usage.

import type { AgentUsage } from '../../core/ports';
import type { AgentReader, AgentVerdict, ExitCodeMeaning, TranscriptLine } from './definition';
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
  text,
  toolLine,
} from './transcript';

type FailureKind = 'unavailable' | 'rateLimited' | 'task';

/** 0.61.0 exits with the HTTP status of an API error, truncated to a byte by the OS. */
const HTTP_EXIT: Readonly<Record<number, number>> = { 144: 400, 145: 401, 147: 403, 148: 404, 173: 429, 244: 500, 246: 502, 247: 503, 248: 504 };

export const GEMINI_EXIT_CODES: Readonly<Record<number, ExitCodeMeaning>> = {
  41: { meaning: 'no authentication configured (set GEMINI_API_KEY or run gemini once to sign in)', kind: 'unavailable' },
  42: { meaning: 'bad input', kind: 'task' },
  44: { meaning: 'sandbox error', kind: 'unavailable' },
  52: { meaning: 'configuration error', kind: 'unavailable' },
  53: { meaning: 'session turn limit reached', kind: 'task' },
  54: { meaning: 'tool execution error', kind: 'task' },
  55: { meaning: 'the folder is not trusted', kind: 'unavailable' },
  130: { meaning: 'cancelled', kind: 'task' },
  144: { meaning: 'API error 400 (bad request, or API key not valid)', kind: 'task' },
  145: { meaning: 'API error 401 (API key not valid)', kind: 'unavailable' },
  147: { meaning: 'API error 403 (permission denied)', kind: 'unavailable' },
  173: { meaning: 'API error 429 (rate limit or quota)', kind: 'rateLimited' },
  244: { meaning: 'API error 500', kind: 'task' },
  247: { meaning: 'API error 503 (model overloaded)', kind: 'rateLimited' },
};

/**
 * "[API Error: {json}]" or "[API Error: text]" (0.61.0 may add a hint after the bracket, e.g. for
 * 429: "…]\nPlease wait and try again later. …") → the status and message inside, one line.
 */
export function parseApiError(message: string): { status?: number; message: string } {
  const m = /^\s*\[API Error:\s*/.exec(message);
  if (m === null) {
    // `--output-format json` puts the API's body itself in error.message.
    const err = obj(jsonObject(message)?.error);
    const status = num(err?.code);
    const inner = str(err?.message) ?? message;
    return { ...(status !== undefined ? { status } : {}), message: cleanLine(inner) };
  }
  const rest = message.slice(m[0].length);
  // The body may hold brackets of its own: the closing one is the last after which a JSON body parses.
  for (let i = rest.lastIndexOf(']'); i >= 0; i = rest.lastIndexOf(']', i - 1)) {
    const err = obj(jsonObject(rest.slice(0, i))?.error);
    if (err === undefined) continue;
    const status = num(err.code);
    const inner = str(err.message) ?? str(err.status) ?? rest.slice(0, i);
    return { ...(status !== undefined ? { status } : {}), message: cleanLine(inner) };
  }
  const close = /\](?=\s*(\n|$))/.exec(rest);
  const inner = close ? `${rest.slice(0, close.index)} ${rest.slice(close.index + 1)}` : rest;
  return { message: cleanLine(inner) };
}

/** The tool call a `tool_use` stands for, in one transcript line. */
function toolUseLine(name: string, p: Record<string, unknown>): TranscriptLine {
  switch (name) {
    case 'write_file':
      return toolLine('Write', str(p.file_path), 'edit');
    case 'replace':
      return toolLine('Edit', str(p.file_path), 'edit');
    case 'run_shell_command':
      return toolLine('Shell', str(p.command), 'shell');
    case 'read_file':
      return toolLine('Read', str(p.file_path) ?? str(p.absolute_path), 'read');
    case 'read_many_files':
      return toolLine('Read', Array.isArray(p.include) ? p.include.join(' ') : str(p.paths), 'read');
    case 'list_directory':
      return toolLine('List', str(p.dir_path) ?? str(p.path), 'read');
    case 'glob':
      return toolLine('Glob', str(p.pattern), 'other');
    case 'grep_search':
      return toolLine('Grep', str(p.pattern), 'other');
    case 'web_fetch':
      return toolLine('Fetch', str(p.url) ?? str(p.prompt), 'other');
    case 'google_web_search':
      return toolLine('Search', str(p.query), 'other');
    default: {
      const first = Object.values(p).find((v): v is string => typeof v === 'string' && v.trim() !== '');
      return toolLine(name, first, 'other');
    }
  }
}

// stderr lines that say nothing to the user of Ralph: 0.61.0 prints them on every run.
const STDERR_NOISE = [/^Warning: 256-color support not detected/, /^Ripgrep is not available/, /^\[STARTUP\]/, /^\(Use `node --trace-warnings/];

export class GeminiReader implements AgentReader {
  /** The model's streamed text not yet shown (up to its last newline everything is shown). */
  private pending = '';
  /** The model's text since its last tool call: its answer, once the run is over. */
  private answer = '';
  private readonly tools = new Map<string, string>();
  private resultEvent: Record<string, unknown> | undefined;
  private lastErrorEvent: string | undefined;
  private lastStderr: string | undefined;
  /** A JSON object being printed over several stderr lines (`--output-format json` errors). */
  private stderrJson: string[] | undefined;
  private stderrError: { status?: number; message: string } | undefined;
  private usageSeen: AgentUsage | undefined;
  private started = false;

  stdoutLine(line: string): TranscriptLine[] {
    const event = jsonObject(line);
    if (event === undefined) {
      const clean = stripAnsi(line).trimEnd();
      return meaningful(clean) ? [info(cleanLine(clean, 500))] : [];
    }
    switch (event.type) {
      case 'init': {
        this.started = true;
        const model = str(event.model);
        return [info(`Gemini CLI session${model ? ` (model ${model})` : ''}`)];
      }
      case 'message':
        if (event.role !== 'assistant') return []; // the prompt, echoed back
        return this.assistantText(typeof event.content === 'string' ? event.content : '', event.delta === true);
      case 'tool_use': {
        const out = this.flush();
        this.answer = '';
        const name = str(event.tool_name) ?? 'tool';
        const id = str(event.tool_id);
        if (id !== undefined) this.tools.set(id, name);
        out.push(toolUseLine(name, obj(event.parameters) ?? {}));
        return out;
      }
      case 'tool_result': {
        const out = this.flush();
        if (event.status !== 'error') return out;
        const err = obj(event.error);
        const message = str(err?.message) ?? str(event.output) ?? 'failed';
        const type = str(err?.type) ?? '';
        const tool = this.tools.get(str(event.tool_id) ?? '') ?? 'tool';
        // Not registered (approval mode too narrow) and policy rejections are permission problems.
        if (/not_registered|denied|reject|policy|permission/i.test(type) || /not found\. Did you mean|denied|not allowed/i.test(message)) {
          out.push(denied(`${tool}: ${message}`));
        } else {
          out.push(error(`${tool}: ${message}`));
        }
        return out;
      }
      case 'error': {
        const out = this.flush();
        const message = str(event.message);
        if (message === undefined) return out;
        if (event.severity === 'error') {
          this.lastErrorEvent = cleanLine(message);
          out.push(error(message));
        } else {
          out.push(info(cleanLine(message, 500)));
        }
        return out;
      }
      case 'result': {
        const out = this.flush();
        this.resultEvent = event;
        this.readUsage(obj(event.stats));
        if (event.status === 'error') {
          out.push(error(this.resultFailure()?.reason ?? 'Gemini CLI reported an error'));
        } else {
          // The answer itself was already shown as it streamed; this line only marks the end.
          const calls = num(obj(event.stats)?.tool_calls);
          out.push(result(`Gemini CLI finished${calls !== undefined ? ` (${calls} tool call${calls === 1 ? '' : 's'})` : ''}`));
        }
        return out;
      }
      default:
        return [];
    }
  }

  stderrLine(line: string): TranscriptLine[] {
    const clean = stripAnsi(line).replace(/\s+$/, '');
    // A JSON object over several lines: collect it, show its message once it is whole.
    if (this.stderrJson !== undefined || clean === '{') {
      (this.stderrJson ??= []).push(clean);
      if (clean !== '}') return [];
      const joined = this.stderrJson.join('\n');
      let parsed: unknown;
      try {
        parsed = JSON.parse(joined);
      } catch {
        // Not closed yet (a nested object ended) — keep collecting, but not for ever.
        if (this.stderrJson.length < 200) return [];
        this.stderrJson = undefined;
        return [];
      }
      this.stderrJson = undefined;
      const err = obj(obj(parsed)?.error);
      const message = str(err?.message);
      if (message === undefined) return [];
      const code = num(err?.code);
      this.stderrError = { ...parseApiError(message), ...(code !== undefined && code >= 400 ? { status: code } : {}) };
      this.lastStderr = this.stderrError.message;
      return [error(this.stderrError.message)];
    }
    // Stack frames and the indented fields of an inspected error: the error's first line says it.
    if (/^\s/.test(clean) || !meaningful(clean)) return [];
    if (STDERR_NOISE.some((r) => r.test(clean))) return [];
    const one = cleanLine(withoutErrorBody(clean), 500);
    this.lastStderr = one;
    return [info(one)];
  }

  verdict(exit: { readonly code: number | null; readonly signal: string | null }): AgentVerdict {
    const answer = cleanLine(this.answer + this.pending, 2000);
    if (this.resultEvent !== undefined) {
      if (this.resultEvent.status === 'success') return { ok: true, ...(answer ? { summary: answer } : {}) };
      const failure = this.resultFailure(exit.code);
      return { ok: false, ...(failure ? { summary: failure.reason, failure } : {}) };
    }
    if (exit.signal !== null) return answer ? { summary: answer } : {};
    if (exit.code === 0) {
      // 0.61.0's relaunch wrapper exits 0 when its worker is killed (SIGTERM to the group,
      // measured): a stream that began but never reached its `result` did not finish.
      if (!this.started) return answer ? { summary: answer } : {};
      const reason = 'Gemini CLI stopped before reporting a result';
      return { ok: false, summary: answer || reason, failure: { kind: 'task', reason } };
    }
    // No result event: it stopped before (auth, trust, config) or in a tool (54).
    const code = exit.code ?? -1;
    const known = GEMINI_EXIT_CODES[code];
    if (this.stderrError !== undefined) {
      const status = this.stderrError.status ?? HTTP_EXIT[code];
      const kind = status !== undefined ? kindOfStatus(status) : kindOfMessage(this.stderrError.message);
      const reason = status !== undefined ? `Gemini API error ${status}: ${this.stderrError.message}` : this.stderrError.message;
      return { ok: false, summary: reason, failure: { kind: kind === 'task' ? kindOfMessage(reason) : kind, reason } };
    }
    if (known !== undefined) {
      const reason = cleanLine(this.lastStderr ? `${known.meaning}: ${this.lastStderr}` : known.meaning);
      return { ok: false, summary: reason, failure: { kind: known.kind ?? 'task', reason } };
    }
    return {};
  }

  usage(): AgentUsage | undefined {
    return this.usageSeen;
  }

  /** The failure a `result` of status "error" reports, with its kind. */
  private resultFailure(exitCode?: number | null): { kind: FailureKind; reason: string } | undefined {
    const event = this.resultEvent;
    if (event === undefined) return undefined;
    const err = obj(event.error);
    const raw = str(err?.message) ?? this.lastErrorEvent;
    if (raw === undefined) return { kind: 'task', reason: 'Gemini CLI reported an error' };
    const parsed = parseApiError(raw);
    const isApi = /^\s*\[API Error/.test(raw);
    // The message of a 503 or 429 may lose its status ("[API Error: The model is overloaded…]");
    // the exit code (status mod 256) still has it.
    const status = parsed.status ?? (isApi && exitCode != null ? HTTP_EXIT[exitCode] : undefined);
    const reason = isApi ? `Gemini API error${status !== undefined ? ` ${status}` : ''}: ${parsed.message}` : parsed.message;
    let kind: FailureKind = status !== undefined ? kindOfStatus(status) : 'task';
    if (kind === 'task') kind = kindOfMessage(parsed.message);
    return { kind, reason: cleanLine(reason) };
  }

  private readUsage(stats: Record<string, unknown> | undefined): void {
    if (stats === undefined) return;
    const input = num(stats.input_tokens);
    const output = num(stats.output_tokens);
    if (input === undefined && output === undefined) return;
    const total = num(stats.total_tokens);
    // output_tokens counts candidates only; the model's thinking tokens are in total_tokens
    // (total = prompt + candidates + thoughts) and are billed as output.
    const withThoughts = total !== undefined && input !== undefined ? Math.max(output ?? 0, total - input) : (output ?? 0);
    this.usageSeen = { inputTokens: input ?? 0, outputTokens: withThoughts, cachedInputTokens: num(stats.cached) ?? 0 };
  }

  /** Streamed text: whole lines are shown as they complete, the rest waits for more. */
  private assistantText(content: string, delta: boolean): TranscriptLine[] {
    this.answer += content;
    this.pending += content;
    if (!delta) return this.flush();
    const cut = this.pending.lastIndexOf('\n');
    if (cut < 0) return [];
    const whole = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut + 1);
    return textLinesOf(whole);
  }

  private flush(): TranscriptLine[] {
    const out = textLinesOf(this.pending);
    this.pending = '';
    return out;
  }
}

/**
 * 0.61.0's retry and failure notices end with the API's JSON body ("… _ApiError:
 * {"error":{…}}"): the body's message says the same in words.
 */
function withoutErrorBody(line: string): string {
  const at = line.indexOf('{"error"');
  if (at < 0) return line;
  const end = jsonEnd(line, at);
  if (end === undefined) return line;
  const message = str(obj(jsonObject(line.slice(at, end))?.error)?.message);
  return message === undefined ? line : `${line.slice(0, at)}${message}${line.slice(end)}`;
}

/** Where the JSON object starting at `start` ends (exclusive), braces inside strings skipped. */
function jsonEnd(s: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return undefined;
}

function textLinesOf(t: string): TranscriptLine[] {
  return stripAnsi(t)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .map(text);
}

/** Where 0.61.0 reads an admin's system defaults on Linux; Ralph never hides such a file. */
