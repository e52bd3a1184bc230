// One way to talk to a container engine's client (`docker`, `kubectl`): an argv, never a shell
// line, with the engine chosen by environment (DOCKER_HOST for an address, DOCKER_CONTEXT for a
// context name) so the same calls reach the local engine or another machine's.

import { spawn } from 'node:child_process';
import { withoutRepositoryVariables } from '../gitRun';

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class ToolError extends Error {
  constructor(
    readonly tool: string,
    readonly args: readonly string[],
    readonly result: ToolResult,
  ) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-1)[0] ?? '';
    super(`${tool} ${args.slice(0, 2).join(' ')} failed (exit ${result.code ?? 'signal'})${said ? `: ${said}` : ''}`);
    this.name = 'ToolError';
  }
}

export interface ToolCall {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string | Buffer;
  /** Exit codes that are answers, not failures. */
  readonly ok?: readonly number[];
  readonly timeoutMs?: number;
}

/** Runs `tool args…`; rejects with ToolError on an exit code not in `ok` (default [0]), and with
 *  a clear message when the tool is not installed. */
export function runTool(tool: string, args: readonly string[], call: ToolCall = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...args], { env: call.env ?? withoutRepositoryVariables(process.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (call.timeoutMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), call.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new Error(`${tool} is not installed (not found on PATH)`) : e);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const result = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if ((call.ok ?? [0]).includes(code ?? -1)) resolve(result);
      else reject(new ToolError(tool, args, result));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(call.input);
  });
}

/** A Docker engine: this machine's (no `where`), another by address, or a docker context. */
export class DockerEngine {
  constructor(readonly where?: string) {}

  /** The docker client's environment for this engine, over `base`. */
  env(base: NodeJS.ProcessEnv = withoutRepositoryVariables(process.env)): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...base };
    if (this.where === undefined) return env;
    if (/^[a-z]+:\/\//.test(this.where)) {
      env.DOCKER_HOST = this.where;
      delete env.DOCKER_CONTEXT;
    } else {
      env.DOCKER_CONTEXT = this.where;
      delete env.DOCKER_HOST;
    }
    return env;
  }

  docker(args: readonly string[], call: ToolCall = {}): Promise<ToolResult> {
    return runTool('docker', args, { ...call, env: this.env(call.env) });
  }

  /** Reachable? undefined when yes, else why not in one line. */
  async unreachable(): Promise<string | undefined> {
    try {
      await this.docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 });
      return undefined;
    } catch (error) {
      return `the Docker engine ${this.where ?? '(default)'} cannot be reached: ${(error as Error).message}`;
    }
  }

  /** Removes containers by id or name; those already gone are no error. */
  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.docker(['rm', '--force', '--volumes', ...names], { ok: [0, 1] });
  }

  /** Containers (running or not) carrying all of these labels. */
  async labelled(labels: Readonly<Record<string, string>>): Promise<string[]> {
    const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
    const r = await this.docker(['ps', '--all', '--quiet', '--no-trunc', ...filters]);
    return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  }
}

/** Labels every container Ralph makes carries: a resumed run finds a killed run's by them. */
export const LABEL_RUN = 'dev.ralph.run';
export const LABEL_TASK = 'dev.ralph.task';
export const LABEL_ATTEMPT = 'dev.ralph.attempt';
export const LABEL_AGENT = 'dev.ralph.agent-id';
