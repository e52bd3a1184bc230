// The kubernetes runner: one Job per attempt, made from the user's pod template (core/kubeJob.ts),
// in the cluster of the runner's kubectl context (`kubernetes@ctx`, else kubectl's current one).
//
//   kubectl apply -f -            the Job (JSON on stdin; never a credential value in it)
//   get pods -l job-name=…        until its pod runs (an image that cannot be pulled, a Secret
//                                 that is missing: the attempt fails with the pod's reason)
//   exec -i … tar -x              the task's code (a git bundle) and the files the agent's argv
//                                 names, into the pod; then `touch /ralph/in/ready`
//   (follower)                    the local process: `kubectl logs -f` into the task's terminal,
//                                 ended when the entry script says the work is done
//   cp …:/ralph/out               Verify's result, the work as a bundle; `touch /ralph/out/taken`
//   delete job                    the Job and its pod, without waiting
//
// Every call is an argv (runTool); the cluster's credentials are kubectl's own (its kubeconfig).

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { jobManifest, jobName, labelValue, parseJobTemplate, JobTemplateError, type ParsedTemplate } from '../../core/kubeJob';
import type { ContainerOptions, RunnerSpec } from '../../core/runners';
import { verifyCommandOf } from '../../core/run/prompt';
import type { ProcessOutcome } from '../executor/process';
import { LABEL_AGENT, LABEL_ATTEMPT, LABEL_RUN, LABEL_TASK, runTool, type ToolCall, type ToolResult } from './engine';
import { ENTRY_SCRIPT } from './entry';
import { hostFilesOf } from './docker';
import type { LaunchInput, Launched, Launcher, LaunchReport } from './launcher';
import { bundleIn, gitIdentity, readOut, stageHostFiles, takeWorkBack } from './transport';

/** The Secret credentials come from when the template does not set them itself. */
export const DEFAULT_JOB_SECRET = 'ralph-credentials';
/** A Job Ralph failed to delete goes by itself after this. */
const TTL_SECONDS = 3600;
const CONTAINER_HOME = '/tmp/ralph-home';

/** kubectl for one context (undefined: the current one) and, once known, one namespace. */
export class KubeCtl {
  constructor(
    readonly context?: string,
    readonly namespace?: string,
  ) {}

  /** `--context`, `--namespace` before every command. */
  globals(): string[] {
    return [...(this.context !== undefined ? ['--context', this.context] : []), ...(this.namespace !== undefined ? ['--namespace', this.namespace] : [])];
  }

  run(args: readonly string[], call: ToolCall = {}): Promise<ToolResult> {
    return runTool('kubectl', [...this.globals(), ...args], call);
  }
}

export class KubernetesLauncher implements Launcher {
  readonly label: string;
  private template: ParsedTemplate | undefined;

  constructor(
    readonly spec: RunnerSpec,
    private readonly options: ContainerOptions & { readonly jobSecret?: string },
  ) {
    this.label = spec.label;
  }

  /** The template, read once (a bad one fails the first attempt with file:line). */
  loadTemplate(): ParsedTemplate {
    if (this.template !== undefined) return this.template;
    const file = this.options.jobTemplate;
    if (file === undefined) throw new JobTemplateError('the kubernetes runner needs a pod template: set ralph.runner.jobTemplate (--job-template FILE); see docs/RUNNING-ON-KUBERNETES.md');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new JobTemplateError(`${file}: cannot read the pod template: ${(error as Error).message}`);
    }
    this.template = parseJobTemplate(text, file);
    return this.template;
  }

  /** The Job for this attempt and how to reach it; exported for `ralph`'s dry run and tests. */
  async manifest(input: LaunchInput, base: { branch: string; commit: string }): Promise<{ manifest: Record<string, unknown>; kube: KubeCtl; name: string }> {
    const template = this.loadTemplate();
    const { request } = input;
    const name = jobName(request.runId, request.task.id, request.attempt, randomBytes(3).toString('hex'));
    const verify = verifyCommandOf(request.task);
    const fixed = new Set(input.fixedNames ?? []);
    const plain: Record<string, string> = {};
    for (const n of fixed) {
      const v = input.env[n];
      if (v !== undefined) plain[n] = v;
    }
    Object.assign(plain, {
      HOME: CONTAINER_HOME,
      RALPH_CODE: 'bundle',
      RALPH_WAIT_INPUT: '1',
      RALPH_WORKSPACE: input.cwd,
      RALPH_PROMPT_STDIN: input.promptOnStdin ? '1' : '0',
      RALPH_BRANCH: base.branch,
      RALPH_BASE: base.commit,
      ...(verify !== undefined ? { RALPH_VERIFY_COMMAND: verify } : {}),
      ...(await gitIdentity(input.cwd)),
    });
    // Everything else the agent gets by name (credentials, the user's variables) comes from the
    // Secret: its value is never written here.
    const secretEnv = [...new Set([...input.passNames, ...this.options.passEnv])].filter((n) => plain[n] === undefined && n !== 'HOME');
    const command = input.command === process.execPath ? 'node' : input.command;
    const manifest = jobManifest(template, {
      name,
      labels: {
        [LABEL_RUN]: labelValue(request.runId ?? '-') || 'none',
        [LABEL_TASK]: labelValue(request.task.id) || 'task',
        [LABEL_ATTEMPT]: String(request.attempt),
        [LABEL_AGENT]: labelValue(input.agentId),
      },
      command: ['sh', '-c', ENTRY_SCRIPT, 'ralph-entry', command, ...input.args],
      env: plain,
      secretEnv,
      secret: this.options.jobSecret ?? DEFAULT_JOB_SECRET,
      ...(this.options.image !== undefined ? { image: this.options.image } : {}),
      ...(this.options.cpus !== undefined ? { cpus: this.options.cpus } : {}),
      ...(this.options.memory !== undefined ? { memory: this.options.memory } : {}),
      ttlSecondsAfterFinished: TTL_SECONDS,
    });
    const meta = manifest.metadata as { namespace?: unknown };
    const kube = new KubeCtl(this.spec.where, typeof meta.namespace === 'string' ? meta.namespace : undefined);
    return { manifest, kube, name };
  }

  async launch(input: LaunchInput): Promise<Launched> {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'ralph-job-'));
    const stage = path.join(scratch, 'stage');
    const outDir = path.join(scratch, 'out');
    let applied: { kube: KubeCtl; name: string } | undefined;
    try {
      const base = await bundleIn(input.cwd, path.join(stage, 'ralph', 'in', 'work.bundle'));
      await stageHostFiles(stage, hostFilesOf(input));
      const { manifest, kube, name } = await this.manifest(input, base);
      await kube.run(['apply', '-f', '-'], { input: JSON.stringify(manifest), timeoutMs: 60_000 });
      applied = { kube, name };
      const pod = await waitForPod(kube, name);
      const container = firstContainer(manifest);
      const archive = path.join(scratch, 'in.tar');
      await runTool('tar', ['-C', stage, '-cf', archive, '.']);
      await kube.run(['exec', '-i', pod, '-c', container, '--', 'tar', '-xf', '-', '-C', '/'], { input: readFileSync(archive), timeoutMs: 300_000 });
      await kube.run(['exec', pod, '-c', container, '--', 'touch', '/ralph/in/ready'], { timeoutMs: 60_000 });
      return {
        command: process.execPath,
        args: ['-e', FOLLOWER, 'ralph-follow', JSON.stringify(kube.globals()), pod, container],
        env: { ...process.env },
        cwd: input.cwd,
        finish: (outcome) => this.finish(kube, name, pod, container, outcome, { input, scratch, outDir, branch: base.branch }),
      };
    } catch (error) {
      if (applied !== undefined) await deleteJob(applied.kube, applied.name);
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  private async finish(kube: KubeCtl, name: string, pod: string, container: string, outcome: ProcessOutcome, o: { input: LaunchInput; scratch: string; outDir: string; branch: string }): Promise<LaunchReport> {
    try {
      mkdirSync(o.outDir, { recursive: true });
      await kube.run(['cp', '-c', container, `${pod}:/ralph/out`, o.outDir], { timeoutMs: 300_000 }).catch(() => undefined);
      await kube.run(['exec', pod, '-c', container, '--', 'touch', '/ralph/out/taken'], { timeoutMs: 30_000 }).catch(() => undefined);
      const out = readOut(o.outDir);
      const lost = outcome.cancelled || outcome.timedOut ? undefined : await takeWorkBack(o.input.cwd, o.outDir, o.branch, o.input.request.progressFile);
      const verify = verifyCommandOf(o.input.request.task);
      const verified = verify === undefined || out.agentExit !== 0 ? undefined : out.verify ?? { ok: false, exitCode: null, output: "the pod ended before the task's Verify could run" };
      return {
        ...(verified !== undefined ? { verified } : {}),
        ...(out.missing !== undefined ? { missing: `${out.missing} is not installed in the pod's image: add it to the image of your pod template (or set ralph.runner.image)` } : {}),
        ...(lost !== undefined ? { lost } : {}),
      };
    } catch (error) {
      return { lost: `could not read what the pod left: ${(error as Error).message}` };
    } finally {
      await deleteJob(kube, name);
      rmSync(o.scratch, { recursive: true, force: true });
    }
  }
}

function firstContainer(manifest: Record<string, unknown>): string {
  const spec = manifest.spec as { template: { spec: { containers: { name: string }[] } } };
  return spec.template.spec.containers[0]?.name ?? 'agent';
}

/** Deletes a Job and its pod in the background; one already gone is no error. */
export async function deleteJob(kube: KubeCtl, name: string): Promise<void> {
  await kube.run(['delete', 'job', name, '--ignore-not-found', '--wait=false', '--cascade=foreground'], { timeoutMs: 60_000 }).catch(() => undefined);
}

/** Waiting reasons that will not pass by themselves. */
const STUCK = /^(ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError|CrashLoopBackOff)$/;

/** The Job's pod once it runs; fails with the pod's own reason when it cannot. */
export async function waitForPod(kube: KubeCtl, job: string, timeoutMs = 600_000, pollMs = 1000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const format = '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\t"}{.status.containerStatuses[0].state.waiting.reason}{"\\t"}{.status.containerStatuses[0].state.waiting.message}{"\\n"}{end}';
  let last = 'no pod yet';
  while (Date.now() < deadline) {
    const r = await kube.run(['get', 'pods', '-l', `job-name=${job}`, '-o', `jsonpath=${format}`], { timeoutMs: 30_000 });
    const [pod = '', phase = '', reason = '', message = ''] = (r.stdout.split('\n').find((l) => l.trim() !== '') ?? '').split('\t');
    if (pod !== '') {
      if (phase === 'Running') return pod;
      if (phase === 'Succeeded' || phase === 'Failed') throw new Error(`the pod ${pod} ended (${phase}) before the code could be copied in`);
      if (STUCK.test(reason)) throw new Error(`the pod ${pod} cannot start: ${reason}${message ? `: ${message}` : ''}`);
      last = `pod ${pod} is ${phase}${reason ? ` (${reason})` : ''}`;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`the Job ${job} did not get a running pod in ${Math.round(timeoutMs / 1000)} s (${last})`);
}

/** The local process that stands for the agent: the pod's log into the task's terminal, until the
 *  entry script has written /ralph/out/done; its exit code is the agent's. Node, so it needs no
 *  shell here; its arguments are kubectl's globals (JSON), the pod and the container. */
export const FOLLOWER = `
const { spawn } = require('node:child_process');
const [globals, pod, container] = [JSON.parse(process.argv[2]), process.argv[3], process.argv[4]];
const logs = spawn('kubectl', [...globals, 'logs', '-f', pod, '-c', container], { stdio: ['ignore', 'inherit', 'inherit'] });
const wait = spawn('kubectl', [...globals, 'exec', pod, '-c', container, '--', 'sh', '-c',
  'while [ ! -e /ralph/out/done ]; do sleep 1; done; cat /ralph/out/agent-exit'], { stdio: ['ignore', 'pipe', 'inherit'] });
let said = '';
wait.stdout.on('data', (b) => { said += b; });
const stop = () => { logs.kill(); wait.kill(); };
process.on('SIGTERM', () => { stop(); process.exit(143); });
process.on('SIGINT', () => { stop(); process.exit(130); });
wait.on('close', (code) => {
  const exit = /^\\d+$/.test(said.trim()) ? Number(said.trim()) : (code === 0 ? 1 : code ?? 1);
  setTimeout(() => { logs.kill(); process.exit(exit); }, 1500);
});
`;
