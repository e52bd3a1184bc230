// The OpenAI Responses API as Codex CLI (0.171.0) speaks it to the scripted model server:
// `POST /v1/responses` with `stream: true` (SSE: response.created, response.output_item.added /
// .done, response.output_text.delta, response.custom_tool_call_input.delta,
// response.function_call_arguments.delta, response.completed with usage), a JSON answer when
// `stream` is false, and `GET /v1/models` answered with one model in case a client lists them
// (codex 0.171.0 was not seen asking for it with a custom provider).
//
// Script steps map to: `write` → one call of Codex's own file-writing tool, `apply_patch`. Codex
// 0.171.0 offers it as a freeform ("custom") tool for the known models (gpt-5.5 and later:
// `{"type":"custom","name":"apply_patch",…}`), so the call is a `custom_tool_call` whose `input`
// is the patch "*** Begin Patch / *** Add File: <path> / +line… / *** End Patch"; when the tool
// is offered as a function instead, a `function_call` with arguments `{"input": patch}`.
// apply_patch resolves relative paths against the session's cwd, so paths are sent as the task
// wrote them, except an absolute path inside the cwd stated in Codex's <environment_context>,
// which is made relative (that is what the apply_patch instructions ask models to do).
// `answer` → an assistant message; `http` → that status with OpenAI's error body
// ({"error":{"message","type","param","code"}}).
//
// Every model call reports the same usage so readers can be tested: input 1000 (OpenAI counts
// cached tokens inside input_tokens: 200 of them), output 50.
//
// `dropStreams: n` makes the first n streamed calls die before response.completed (right after
// response.created, or with `dropAt: 'mid'` after the output items), to record how the CLI
// reconnects.

import type * as http from 'node:http';
import * as path from 'node:path';
import { sendJson, startSse, type ProtocolHandler } from '../modelServer';
import type { Script, Step, Turn } from '../script';

export const OPENAI_USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 200 },
  output_tokens: 50,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 1050,
} as const;

export const OPENAI_MODEL = 'gpt-5.5';

/** Codex 0.171.0 falls back to HTTPS at once on 426 (on 404 it retries the WebSocket 5 times, ~7 s). */
const WEBSOCKET_REFUSAL = 426;

/** What api.openai.com answers a request without an API key (401, invalid_request_error). */
export const NO_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (i.e. YOUR_KEY), when using HTTP Basic auth. You can obtain an API key from https://platform.openai.com/account/api-keys.";

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Texts of a message's content (a string or a list of input_text / output_text parts). */
function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out: string[] = [];
  for (const part of content) {
    if (isObj(part) && (part.type === 'input_text' || part.type === 'text') && typeof part.text === 'string') out.push(part.text);
  }
  return out;
}

/** Tool names, those inside namespaces (Codex groups its sub-agent tools in one) included. */
function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const out: string[] = [];
  for (const t of tools) {
    if (!isObj(t)) continue;
    if (typeof t.name === 'string') out.push(t.name);
    else if (typeof t.type === 'string') out.push(t.type);
    if (Array.isArray(t.tools)) out.push(...toolNames(t.tools));
  }
  return out;
}

/** How the CLI offers apply_patch: `custom` (freeform), `function`, or not at all. */
function applyPatchKind(tools: unknown): 'custom' | 'function' | undefined {
  if (!Array.isArray(tools)) return undefined;
  for (const t of tools) {
    if (isObj(t) && t.name === 'apply_patch') return t.type === 'custom' ? 'custom' : 'function';
  }
  return undefined;
}

/** The turn a request stands for, and the context (Codex's <environment_context> lives in a user message). */
export function openaiTurn(body: Json): { turn: Turn; context: string } {
  const input = Array.isArray(body.input) ? body.input : typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : [];
  const userTexts: string[] = [];
  const allTexts: string[] = [];
  let toolResults = 0;
  for (const item of input) {
    if (!isObj(item)) continue;
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') toolResults++;
    if (item.type !== undefined && item.type !== 'message') continue;
    const t = texts(item.content);
    allTexts.push(...t);
    if (item.role === 'user') userTexts.push(...t);
  }
  if (typeof body.instructions === 'string') allTexts.push(body.instructions);
  return {
    turn: { protocol: 'openai', prompt: userTexts.join('\n'), toolResults, tools: toolNames(body.tools) },
    context: allTexts.join('\n'),
  };
}

/** Codex 0.171.0 states its cwd as `<cwd>/abs/path</cwd>` in its environment context. */
export function workingDirectory(context: string): string | undefined {
  return /<cwd>([^<]+)<\/cwd>/.exec(context)?.[1];
}

/** An apply_patch patch that creates `file` with `content`. */
export function addFilePatch(file: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return ['*** Begin Patch', `*** Add File: ${file}`, ...lines.map((l) => `+${l}`), '*** End Patch'].join('\n');
}

let ids = 0;
const nextId = (prefix: string): string => `${prefix}_scripted${String(++ids).padStart(6, '0')}`;

/** The output items a step becomes. */
function outputOf(step: Exclude<Step, { kind: 'http' }>, body: Json, context: string): Json[] {
  const message = (t: string): Json => ({
    type: 'message',
    id: nextId('msg'),
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: t, annotations: [] }],
  });
  if (step.kind === 'answer') return [message(step.text)];
  const cwd = workingDirectory(context);
  let file = step.path;
  if (cwd !== undefined && path.isAbsolute(file)) {
    const rel = path.relative(cwd, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) file = rel;
  }
  const patch = addFilePatch(file, step.content);
  const callId = nextId('call');
  const kind = applyPatchKind(body.tools) ?? 'custom';
  const call: Json =
    kind === 'custom'
      ? { type: 'custom_tool_call', id: nextId('ctc'), call_id: callId, name: 'apply_patch', input: patch, status: 'completed' }
      : { type: 'function_call', id: nextId('fc'), call_id: callId, name: 'apply_patch', arguments: JSON.stringify({ input: patch }), status: 'completed' };
  return [message(`Writing ${step.path}.`), call];
}

function errorBody(status: number, message: string): Json {
  switch (status) {
    case 401:
      return { message, type: 'invalid_request_error', param: null, code: message === NO_KEY_MESSAGE ? null : 'invalid_api_key' };
    case 429:
      // OpenAI tells an exhausted balance from a rate limit by its code; codex 0.171.0 does too.
      return /exceeded your current quota/i.test(message)
        ? { message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' }
        : { message, type: 'requests', param: null, code: 'rate_limit_exceeded' };
    case 400:
      return { message, type: 'invalid_request_error', param: null, code: null };
    default:
      return { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null };
  }
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  const headers: Record<string, string> = { 'x-request-id': nextId('req') };
  if (status === 429 || status === 503) headers['retry-after'] = '0';
  sendJson(res, status, { error: errorBody(status, message) }, headers);
}

function responseObject(id: string, model: string, status: string, output: Json[], usage: Json | null): Json {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output,
    usage,
    error: null,
    incomplete_details: null,
  };
}

function stream(res: http.ServerResponse, model: string, output: Json[], drop: 'start' | 'mid' | undefined): void {
  const send = startSse(res);
  const id = nextId('resp');
  let seq = 0;
  const event = (type: string, data: Json): void => send({ type, sequence_number: seq++, ...data }, type);
  event('response.created', { response: responseObject(id, model, 'in_progress', [], null) });
  if (drop === 'start') {
    // A connection that dies right after the response started: no response.completed.
    res.destroy();
    return;
  }
  event('response.in_progress', { response: responseObject(id, model, 'in_progress', [], null) });
  output.forEach((item, index) => {
    if (item.type === 'message') {
      const text = (item.content as { text: string }[])[0]?.text ?? '';
      event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', content: [] } });
      event('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      event('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta: text });
      event('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text });
      event('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else if (item.type === 'custom_tool_call') {
      event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', input: '' } });
      event('response.custom_tool_call_input.delta', { item_id: item.id, output_index: index, delta: item.input });
      event('response.custom_tool_call_input.done', { item_id: item.id, output_index: index, input: item.input });
    } else if (item.type === 'function_call') {
      event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } });
      event('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: item.arguments });
      event('response.function_call_arguments.done', { item_id: item.id, output_index: index, arguments: item.arguments });
    }
    event('response.output_item.done', { output_index: index, item });
  });
  if (drop === 'mid') {
    // Every item sent, then the connection dies before response.completed.
    res.destroy();
    return;
  }
  event('response.completed', { response: responseObject(id, model, 'completed', output, { ...OPENAI_USAGE }) });
  res.end();
}

export interface OpenAiOptions {
  /** The first n streamed calls die (the connection is destroyed) before response.completed. */
  readonly dropStreams?: number;
  /** Where they die: right after response.created (default) or after the output items. */
  readonly dropAt?: 'start' | 'mid';
}

/** `POST /v1/responses` (SSE or JSON) and `GET /v1/models`. */
export function openaiHandlers(options: OpenAiOptions = {}): ProtocolHandler[] {
  let drops = options.dropStreams ?? 0;
  const responses: ProtocolHandler = {
    name: 'openai-responses',
    matches: (method, url) => method === 'POST' && /^(\/v1)?\/responses(\?|$)/.test(url),
    handle(req, raw, res, script: Script) {
      // Codex 0.171.0 with no credentials at all (no CODEX_API_KEY, no `codex login`) does not
      // stop by itself: it sends the request without an Authorization header. The real API
      // answers 401 with this message, so the scripted one does too.
      if (!/^Bearer \S+/i.test(req.headers.authorization ?? '')) {
        sendError(res, 401, NO_KEY_MESSAGE);
        return;
      }
      let body: Json;
      try {
        const parsed: unknown = JSON.parse(raw);
        body = isObj(parsed) ? parsed : {};
      } catch {
        sendError(res, 400, 'request body is not JSON');
        return;
      }
      const { turn, context } = openaiTurn(body);
      const step = script.next(turn);
      if (step.kind === 'http') {
        sendError(res, step.status, step.message);
        return;
      }
      const model = typeof body.model === 'string' ? body.model : OPENAI_MODEL;
      const output = outputOf(step, body, context);
      if (body.stream === true) {
        const drop = drops > 0 ? (options.dropAt ?? 'start') : undefined;
        if (drop) drops--;
        stream(res, model, output, drop);
        return;
      }
      sendJson(res, 200, responseObject(nextId('resp'), model, 'completed', output, { ...OPENAI_USAGE }));
    },
  };
  const models: ProtocolHandler = {
    name: 'openai-models',
    matches: (method, url) => method === 'GET' && /^(\/v1)?\/models(\?|$)/.test(url),
    handle(_req, _body, res) {
      sendJson(res, 200, { object: 'list', data: [{ id: OPENAI_MODEL, object: 'model', created: 1_700_000_000, owned_by: 'openai' }] });
    },
  };
  // Codex 0.171.0 first tries the Responses API over a WebSocket (GET /v1/responses with an
  // Upgrade header) for models that prefer it (all its bundled ones) on the built-in provider.
  // The scripted server speaks HTTP only: refuse, and the CLI falls back to HTTPS + SSE.
  const websocket: ProtocolHandler = {
    name: 'openai-responses-websocket',
    matches: (method, url) => method === 'GET' && /^(\/v1)?\/responses(\?|$)/.test(url),
    handle(_req, _body, res) {
      sendJson(res, WEBSOCKET_REFUSAL, { error: { message: 'scripted model server: no WebSocket transport, use HTTP', type: 'invalid_request_error', param: null, code: null } });
    },
  };
  return [responses, models, websocket];
}
