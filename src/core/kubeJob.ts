// The Kubernetes Job for one attempt, made from the pod template the user owns (YAML or JSON).
// The template is either a pod template (`{spec: {containers: [...]}}`, optionally with
// `metadata`) or a whole Job (`kind: Job`). Ralph sets only what an attempt needs and keeps every
// other field as written (namespace, service account, node selector, volumes, tolerations…):
//
// - the Job's name (unique per attempt, DNS-1123) and the labels a resumed run finds it by;
// - `backoffLimit: 0` and `restartPolicy: Never`: a retry is Ralph's decision (a new attempt,
//   a new Job), never the cluster's; `ttlSecondsAfterFinished` unless the template has one;
// - the first container's command: the fixed entry script and the agent's argv;
// - its env: Ralph's own variables as plain values, and every other variable (credentials, the
//   user's pass-env) ONLY as a reference to a key of a Secret, so no credential value is ever
//   written into the manifest or argv;
// - the image and CPU/memory limits when the template names none;
// - an emptyDir at /ralph, where the code goes in and the work comes out by `kubectl cp`.

import { parseDocument } from 'yaml';
import { RunnerSpecError } from './runners';

/** A template that cannot be used: says file and line. */
export class JobTemplateError extends RunnerSpecError {}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ParsedTemplate {
  readonly file: string;
  /** The whole Job the user wrote, or undefined for a pod template. */
  readonly job?: Obj;
  /** The pod template (`metadata`, `spec`). */
  readonly pod: Obj;
  /** Line of a dotted path (`spec.containers`) in the file, for messages. */
  lineOf(pathParts: readonly (string | number)[]): number;
}

/** Reads a template; YAML (JSON is YAML). Errors name `file:line`. */
export function parseJobTemplate(text: string, file: string): ParsedTemplate {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => text.slice(0, Math.max(0, offset)).split('\n').length;
  const broken = doc.errors[0];
  if (broken !== undefined) throw new JobTemplateError(`${file}:${lineAt(broken.pos[0])}: not valid YAML or JSON: ${broken.message.split('\n')[0]}`);
  const lineOf = (pathParts: readonly (string | number)[]): number => {
    for (let n = pathParts.length; n > 0; n--) {
      const node = doc.getIn(pathParts.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range !== undefined) return lineAt(node.range[0]);
    }
    return 1;
  };
  const value = doc.toJS() as unknown;
  const fail = (at: readonly (string | number)[], what: string): never => {
    throw new JobTemplateError(`${file}:${lineOf(at)}: ${what}`);
  };
  if (!isObj(value)) return fail([], 'the template must be a mapping: a pod template ({spec: {containers: [...]}}) or a Job (kind: Job)');
  let job: Obj | undefined;
  let pod: unknown;
  let podPath: (string | number)[];
  if (value.kind !== undefined) {
    if (value.kind !== 'Job') fail(['kind'], `kind must be Job (or leave kind out for a pod template), not '${String(value.kind)}'`);
    if (value.apiVersion !== undefined && value.apiVersion !== 'batch/v1') fail(['apiVersion'], `a Job's apiVersion is batch/v1, not '${String(value.apiVersion)}'`);
    job = value;
    if (!isObj(value.spec)) fail(['spec'], 'a Job needs a spec with a template (spec.template.spec.containers)');
    pod = (value.spec as Obj).template;
    podPath = ['spec', 'template'];
  } else {
    pod = value;
    podPath = [];
  }
  if (!isObj(pod)) return fail(podPath, 'no pod template here: expected spec.template in a Job');
  if (!isObj(pod.spec)) return fail([...podPath, 'spec'], 'the pod template needs a spec with containers');
  const containers = pod.spec.containers;
  if (!Array.isArray(containers) || containers.length === 0 || !containers.every(isObj)) {
    return fail([...podPath, 'spec', 'containers'], 'spec.containers must be a list of at least one container (the first runs the agent)');
  }
  const restart = pod.spec.restartPolicy;
  if (restart !== undefined && restart !== 'Never') fail([...podPath, 'spec', 'restartPolicy'], `restartPolicy must be Never (or left out): a retry is a new attempt, not a restarted pod; not '${String(restart)}'`);
  const first = containers[0] as Obj;
  if (first.command !== undefined || first.args !== undefined) {
    fail([...podPath, 'spec', 'containers', 0, first.command !== undefined ? 'command' : 'args'], 'the first container runs the agent, so Ralph sets its command: leave command and args out');
  }
  return { file, ...(job !== undefined ? { job } : {}), pod, lineOf };
}

export interface JobInput {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The entry command and the agent's argv: the first container's whole command. */
  readonly command: readonly string[];
  /** Variables whose values Ralph or the agent's preset chose (no credentials). */
  readonly env: Readonly<Record<string, string>>;
  /** Variables that come from the Secret `secret`, key = the variable's name. */
  readonly secretEnv: readonly string[];
  readonly secret: string;
  readonly image?: string;
  readonly cpus?: number;
  readonly memory?: string;
  readonly ttlSecondsAfterFinished: number;
}

/** Where code and work are copied: an emptyDir, so any user in the image may write it. */
export const RALPH_VOLUME = 'ralph-io';

/** The Job to apply, as a plain object (JSON is what `kubectl apply -f -` is given). */
export function jobManifest(template: ParsedTemplate, input: JobInput): Obj {
  const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const job: Obj = template.job !== undefined ? clone(template.job) : { apiVersion: 'batch/v1', kind: 'Job', spec: {} };
  job.apiVersion = 'batch/v1';
  job.kind = 'Job';
  const meta: Obj = isObj(job.metadata) ? job.metadata : {};
  delete meta.generateName;
  meta.name = input.name;
  meta.labels = { ...(isObj(meta.labels) ? meta.labels : {}), ...input.labels };
  job.metadata = meta;
  const spec: Obj = isObj(job.spec) ? job.spec : {};
  job.spec = spec;
  spec.backoffLimit = 0;
  if (spec.ttlSecondsAfterFinished === undefined) spec.ttlSecondsAfterFinished = input.ttlSecondsAfterFinished;
  const pod: Obj = clone(template.pod);
  spec.template = pod;
  const podMeta: Obj = isObj(pod.metadata) ? pod.metadata : {};
  // A pod template's namespace is where its Job goes (a pod's own is its Job's).
  if (template.job === undefined && typeof podMeta.namespace === 'string') meta.namespace = podMeta.namespace;
  delete podMeta.namespace;
  podMeta.labels = { ...(isObj(podMeta.labels) ? podMeta.labels : {}), ...input.labels };
  pod.metadata = podMeta;
  const podSpec = pod.spec as Obj;
  podSpec.restartPolicy = 'Never';
  const volumes = Array.isArray(podSpec.volumes) ? (podSpec.volumes as Obj[]) : [];
  if (!volumes.some((v) => v.name === RALPH_VOLUME)) podSpec.volumes = [...volumes, { name: RALPH_VOLUME, emptyDir: {} }];
  const containers = podSpec.containers as Obj[];
  const agent = containers[0] as Obj;
  if (typeof agent.name !== 'string' || agent.name === '') agent.name = 'agent';
  if (agent.image === undefined) {
    if (input.image === undefined) throw new JobTemplateError(`${template.file}:${template.lineOf([...(template.job ? ['spec', 'template'] : []), 'spec', 'containers', 0])}: the first container has no image: give it one, or set ralph.runner.image (--image)`);
    agent.image = input.image;
  }
  agent.command = [...input.command];
  const written = Array.isArray(agent.env) ? (agent.env as Obj[]) : [];
  const own = new Set(written.map((e) => e.name));
  const plain = Object.entries(input.env).filter(([n]) => !own.has(n)).map(([name, value]) => ({ name, value }));
  const secret = input.secretEnv
    .filter((n) => !own.has(n) && input.env[n] === undefined)
    .map((name) => ({ name, valueFrom: { secretKeyRef: { name: input.secret, key: name, optional: true } } }));
  agent.env = [...written, ...plain, ...secret];
  const mounts = Array.isArray(agent.volumeMounts) ? (agent.volumeMounts as Obj[]) : [];
  if (!mounts.some((m) => m.mountPath === '/ralph')) agent.volumeMounts = [...mounts, { name: RALPH_VOLUME, mountPath: '/ralph' }];
  const resources: Obj = isObj(agent.resources) ? agent.resources : {};
  const limits: Obj = isObj(resources.limits) ? resources.limits : {};
  if (input.cpus !== undefined && limits.cpu === undefined) limits.cpu = String(input.cpus);
  if (input.memory !== undefined && limits.memory === undefined) limits.memory = kubeQuantity(input.memory);
  if (Object.keys(limits).length > 0) {
    resources.limits = limits;
    agent.resources = resources;
  }
  return job;
}

/** docker's `4g` as Kubernetes writes it: `4Gi`. */
export function kubeQuantity(memory: string): string {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)$/i.exec(memory.trim());
  if (!m) return memory;
  const unit = { '': '', b: '', k: 'Ki', m: 'Mi', g: 'Gi' }[(m[2] ?? '').toLowerCase()] ?? '';
  return `${m[1]}${unit}`;
}

/** A label value Kubernetes accepts: at most 63 of [A-Za-z0-9._-], starting and ending with an
 *  alphanumeric. A task id such as `2.1` stays as it is; `task one!` becomes `task_one`. */
export function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** `ralph-<run>-<task>-<attempt>-<rand>`: a DNS-1123 label (lower case, digits, '-', at most 63),
 *  so the pods the Job makes (name + 6 characters) stay valid too. */
export function jobName(runId: string | undefined, taskId: string, attempt: number, random: string): string {
  const part = (t: string, max: number): string => t.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
  const run = part(runId ?? '', 10) || 'run';
  const tail = `-${attempt}-${part(random, 6)}`;
  const task = part(taskId, 56 - 'ralph-'.length - run.length - 1 - tail.length) || 'task';
  return `ralph-${run}-${task}${tail}`;
}
