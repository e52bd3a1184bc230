// OpenAI Chat Completions (`POST /v1/chat/completions`), as opencode speaks it through its bundled
// `@ai-sdk/openai-compatible` provider: streamed (SSE `chat.completion.chunk`s, `tool_calls` deltas,
// usage in a last chunk with empty `choices` when `stream_options.include_usage`) and plain JSON.
// Also `GET /v1/models` in case a client lists models.
//
// Measured with opencode 1.18.33: its file-writing tool is `write` with `{ filePath, content }`;
// the tool description asks for an absolute path, so relative paths from the task are made
// absolute with the `Working directory: <dir>` line opencode puts in its system prompt (`<env>`).

import type * as http from 'node:http';
import { sendJson, startSse, type ProtocolHandler } from '../modelServer';
import type { Script, Step } from '../script';

/** What every model call reports, so usage readers can be tested: input counts cached tokens too. */
export const CHAT_USAGE = { prompt: 1000, completion: 50, cached: 200, reasoning: 10 } as const;

interface ChatMessage {
  readonly role?: string;
  readonly content?: unknown;
  readonly tool_calls?: unknown;
}

interface ChatRequest {
  readonly model?: string;
  readonly messages?: readonly ChatMessage[];
  readonly tools?: readonly { readonly function?: { readonly name?: string } }[];
  readonly stream?: boolean;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = part as { type?: unknown; text?: unknown };
        return typeof p.text === 'string' ? p.text : '';
      })
      .join('\n');
  }
  return '';
}

/** The directory the CLI says it works in (opencode: `Working directory: /abs/dir` in `<env>`). */
export function workingDirectory(prompt: string): string | undefined {
  return /Working directory: (\/\S*)/.exec(prompt)?.[1];
}

function absolute(path: string, cwd: string | undefined): string {
  if (path.startsWith('/') || cwd === undefined) return path;
  return `${cwd.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`;
}

/** The write tool the CLI offered, and its argument names. */
function writeCall(tools: readonly string[], step: Extract<Step, { kind: 'write' }>, cwd: string | undefined): { name: string; args: Record<string, string> } {
  // opencode 1.18.33 offers `write` ({filePath, content}); other Chat Completions clients differ.
  const name = tools.find((t) => t === 'write') ?? tools.find((t) => /write/i.test(t)) ?? 'write';
  return { name, args: { filePath: absolute(step.path, cwd), content: step.content } };
}

function usage(): Record<string, unknown> {
  return {
    prompt_tokens: CHAT_USAGE.prompt,
    completion_tokens: CHAT_USAGE.completion,
    total_tokens: CHAT_USAGE.prompt + CHAT_USAGE.completion,
    prompt_tokens_details: { cached_tokens: CHAT_USAGE.cached },
    // opencode reports output minus reasoning and reasoning apart; 10 of the 50 are reasoning.
    completion_tokens_details: { reasoning_tokens: CHAT_USAGE.reasoning },
  };
}

let counter = 0;

export const openaiChatHandler: ProtocolHandler = {
  name: 'openai-chat',
  matches(method, url) {
    const path = url.split('?')[0] ?? '';
    return (method === 'POST' && path.endsWith('/chat/completions')) || (method === 'GET' && path.endsWith('/models'));
  },
  handle(req: http.IncomingMessage, body: string, res: http.ServerResponse, script: Script) {
    if (req.method === 'GET') {
      sendJson(res, 200, { object: 'list', data: [{ id: 'scripted', object: 'model', created: 0, owned_by: 'ralph' }] });
      return;
    }
    const request = JSON.parse(body) as ChatRequest;
    const messages = request.messages ?? [];
    const prompt = messages
      .filter((m) => m.role === 'system' || m.role === 'user' || m.role === 'developer')
      .map((m) => textOf(m.content))
      .join('\n');
    const tools = (request.tools ?? []).map((t) => t.function?.name ?? '').filter((n) => n !== '');
    const toolResults = messages.filter((m) => m.role === 'tool').length;
    const step = script.next({ protocol: 'openai-chat', prompt, toolResults, tools });
    const model = request.model ?? 'scripted';
    const id = `chatcmpl-scripted-${++counter}`;
    const created = Math.floor(Date.now() / 1000);

    if (step.kind === 'http') {
      // OpenAI's error body; 429 also carries retry-after so clients that honour it wait briefly.
      const type = step.status === 401 ? 'invalid_request_error' : step.status === 429 ? 'rate_limit_exceeded' : 'server_error';
      const code = step.status === 401 ? 'invalid_api_key' : step.status === 429 ? 'rate_limit_exceeded' : null;
      sendJson(res, step.status, { error: { message: step.message, type, param: null, code } }, step.status === 429 ? { 'retry-after': '1' } : {});
      return;
    }

    // A call that offers no tools (opencode's session-title request when --title is not given
    // quotes the whole task) cannot take a write: answer it with plain text instead.
    const call = step.kind === 'write' && tools.length > 0 ? writeCall(tools, step, workingDirectory(prompt)) : undefined;
    const answer = step.kind === 'answer' ? step.text : step.kind === 'write' && call === undefined ? 'Scripted task' : '';
    const callId = `call_scripted_${counter}`;

    if (request.stream !== true) {
      const message =
        call !== undefined
          ? { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] }
          : { role: 'assistant', content: answer };
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, finish_reason: call !== undefined ? 'tool_calls' : 'stop' }],
        usage: usage(),
      });
      return;
    }

    const send = startSse(res);
    const chunk = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    send(chunk({ role: 'assistant', content: '' }, null));
    if (call !== undefined) {
      const args = JSON.stringify(call.args);
      const half = Math.floor(args.length / 2);
      // Arguments in two pieces, as real servers stream them.
      send(chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: call.name, arguments: args.slice(0, half) } }] }, null));
      send(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }, null));
      send(chunk({}, 'tool_calls'));
    } else {
      const text = answer;
      const cut = Math.floor(text.length / 2);
      send(chunk({ content: text.slice(0, cut) }, null));
      send(chunk({ content: text.slice(cut) }, null));
      send(chunk({}, 'stop'));
    }
    send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage() });
    send('[DONE]');
    res.end();
  },
};
