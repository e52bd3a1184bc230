// The Gemini API (generativelanguage v1beta) as Gemini CLI (0.61.0) speaks it to the scripted
// model server when GOOGLE_GEMINI_BASE_URL points here:
// - `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`: every chat turn of the main
//   agent (SSE, one `data:` JSON chunk per event, no `event:` names);
// - `POST /v1beta/models/<model>:generateContent`: side calls (its model router / classifier,
//   next-speaker checks, loop detection, summaries) — answered with plain JSON;
// - `POST /v1beta/models/<model>:countTokens`: token counts (answered with a plausible estimate);
// - `GET /v1beta/models[/<model>]`: a model list / model info, in case it asks.
//
// Script steps map to: `write` → a `functionCall` of Gemini CLI's own `write_file` tool
// ({file_path, content}; the tool resolves relative paths against its target dir, but we make
// them absolute with the directory Gemini CLI states in its session context, "I'm currently
// working in the directory: /abs/path", as a real model tends to); `answer` → a text part with
// finishReason STOP; `http` → that status with Google's error body
// ({"error":{"code","message","status","details"}}).
//
// Every model call reports the same usage so readers can be tested: prompt 1000 (of which 200
// cached), candidates 50, thoughts 30, total 1080.

import type * as http from 'node:http';
import * as path from 'node:path';
import { sendJson, startSse, type ProtocolHandler } from '../modelServer';
import type { Script, Step, Turn } from '../script';

export const GEMINI_USAGE = {
  promptTokenCount: 1000,
  candidatesTokenCount: 50,
  cachedContentTokenCount: 200,
  // Thinking tokens are billed as output but counted apart; totalTokenCount includes them.
  thoughtsTokenCount: 30,
  totalTokenCount: 1080,
} as const;

export const GEMINI_MODEL_VERSION = 'gemini-2.5-pro-scripted';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function partsOf(content: unknown): Json[] {
  if (!isObj(content) || !Array.isArray(content.parts)) return [];
  return content.parts.filter(isObj);
}

/** The turn a request stands for; `context` holds the CLI's own context (working directory). */
export function geminiTurn(body: Json): { turn: Turn; context: string } {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isObj) : [];
  const userTexts: string[] = [];
  let toolResults = 0;
  for (const c of contents) {
    if (c.role !== 'user' && c.role !== undefined) continue;
    for (const p of partsOf(c)) {
      if (typeof p.text === 'string') userTexts.push(p.text);
      if (isObj(p.functionResponse)) toolResults++;
    }
  }
  const systemTexts = partsOf(body.systemInstruction).flatMap((p) => (typeof p.text === 'string' ? [p.text] : []));
  const tools: string[] = [];
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isObj(t) || !Array.isArray(t.functionDeclarations)) continue;
      for (const f of t.functionDeclarations) if (isObj(f) && typeof f.name === 'string') tools.push(f.name);
    }
  }
  return {
    turn: { protocol: 'gemini', prompt: userTexts.join('\n'), toolResults, tools },
    context: [...systemTexts, ...userTexts].join('\n'),
  };
}

/**
 * Gemini CLI 0.61.0 states its cwd in a `<session_context>` user message:
 * "- **Workspace Directories:**\n  - /abs/path" (the first listed is the target dir).
 */
export function workingDirectory(context: string): string | undefined {
  const m = /Workspace Directories:\**\s*\n\s*-\s*(\/[^\n]*)/.exec(context);
  return m?.[1]?.trim();
}

/**
 * A value that fits a response schema (Gemini's OBJECT/STRING/… or JSON Schema's lower-case
 * types). Enums take "user" when offered (the next-speaker check: "user" ends the turn),
 * numbers are 30 (the router's complexity score: a routine task).
 */
export function valueForSchema(schema: unknown): unknown {
  if (!isObj(schema)) return {};
  const type = typeof schema.type === 'string' ? schema.type.toLowerCase() : Array.isArray(schema.type) ? String(schema.type[0]).toLowerCase() : 'object';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum.includes('user') ? 'user' : schema.enum[0];
  switch (type) {
    case 'string':
      return 'scripted';
    case 'integer':
    case 'number':
      return 30;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default: {
      const out: Json = {};
      const props = isObj(schema.properties) ? schema.properties : {};
      for (const [k, v] of Object.entries(props)) out[k] = valueForSchema(v);
      return out;
    }
  }
}

/** Google's canonical status names, as the API puts them in `error.status`. */
function statusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return 'INTERNAL';
  }
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  const error: Json = { code: status, message, status: statusName(status) };
  if (status === 401) {
    error.details = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ];
  }
  if (status === 429) {
    // A short RetryInfo, as the real API sends with per-minute quota errors: Gemini CLI then
    // treats it as a retryable quota error and waits max(its backoff, this delay).
    error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }];
  }
  sendJson(res, status, { error });
}

let ids = 0;

/** The candidate parts a step becomes. */
function partsFor(step: Exclude<Step, { kind: 'http' }>, context: string): Json[] {
  if (step.kind === 'answer') return [{ text: step.text }];
  const cwd = workingDirectory(context);
  const filePath = path.isAbsolute(step.path) || cwd === undefined ? step.path : path.join(cwd, step.path);
  return [
    { text: `Writing ${step.path}.` },
    { functionCall: { id: `call_scripted${String(++ids).padStart(6, '0')}`, name: 'write_file', args: { file_path: filePath, content: step.content } } },
  ];
}

function candidate(parts: Json[]): Json {
  return { content: { role: 'model', parts }, finishReason: 'STOP', index: 0 };
}

export interface GeminiHandlerOptions {
  /** Cut the first N streams after the first chunk (a dropped connection), to test mid-stream retries. */
  readonly dropStreams?: number;
}

/** The handlers for the Gemini API: generate (stream and not), count tokens, model list. */
export function geminiHandlers(options: GeminiHandlerOptions = {}): ProtocolHandler[] {
  let dropsLeft = options.dropStreams ?? 0;
  const generate: ProtocolHandler = {
    name: 'gemini-generate',
    matches: (method, url) => method === 'POST' && /^\/v1(beta|alpha)?\/models\/[^/:]+:(streamGenerateContent|generateContent)\b/.test(url),
    handle(req, body, res, script: Script) {
      const url = req.url ?? '';
      const streaming = url.includes(':streamGenerateContent');
      const parsed: unknown = JSON.parse(body || '{}');
      const json = isObj(parsed) ? parsed : {};
      const config = isObj(json.generationConfig) ? json.generationConfig : {};
      const schema = config.responseJsonSchema ?? config.responseSchema;
      if (!streaming && (schema !== undefined || config.responseMimeType === 'application/json')) {
        // A side call that wants JSON (0.61.0: the model router's complexity classifier, the
        // next-speaker check, loop detection). It carries the task prompt too, so it must not
        // reach the script: it would take a step (or a fault) meant for the agent's turn.
        const text = JSON.stringify(valueForSchema(schema));
        sendJson(res, 200, { candidates: [candidate([{ text }])], usageMetadata: GEMINI_USAGE, modelVersion: GEMINI_MODEL_VERSION });
        return;
      }
      const { turn, context } = geminiTurn(json);
      const step = script.next(turn);
      if (step.kind === 'http') {
        sendError(res, step.status, step.message);
        return;
      }
      const parts = partsFor(step, context);
      const responseId = `resp_scripted${String(++ids).padStart(6, '0')}`;
      if (!streaming) {
        sendJson(res, 200, { candidates: [candidate(parts)], usageMetadata: GEMINI_USAGE, modelVersion: GEMINI_MODEL_VERSION, responseId });
        return;
      }
      const send = startSse(res);
      if (dropsLeft > 0) {
        dropsLeft--;
        // One chunk of text, then the connection goes away without a finishReason.
        send({ candidates: [{ content: { role: 'model', parts: [{ text: 'Working' }] }, index: 0 }], modelVersion: GEMINI_MODEL_VERSION, responseId });
        res.destroy();
        return;
      }
      // The real API streams text in pieces and puts usage on the last chunk; two chunks show that.
      const [first, ...rest] = parts;
      send({ candidates: [{ content: { role: 'model', parts: first ? [first] : [] }, index: 0 }], modelVersion: GEMINI_MODEL_VERSION, responseId });
      send({ candidates: [candidate(rest.length > 0 ? rest : [{ text: '' }])], usageMetadata: GEMINI_USAGE, modelVersion: GEMINI_MODEL_VERSION, responseId });
      res.end();
    },
  };
  const countTokens: ProtocolHandler = {
    name: 'gemini-countTokens',
    matches: (method, url) => method === 'POST' && /^\/v1(beta|alpha)?\/models\/[^/:]+:countTokens\b/.test(url),
    handle(_req, body, res) {
      sendJson(res, 200, { totalTokens: Math.max(1, Math.ceil(body.length / 4)) });
    },
  };
  const models: ProtocolHandler = {
    name: 'gemini-models',
    matches: (method, url) => method === 'GET' && /^\/v1(beta|alpha)?\/models\b/.test(url),
    handle(req, _body, res) {
      const model = (name: string): Json => ({
        name: `models/${name}`,
        version: '001',
        displayName: name,
        inputTokenLimit: 1_048_576,
        outputTokenLimit: 65_536,
        supportedGenerationMethods: ['generateContent', 'countTokens'],
      });
      const one = /\/models\/([^/?:]+)/.exec(req.url ?? '');
      if (one?.[1]) sendJson(res, 200, model(one[1]));
      else sendJson(res, 200, { models: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'].map(model) });
    },
  };
  return [generate, countTokens, models];
}
