// A scripted model server on 127.0.0.1 that the real agent CLIs talk to in the conformance tests.
// It speaks each vendor's API through a protocol handler (protocols/*.ts) and leaves what to say
// to Script (script.ts). Bounded: it answers at most `maxRequests` calls and closes itself after
// `lifetimeMs`, so a CLI stuck in a retry loop cannot keep a test (or CI) waiting for ever.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Script, type Fault } from './script';

export interface ProtocolHandler {
  readonly name: string;
  /** Whether this handler answers the request (by method and path). */
  matches(method: string, url: string): boolean;
  handle(req: http.IncomingMessage, body: string, res: http.ServerResponse, script: Script): Promise<void> | void;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly handler: string | undefined;
  readonly status: number;
  readonly body: string;
}

export interface ModelServerOptions {
  readonly handlers: readonly ProtocolHandler[];
  readonly faults?: readonly Fault[];
  readonly maxRequests?: number;
  readonly lifetimeMs?: number;
  /** Wait this long before answering each handled request (a slow model, so a UI can be caught
   *  mid-run); none by default. */
  readonly delayMs?: number;
}

export class ScriptedModelServer {
  readonly script: Script;
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private lifetime: NodeJS.Timeout | undefined;
  private readonly maxRequests: number;

  constructor(private readonly options: ModelServerOptions) {
    this.script = new Script(options.faults ?? []);
    this.maxRequests = options.maxRequests ?? 2000;
  }

  /** Starts listening on 127.0.0.1 (a free port); resolves to the base URL, no trailing slash. */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.lifetime = setTimeout(() => void this.close(), this.options.lifetimeMs ?? 10 * 60_000);
    this.lifetime.unref();
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    if (this.lifetime) clearTimeout(this.lifetime);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const handler = this.options.handlers.find((h) => h.matches(method, url));
    const record = (status: number): void => {
      this.requests.push({ method, url, handler: handler?.name, status, body: body.slice(0, 200_000) });
    };
    if (this.requests.length >= this.maxRequests) {
      record(503);
      sendJson(res, 503, { error: { message: `scripted model server: more than ${this.maxRequests} requests` } });
      return;
    }
    if (!handler) {
      record(404);
      sendJson(res, 404, { error: { message: `scripted model server: no handler for ${method} ${url}` } });
      return;
    }
    try {
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      await handler.handle(req, body, res, this.script);
      record(res.statusCode);
    } catch (error) {
      record(500);
      if (!res.headersSent) sendJson(res, 500, { error: { message: `scripted model server: ${(error as Error).stack}` } });
      else res.end();
    }
  }
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Server-sent events: `event:` (when named) and `data:` lines, a blank line after each. */
export function startSse(res: http.ServerResponse): (data: unknown, event?: string) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (data, event) => {
    res.write(`${event !== undefined ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  };
}
