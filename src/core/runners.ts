// Runners: where a task's agent runs. The scheduler, the DAG, the merge order and the state do
// not change with the runner; only the place an attempt's agent (and its Verify) runs does.
//
// - `local`: a process on this machine, in the task's worktree (what Ralph always did).
// - `docker`: one container per attempt. On the engine this machine runs (no `@where`), the
//   worktree is mounted; on another engine (`@ssh://…`, `@tcp://…`, a docker context) nothing is
//   shared, so code travels by git bundles: the task's base in, its commits out.
// - `kubernetes`: one Job per attempt from the user's pod template, code by the same bundles.
//
// A runner is written `kind[@where][,slots=N]`, e.g. `local,slots=2`, `docker@ssh://me@box,slots=8`
// (one syntax for `ralph run --runner` and the `ralph.runners` setting, read here only).

export type RunnerKind = 'local' | 'docker' | 'kubernetes';

export const RUNNER_KINDS: readonly RunnerKind[] = ['local', 'docker', 'kubernetes'];

export interface RunnerSpec {
  readonly kind: RunnerKind;
  /** docker: a DOCKER_HOST address (`ssh://…`, `tcp://…`, `unix://…`) or a docker context name;
   *  kubernetes: a kubectl context. Undefined: the default engine / context. */
  readonly where?: string;
  /** Tasks this runner runs at once; undefined: the run's maxConcurrent. */
  readonly slots?: number;
  /** How the runner is named in views and state: `docker`, `docker@box`. */
  readonly label: string;
}

/** A runner written wrongly: says what and where. */
export class RunnerSpecError extends Error {}

const HOST_ADDRESS = /^(ssh|tcp|unix|npipe|fd):\/\//;

/** Reads `kind[@where][,slots=N]`; `source` names where it was written in errors. */
export function parseRunnerSpec(text: string, source = '--runner'): RunnerSpec {
  const trimmed = text.trim();
  const [head = '', ...options] = trimmed.split(',');
  const at = head.indexOf('@');
  const kindText = (at < 0 ? head : head.slice(0, at)).trim();
  const where = at < 0 ? undefined : head.slice(at + 1).trim();
  if (!(RUNNER_KINDS as readonly string[]).includes(kindText)) {
    throw new RunnerSpecError(`${source} '${text}': the runner must be one of ${RUNNER_KINDS.join(', ')}, not '${kindText}'`);
  }
  const kind = kindText as RunnerKind;
  if (where !== undefined && where === '') throw new RunnerSpecError(`${source} '${text}': nothing after '@' (write kind@host, e.g. docker@ssh://me@box)`);
  if (kind === 'local' && where !== undefined) throw new RunnerSpecError(`${source} '${text}': a local runner runs here; it takes no '@${where}'`);
  let slots: number | undefined;
  for (const option of options) {
    const m = /^\s*slots\s*=\s*(\S+)\s*$/.exec(option);
    if (!m) throw new RunnerSpecError(`${source} '${text}': unknown option '${option.trim()}' (only slots=N)`);
    const n = Number(m[1]);
    if (!Number.isInteger(n) || n < 1) throw new RunnerSpecError(`${source} '${text}': slots must be a whole number of at least 1, not '${m[1]}'`);
    slots = n;
  }
  return { kind, ...(where !== undefined ? { where } : {}), ...(slots !== undefined ? { slots } : {}), label: runnerLabel(kind, where) };
}

/** `docker`, `docker@box` (an address shortened to its host), `kubernetes@ctx`. */
export function runnerLabel(kind: RunnerKind, where?: string): string {
  if (where === undefined) return kind;
  const host = HOST_ADDRESS.test(where) ? where.replace(HOST_ADDRESS, '').replace(/^[^@/]*@/, '').replace(/[/:].*$/, '') || where : where;
  return `${kind}@${host}`;
}

/** The runners of a run, each with its slot count, and the run's total: what maxConcurrent
 *  becomes. No runner given: one local runner with maxConcurrent slots. Two runners with one
 *  label would be one place counted twice. */
export function runnerSlots(specs: readonly RunnerSpec[], maxConcurrent: number): { readonly runners: readonly (RunnerSpec & { readonly slots: number })[]; readonly total: number } {
  const list = specs.length === 0 ? [parseRunnerSpec('local')] : specs;
  const seen = new Set<string>();
  for (const s of list) {
    if (seen.has(s.label)) throw new RunnerSpecError(`the runner ${s.label} is given twice; give it once with slots=N`);
    seen.add(s.label);
  }
  const runners = list.map((s) => ({ ...s, slots: s.slots ?? maxConcurrent }));
  return { runners, total: runners.reduce((n, r) => n + r.slots, 0) };
}

/** Whether the runner shares this machine's files (the worktree is mounted) or gets code by git. */
export function sharesFiles(spec: RunnerSpec): boolean {
  if (spec.kind === 'local') return true;
  // Another engine (even one on this machine, by its own socket) is treated as remote: it
  // may not see this machine's folders.
  return spec.kind === 'docker' && spec.where === undefined;
}

/** How containers are made, the same for every container runner of a run. */
export interface ContainerOptions {
  /** The image; undefined: the repository's dev container image, else an error. */
  readonly image?: string;
  /** `--cpus`, e.g. 2 or 1.5. */
  readonly cpus?: number;
  /** `--memory`, e.g. `4g`. */
  readonly memory?: string;
  /** `on`: the engine's default network; `off`: none at all; `host`: the host's (a model server on
   *  127.0.0.1, an engine without a bridge). */
  readonly network: 'on' | 'off' | 'host';
  /** Variables passed into the container by name: their values come from Ralph's environment,
   *  never from argv or the image (API keys). */
  readonly passEnv: readonly string[];
  /** A file of NAME=value lines handed to the engine (`--env-file`), for credentials kept in a file. */
  readonly envFile?: string;
  /** kubernetes: the pod template file (YAML or JSON) a Job is made from. */
  readonly jobTemplate?: string;
  /** kubernetes: the Secret the agent's credentials come from, a key per variable name
   *  (default `ralph-credentials`); values never go into a Job. */
  readonly jobSecret?: string;
}

export const DEFAULT_CONTAINER_OPTIONS: ContainerOptions = { network: 'on', passEnv: [] };

/** Container options as the user wrote them (flags or settings), each with the name it was
 *  written under, for errors. */
export type ContainerOptionsText = {
  readonly [K in 'image' | 'cpus' | 'memory' | 'network' | 'envFile' | 'jobTemplate' | 'jobSecret']?: { readonly value: string; readonly source: string };
} & { readonly passEnv: { readonly values: readonly string[]; readonly source: string } };

/** Checks each option once, for `ralph run`'s flags and the extension's settings alike. */
export function readContainerOptions(text: ContainerOptionsText): ContainerOptions {
  const { image, cpus, memory, network, envFile, jobTemplate, jobSecret, passEnv } = text;
  return {
    ...DEFAULT_CONTAINER_OPTIONS,
    ...(image !== undefined && image.value !== '' ? { image: image.value } : {}),
    ...(cpus !== undefined ? { cpus: checkCpus(cpus.value, cpus.source) } : {}),
    ...(memory !== undefined ? { memory: checkMemory(memory.value, memory.source) } : {}),
    ...(network !== undefined ? { network: checkNetwork(network.value, network.source) } : {}),
    passEnv: passEnv.values.map((n) => checkEnvName(n.trim(), passEnv.source)),
    ...(envFile !== undefined ? { envFile: envFile.value } : {}),
    ...(jobTemplate !== undefined ? { jobTemplate: jobTemplate.value } : {}),
    ...(jobSecret !== undefined ? { jobSecret: checkSecretName(jobSecret.value, jobSecret.source) } : {}),
  };
}

/** A variable name a shell and docker accept. */
export function checkEnvName(name: string, source: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RunnerSpecError(`${source}: '${name}' is not a variable name (pass names, never NAME=value: values come from the environment)`);
  return name;
}

/** `2`, `1.5`: the CPUs a container may use. */
export function checkCpus(text: string, source: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new RunnerSpecError(`${source}: CPUs must be a number above 0, not '${text}'`);
  return n;
}

/** `512m`, `4g`: a memory limit as docker reads it. */
export function checkMemory(text: string, source: string): string {
  if (!/^\d+(\.\d+)?[bkmg]?$/i.test(text.trim())) throw new RunnerSpecError(`${source}: memory must be like 512m or 4g, not '${text}'`);
  return text.trim().toLowerCase();
}

/** A Kubernetes Secret's name (DNS-1123 subdomain). */
export function checkSecretName(text: string, source: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(text)) throw new RunnerSpecError(`${source}: '${text}' is not a Secret name (lower case letters, digits, '-' and '.')`);
  return text;
}

export function checkNetwork(text: string, source: string): ContainerOptions['network'] {
  if (text === 'on' || text === 'off' || text === 'host') return text;
  throw new RunnerSpecError(`${source}: network must be on, off or host, not '${text}'`);
}
