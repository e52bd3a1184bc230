// "Ralph: Check Agent" and `ralph check-agent`: is the configured agent CLI installed, and logged
// in? Both faces call checkAgent and print describeAgentCheck; what each preset runs is decided in
// its definition (`check`), never here. Nothing run here may call a model: a check costs nothing.

import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { neverCancelled } from '../../core/run/cancellation';
import { runProcess, type ProcessOutcome } from '../executor/process';
import { parseCommandTemplate } from '../executor/template';
import { AGENTS, resolveDemoAgent, type AgentPreset } from './index';

export type AgentCheck =
  /** Installed, and logged in as far as can be told for free (`login` says how it was told). */
  | { readonly status: 'ready'; readonly label: string; readonly version?: string; readonly login: string }
  /** Installed; whether it can log in cannot be told without a model call. */
  | { readonly status: 'loginUnknown'; readonly label: string; readonly version?: string; readonly note: string }
  | { readonly status: 'notInstalled'; readonly label: string; readonly command: string; readonly todo: string }
  | { readonly status: 'notLoggedIn'; readonly label: string; readonly version?: string; readonly todo: string }
  /** Found, but its version or login command failed or hung: `detail` is what it said. */
  | { readonly status: 'broken'; readonly label: string; readonly command: string; readonly detail: string; readonly todo: string };

export interface CheckOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** `custom` only: the command template. */
  readonly commandTemplate?: string;
  /** Per command (default 30 s: Gemini CLI's --version alone takes ~3 s on a slow machine). */
  readonly timeoutMs?: number;
  /** Where credential files are looked for (default the user's home folder). */
  readonly home?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export async function checkAgent(preset: AgentPreset, options: CheckOptions = {}): Promise<AgentCheck> {
  const def = AGENTS[preset];
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const label = def.label;
  const install = (command: string): AgentCheck => ({ status: 'notInstalled', label, command, todo: def.installHint });

  let command = def.command;
  if (preset === 'demo') {
    const script = resolveDemoAgent(env);
    if (!existsSync(script)) return install(script);
  } else if (preset === 'custom') {
    const template = options.commandTemplate?.trim() ?? '';
    if (template === '') return { status: 'broken', label, command: '', detail: 'no command is set', todo: 'set ralph.customCommand (or pass --agent "<command template>")' };
    command = parseCommandTemplate(template)[0] ?? '';
    if (findExecutable(command, env, cwd) === undefined) return install(command);
  }

  let version: string | undefined;
  if (def.check.version) {
    const out = await run(command, def.check.version, env, cwd, options.timeoutMs);
    if (out.spawnError?.code === 'ENOENT') return install(command);
    if (out.spawnError || out.timedOut || out.exitCode !== 0) {
      return { status: 'broken', label, command, detail: failure(command, def.check.version, out), todo: `run \`${[command, ...def.check.version].join(' ')}\` in a terminal to see why; reinstall with ${def.installHint}` };
    }
    version = versionIn(out.outputTail);
  }
  const withVersion = version !== undefined ? { version } : {};

  const login = def.check.login;
  switch (login.kind) {
    case 'none':
      return preset === 'demo' ? { status: 'ready', label, login: login.note } : { status: 'loginUnknown', label, ...withVersion, note: login.note };
    case 'credentials': {
      const variable = login.variables.find((v) => (env[v] ?? '').trim() !== '');
      if (variable) return { status: 'ready', label, ...withVersion, login: `${variable} is set` };
      const home = options.home ?? homedir();
      const file = login.files.find((f) => existsSync(join(home, f)));
      if (file) return { status: 'ready', label, ...withVersion, login: `~/${file} holds a login` };
      return { status: 'notLoggedIn', label, ...withVersion, todo: login.howTo };
    }
    case 'command': {
      const out = await run(command, login.args, env, cwd, options.timeoutMs);
      if (out.spawnError || out.timedOut) {
        return { status: 'broken', label, command, detail: failure(command, login.args, out), todo: `run \`${[command, ...login.args].join(' ')}\` in a terminal to see why` };
      }
      if (login.loggedOut(out.exitCode, out.outputTail)) return { status: 'notLoggedIn', label, ...withVersion, todo: login.howTo };
      return { status: 'ready', label, ...withVersion, login: `\`${[def.command, ...login.args].join(' ')}\` reports a login` };
    }
  }
}

/** One message: what was found and, unless the agent is ready, exactly what to do. */
export function describeAgentCheck(check: AgentCheck): string {
  const name = 'version' in check && check.version !== undefined ? `${check.label} ${check.version}` : check.label;
  switch (check.status) {
    case 'ready':
      return `${name} is installed and ready (${check.login}).`;
    case 'loginUnknown':
      return `${name} is installed; ${check.note}.`;
    case 'notInstalled':
      return `${check.label} is not installed: ${check.command} was not found. To install it: ${check.todo}.`;
    case 'notLoggedIn':
      return `${name} is installed but not logged in. To log in: ${check.todo}.`;
    case 'broken':
      return `${check.label} did not answer: ${check.detail}. ${capitalized(check.todo)}.`;
  }
}

/** Whether a run could start with this agent now (an unknown login may well work). */
export function agentUsable(check: AgentCheck): boolean {
  return check.status === 'ready' || check.status === 'loginUnknown';
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ProcessOutcome> {
  return runProcess({ command, args, cwd, env, timeoutMs, killGraceMs: 1000, outputLimitBytes: 16 * 1024 }, neverCancelled);
}

function failure(command: string, args: readonly string[], out: ProcessOutcome): string {
  const argv = [command, ...args].join(' ');
  if (out.spawnError) return `\`${argv}\` could not start (${out.spawnError.code ?? out.spawnError.message})`;
  if (out.timedOut) return `\`${argv}\` gave no answer within ${Math.round(out.durationMs / 1000)} s`;
  const said = (out.lastStderrLine ?? out.outputTail.trim().split('\n').pop() ?? '').trim();
  return `\`${argv}\` exited with ${out.exitCode ?? out.signal}${said ? `: ${said.slice(0, 200)}` : ''}`;
}

/** The first version-like number a CLI printed (`2.1.332 (Claude Code)`, `codex-cli 0.171.0`). */
export function versionIn(output: string): string | undefined {
  return /\b\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?\b/.exec(output)?.[0];
}

/** The file an executable name resolves to, as spawn would find it (PATH, or a path as given). */
function findExecutable(command: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command === '') return undefined;
  if (isAbsolute(command) || /[\\/]/.test(command)) {
    const file = resolve(cwd, command);
    return executable(file) ? file : undefined;
  }
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const ext of exts) if (executable(join(dir, command + ext))) return join(dir, command + ext);
  }
  return undefined;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
