// The Anthropic Messages API as Claude Code (2.1.332) speaks it to the scripted model server.
// Measured: in `-p` mode with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 (and even without it)
// the only calls are `POST /v1/messages?beta=true` with `stream: true` — no count_tokens, no
// quota probe, no title/summary call, no OAuth/profile call. The non-streaming form,
// count_tokens and /v1/models are answered anyway, plausibly, for other Anthropic clients.
//
// Script steps map to: `write` → a `tool_use` of Claude Code's own `Write` tool
// ({file_path, content}; the tool's schema says "must be absolute", so a relative one is resolved against
// the "Primary working directory:" line Claude Code puts in a `role: "system"` message); `answer` → a text
// block and `end_turn`; `http` → that status with Anthropic's error body
// ({"type":"error","error":{"type":…,"message":…}}).
//
// Every model call reports the same usage so readers can be tested: input 1000 (of which 200
// read from cache, Anthropic counts those apart: input_tokens 800 + cache_read 200), output 50.

import type * as http from 'node:http';
import * as path from 'node:path';
import { sendJson, startSse, type ProtocolHandler } from '../modelServer';
import type { Script, Step, Turn } from '../script';

export const ANTHROPIC_USAGE = {
  input_tokens: 800,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 200,
  output_tokens: 50,
} as const;

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Texts of a content value (a string or a list of blocks), tool results' texts included. */
function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out: string[] = [];
  for (const block of content) {
    if (!isObj(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') out.push(block.text);
  }
  return out;
}

function countToolResults(messages: unknown[]): number {
  let n = 0;
  for (const m of messages) {
    if (!isObj(m) || m.role !== 'user' || !Array.isArray(m.content)) continue;
    for (const block of m.content) if (isObj(block) && block.type === 'tool_result') n++;
  }
  return n;
}

/** The turn a request stands for; `system` holds the CLI's own context (working directory). */
export function anthropicTurn(body: Json): { turn: Turn; context: string } {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const userTexts: string[] = [];
  // Claude Code 2.1.332 sends its environment (cwd, platform) as a `role: "system"` message
  // inside `messages`, after the first user message, not in the top-level `system`.
  for (const m of messages) if (isObj(m) && (m.role === 'user' || m.role === 'system')) userTexts.push(...texts(m.content));
  const systemTexts = texts(body.system);
  const tools = Array.isArray(body.tools) ? body.tools.flatMap((t) => (isObj(t) && typeof t.name === 'string' ? [t.name] : [])) : [];
  return {
    turn: { protocol: 'anthropic', prompt: userTexts.join('\n'), toolResults: countToolResults(messages), tools },
    context: [...systemTexts, ...userTexts].join('\n'),
  };
}

/** Claude Code 2.1.332 states its cwd as " - Primary working directory: /abs/path". */
export function workingDirectory(context: string): string | undefined {
  const m = /(?:Primary working directory|Working directory):\s*(\S+)/.exec(context);
  return m?.[1];
}

function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

let ids = 0;
const nextId = (prefix: string): string => `${prefix}_scripted${String(++ids).padStart(6, '0')}`;

/** The content blocks and stop reason a step becomes. */
function contentOf(step: Exclude<Step, { kind: 'http' }>, context: string): { blocks: Json[]; stop: string } {
  if (step.kind === 'answer') return { blocks: [{ type: 'text', text: step.text }], stop: 'end_turn' };
  const cwd = workingDirectory(context);
  const filePath = path.isAbsolute(step.path) || cwd === undefined ? step.path : path.join(cwd, step.path);
  return {
    blocks: [
      { type: 'text', text: `Writing ${step.path}.` },
      { type: 'tool_use', id: nextId('toolu'), name: 'Write', input: { file_path: filePath, content: step.content } },
    ],
    stop: 'tool_use',
  };
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  // Anthropic sends a request-id on errors too; Claude Code prints it in some messages.
  const headers: Record<string, string> = { 'request-id': nextId('req') };
  if (status === 429 || status === 529) headers['retry-after'] = '0';
  sendJson(res, status, { type: 'error', error: { type: errorType(status), message } }, headers);
}

function streamMessage(res: http.ServerResponse, model: string, blocks: Json[], stop: string): void {
  const send = startSse(res);
  const id = nextId('msg');
  send(
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
      },
    },
    'message_start',
  );
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      send({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, 'content_block_start');
      send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } }, 'content_block_delta');
    } else {
      send(
        { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } },
        'content_block_start',
      );
      const json = JSON.stringify(block.input);
      // Two halves, as the real API splits tool input into several input_json_delta events.
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) {
        send({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } }, 'content_block_delta');
      }
    }
    send({ type: 'content_block_stop', index }, 'content_block_stop');
  });
  send(
    { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { ...ANTHROPIC_USAGE } },
    'message_delta',
  );
  send({ type: 'message_stop' }, 'message_stop');
  res.end();
}

export interface AnthropicOptions {
  /** Drop the SSE stream after message_start, this many times (a connection lost mid-answer). */
  readonly dropStreams?: number;
  /**
   * Before the script's first step, call Claude Code's `Bash` tool with this command (once per
   * conversation): shows what the permission mode does with a shell command. The script's steps
   * then follow as usual (the Bash result is not counted as one of them).
   */
  readonly shellFirst?: string;
}

/** `POST /v1/messages` (streaming and not). */
export function anthropicMessages(options: AnthropicOptions = {}): ProtocolHandler {
  let drops = options.dropStreams ?? 0;
  return {
    name: 'anthropic-messages',
    matches: (method, url) => method === 'POST' && /^\/v1\/messages(\?|$)/.test(url),
    handle(_req, raw, res, script: Script) {
      const body: Json = raw.trim() === '' ? {} : (JSON.parse(raw) as Json);
      const { turn: seen, context } = anthropicTurn(body);
      const shell = options.shellFirst !== undefined && /^# Task /m.test(seen.prompt) ? options.shellFirst : undefined;
      const model = typeof body.model === 'string' ? body.model : 'claude-scripted';
      if (shell !== undefined && seen.toolResults === 0) {
        const blocks: Json[] = [{ type: 'tool_use', id: nextId('toolu'), name: 'Bash', input: { command: shell, description: 'Run a shell command' } }];
        if (body.stream === true) streamMessage(res, model, blocks, 'tool_use');
        else sendJson(res, 200, { id: nextId('msg'), type: 'message', role: 'assistant', model, content: blocks, stop_reason: 'tool_use', stop_sequence: null, usage: { ...ANTHROPIC_USAGE } });
        return;
      }
      const turn = shell !== undefined ? { ...seen, toolResults: seen.toolResults - 1 } : seen;
      const step = script.next(turn);
      if (step.kind === 'http') {
        sendError(res, step.status, step.message);
        return;
      }
      const { blocks, stop } = contentOf(step, context);
      if (body.stream === true) {
        if (drops > 0) {
          drops--;
          const send = startSse(res);
          send({ type: 'message_start', message: { id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...ANTHROPIC_USAGE, output_tokens: 1 } } }, 'message_start');
          res.destroy();
          return;
        }
        streamMessage(res, model, blocks, stop);
        return;
      }
      sendJson(res, 200, {
        id: nextId('msg'),
        type: 'message',
        role: 'assistant',
        model,
        content: blocks,
        stop_reason: stop,
        stop_sequence: null,
        usage: { ...ANTHROPIC_USAGE },
      });
    },
  };
}

/** `POST /v1/messages/count_tokens`: a rough count (4 characters a token). */
export const anthropicCountTokens: ProtocolHandler = {
  name: 'anthropic-count-tokens',
  matches: (method, url) => method === 'POST' && url.startsWith('/v1/messages/count_tokens'),
  handle(_req, raw, res) {
    sendJson(res, 200, { input_tokens: Math.max(1, Math.ceil(raw.length / 4)) });
  },
};

/** `GET /v1/models…`: one model, for a CLI that lists or checks them. */
export const anthropicModels: ProtocolHandler = {
  name: 'anthropic-models',
  matches: (method, url) => method === 'GET' && url.startsWith('/v1/models'),
  handle(req, _raw, res) {
    const model = { type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' };
    if (/^\/v1\/models\/[^/?]+/.test(req.url ?? '')) sendJson(res, 200, model);
    else sendJson(res, 200, { data: [model], has_more: false, first_id: model.id, last_id: model.id });
  },
};

/** All handlers Claude Code needs, model calls first. */
export function anthropicHandlers(options: AnthropicOptions = {}): ProtocolHandler[] {
  return [anthropicCountTokens, anthropicMessages(options), anthropicModels];
}
