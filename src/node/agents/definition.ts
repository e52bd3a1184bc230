// What Ralph knows about one agent CLI, in one place: how to start it, how to read what it
// prints, what its exit codes mean, how to install it. The table in index.ts lists them all;
// package.json's `ralph.agent` enum is held to that table by a test.
//
// Every definition is proven against the real CLI (pinned in scripts/agent-clis/setup.mjs)
// talking to the scripted model server in test/agents/, not written from the vendors' docs.

import type { AgentUsage, FailureKind } from '../../core/ports';

import type { AgentPreset } from './presets';

export type { AgentPreset } from './presets';

/**
 * What kind of failure an attempt met, which decides what the run does next:
 * - `unavailable`: the agent cannot work at all (not installed, not logged in, bad key, bad
 *   configuration). The run starts no new task and says once what to do; retrying is pointless.
 * - `rateLimited`: the provider asked to slow down (429) or is overloaded (529). The task waits
 *   and tries again without spending one of its attempts.
 * - `task`: anything else; the task's normal retry policy applies.
 */
export type AgentFailureKind = FailureKind;

/** One readable line of an agent's transcript. `kind` only chooses a colour. */
export interface TranscriptLine {
  readonly kind: 'text' | 'tool' | 'result' | 'denied' | 'error' | 'info';
  readonly text: string;
}

export interface AgentVerdict {
  /** What the agent said of its own run: true success, false failure, undefined nothing said. */
  readonly ok?: boolean;
  /** Its final answer (or its error message), as it wrote it. */
  readonly summary?: string;
  /** Set when the output shows a failure of a known kind; `reason` is one clean line. */
  readonly failure?: { readonly kind: AgentFailureKind; readonly reason: string };
}

/** Reads one attempt's output as it streams; a fresh reader per attempt. */
export interface AgentReader {
  /** One line of stdout; what to show of it (possibly nothing). Never throws. */
  stdoutLine(line: string): TranscriptLine[];
  /** One line of stderr; what to show of it (possibly nothing). Never throws. */
  stderrLine(line: string): TranscriptLine[];
  /** Once the process is over: what the agent said of its run. */
  verdict(exit: { readonly code: number | null; readonly signal: string | null }): AgentVerdict;
  /** Tokens and cost reported so far (the whole attempt once it is over). */
  usage(): AgentUsage | undefined;
}

export interface AgentContext {
  /** The prompt, also given on stdin when `promptOnStdin`. */
  readonly promptFile: string;
  /** Where the agent writes its progress notes: inside its working directory. */
  readonly progressFile: string;
  readonly taskId: string;
  readonly specDir: string;
  /** The agent's working directory (a worktree, or the repository). */
  readonly cwd: string;
  /** Folders outside `cwd` the agent must be able to write (may be empty). */
  readonly writableDirs: readonly string[];
  /** The task's time limit, to bound the CLI's own retry loops; undefined = none. */
  readonly timeoutMs?: number;
  /** The environment the agent will get (process.env, less the variables that point git at another
   *  repository, + the user's extra variables). */
  readonly env: NodeJS.ProcessEnv;
  /** Custom preset only: the user's command template. */
  readonly commandTemplate?: string;
  /** The agent runs in a container of its own (a runner other than local): the container is
   *  the sandbox, so a preset may use the permissive mode its vendor advises only there. */
  readonly sandboxed?: boolean;
}

export interface ExitCodeMeaning {
  readonly meaning: string;
  /** Default `task`. */
  readonly kind?: AgentFailureKind;
}

/**
 * How "Ralph: Check Agent" and `ralph check-agent` tell, at no cost, whether the CLI can work:
 * `version` is run first (installed?), then `login` (logged in?). Neither may call a model.
 */
export interface AgentCheckSpec {
  /** argv after the command that prints the version offline; undefined: only look it up on PATH. */
  readonly version?: readonly string[];
  readonly login: LoginCheck;
}

export type LoginCheck =
  /** A command of the CLI that reports its login offline; `loggedOut` reads its exit and output. */
  | { readonly kind: 'command'; readonly args: readonly string[]; readonly loggedOut: (exitCode: number | null, output: string) => boolean; readonly howTo: string }
  /** Logged in when one of these variables is set or one of these files (under the home folder) exists. */
  | { readonly kind: 'credentials'; readonly variables: readonly string[]; readonly files: readonly string[]; readonly howTo: string }
  /** No account (the demo agent), or no way to tell without a paid call: `note` says which. */
  | { readonly kind: 'none'; readonly note: string };

export interface AgentDefinition {
  readonly id: AgentPreset;
  /** "Claude Code" */
  readonly label: string;
  /** The executable, looked up on PATH (custom: from the template). */
  readonly command: string;
  /** Shown when the command is not found: exactly what to run. */
  readonly installHint: string;
  /** The variables its credentials and endpoint come from: handed into a container by name
   *  (values never in argv or the image) when set here. */
  readonly credentialEnv?: readonly string[];
  /** How to check it is installed and logged in, without spending anything. */
  readonly check: AgentCheckSpec;
  /** One sentence for the README and the settings: what the preset lets the agent do. */
  readonly permissions: string;
  /** The same, in a container (`sandboxed`), where it differs. */
  readonly sandboxedPermissions?: string;
  /** The prompt file is also the agent's stdin. */
  readonly promptOnStdin: boolean;
  /** argv after the command. Fixed text plus paths Ralph chose: never task text. */
  args(ctx: AgentContext): string[];
  /** Variables added to the agent's environment (e.g. to bound its retries, to skip a trust prompt). */
  env?(ctx: AgentContext): Record<string, string>;
  reader(): AgentReader;
  readonly exitCodes?: Readonly<Record<number, ExitCodeMeaning>>;
  /** The command when it is not `command` (custom templates). */
  resolveCommand?(ctx: AgentContext): string;
}
