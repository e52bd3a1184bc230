// The scripted model server as a process of its own, for scripts in plain JavaScript (the UI pass,
// scripts/ui-pass.mjs) that cannot import the TypeScript harness:
//
//   node --import tsx test/agents/serve.ts [--cli claude|codex|gemini|opencode] [--delay-ms N]
//                                          [--home DIR] [--lifetime-ms N]
//
// stdout, line 1: the base URL (http://127.0.0.1:<port>, no trailing slash).
// stdout, line 2: JSON {"cli", "bin", "env"}: the pinned CLI's executable (its folder goes first on
//   PATH) and the environment that points it at this server (`env` only when --home is given; the
//   CLI's HOME and config go there), as test/agents/clis/*.ts build them for the conformance tests.
// stderr: one line per request (method, path, status, ms), for the caller's log.
//
// --delay-ms makes the model slow: each answer waits that long, so a UI can be caught mid-run.
// Stops on SIGTERM/SIGINT, and when stdin closes (the parent went away without a signal).

import { HARNESSES } from './clis';
import { ScriptedModelServer } from './modelServer';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const cliName = option('cli') ?? 'claude';
  const harness = HARNESSES.find((h) => h.name === cliName);
  if (!harness) throw new Error(`unknown --cli ${cliName} (one of ${HARNESSES.map((h) => h.name).join(', ')})`);
  const delayMs = Number(option('delay-ms') ?? 0);
  const home = option('home');
  const server = new ScriptedModelServer({
    handlers: harness.handlers,
    delayMs: Number.isFinite(delayMs) && delayMs > 0 ? delayMs : undefined,
    lifetimeMs: Number(option('lifetime-ms') ?? 30 * 60_000),
  });
  const baseUrl = await server.start();
  let logged = 0;
  const logTimer = setInterval(() => {
    for (; logged < server.requests.length; logged++) {
      const r = server.requests[logged];
      if (r) process.stderr.write(`${r.method} ${r.url} → ${r.status}${r.handler ? ` (${r.handler})` : ''}\n`);
    }
  }, 100);
  const env = home !== undefined ? await harness.environment({ baseUrl, home, loggedIn: true }) : undefined;
  process.stdout.write(`${baseUrl}\n${JSON.stringify({ cli: harness.name, bin: harness.bin, env })}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(logTimer);
    void server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main().catch((err: unknown) => {
  process.stderr.write(`scripted model server: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
