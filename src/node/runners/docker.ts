// The docker runner: one container per attempt, removed afterwards.
//
// On this machine's engine the task's worktree is mounted at its own path (with its git
// folders, the shared one read-only), so paths in the prompt mean the same inside; the agent runs
// as the user, so what it writes belongs to the user. On another engine nothing is shared: the
// code goes in as a git bundle and the work comes out as one (transport.ts), then joins the task's
// branch here and is merged in task order like any other.
//
// Credentials and every other variable go in by name (`-e NAME`): the values stay in the docker
// client's environment, never in argv or the image. Labels name the run, task and attempt, so a
// resumed run finds and removes what a killed one left (sweep.ts).

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sharesFiles, type ContainerOptions, type RunnerSpec } from '../../core/runners';
import { verifyCommandOf } from '../../core/run/prompt';
import { safeTaskId } from '../executor/processExecutor';
import type { ProcessOutcome } from '../executor/process';
import { gitText } from '../gitRun';
import { DockerEngine, LABEL_AGENT, LABEL_ATTEMPT, LABEL_RUN, LABEL_TASK } from './engine';
import { ENTRY_SCRIPT } from './entry';
import type { LaunchInput, Launched, Launcher, LaunchReport } from './launcher';
import { bundleIn, gitIdentity, readOut, takeWorkBack, stageHostFiles } from './transport';

/** Container options with the image decided (setting, else the dev container's). */
export interface DockerRunnerOptions extends ContainerOptions {
  readonly image: string;
}

/** Where HOME is inside: the image's own file system, gone with the container. */
const CONTAINER_HOME = '/tmp/ralph-home';

export class DockerLauncher implements Launcher {
  readonly label: string;
  readonly engine: DockerEngine;

  constructor(
    readonly spec: RunnerSpec,
    private readonly options: DockerRunnerOptions,
  ) {
    this.label = spec.label;
    this.engine = new DockerEngine(spec.where);
  }

  /** This machine's engine sees this machine's folders; another is treated as remote. */
  get mounted(): boolean {
    return sharesFiles(this.spec);
  }

  async launch(input: LaunchInput): Promise<Launched> {
    const { request } = input;
    const name = containerName(request.runId, request.task.id, request.attempt);
    const verify = verifyCommandOf(request.task);
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'ralph-container-'));
    const outDir = path.join(scratch, 'out');
    const identity = await gitIdentity(input.cwd);
    const vars: Record<string, string> = {
      RALPH_CODE: this.mounted ? 'mounted' : 'bundle',
      RALPH_WORKSPACE: input.cwd,
      RALPH_PROMPT_STDIN: input.promptOnStdin ? '1' : '0',
      ...(verify !== undefined ? { RALPH_VERIFY_COMMAND: verify } : {}),
      ...identity,
    };
    const names = unique([...input.passNames, ...this.options.passEnv, ...Object.keys(vars)]).filter((n) => n !== 'HOME' && (vars[n] !== undefined || input.env[n] !== undefined));
    const clientEnv = this.engine.env({ ...input.env, ...vars });
    const command = input.command === process.execPath ? 'node' : input.command;
    const flags = [
      '--name', name,
      '--label', `${LABEL_RUN}=${request.runId ?? '-'}`,
      '--label', `${LABEL_TASK}=${request.task.id}`,
      '--label', `${LABEL_ATTEMPT}=${request.attempt}`,
      '--label', `${LABEL_AGENT}=${input.agentId}`,
      '--interactive',
      '--init',
      '--env', `HOME=${CONTAINER_HOME}`,
      ...names.flatMap((n) => ['--env', n]),
      ...(this.options.envFile !== undefined ? ['--env-file', this.options.envFile] : []),
      ...networkFlags(this.options.network),
      ...(this.options.cpus !== undefined ? ['--cpus', String(this.options.cpus)] : []),
      ...(this.options.memory !== undefined ? ['--memory', this.options.memory] : []),
    ];
    const entry = ['sh', '-c', ENTRY_SCRIPT, 'ralph-entry', command, ...input.args];
    const files = hostFilesOf(input);
    if (this.mounted) {
      mkdirSync(outDir, { recursive: true });
      const gitDir = await gitText(input.cwd, ['rev-parse', '--path-format=absolute', '--git-dir']).catch(() => undefined);
      const commonDir = await gitText(input.cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir']).catch(() => undefined);
      const mounts = [
        ...bind(input.cwd, input.cwd, false),
        // git in the worktree: its own folder (index, HEAD) writable, the shared objects read-only.
        ...(commonDir !== undefined && !inside(commonDir, input.cwd) ? bind(commonDir, commonDir, true) : []),
        ...(gitDir !== undefined && gitDir !== commonDir && !inside(gitDir, input.cwd) ? bind(gitDir, gitDir, false) : []),
        ...(request.writableDirs ?? []).flatMap((d) => bind(d, d, false)),
        ...files.flatMap((f) => bind(f, f, true)),
        ...bind(outDir, '/ralph/out', false),
      ];
      const user = typeof process.getuid === 'function' ? ['--user', `${process.getuid()}:${process.getgid?.() ?? 0}`] : [];
      return {
        command: 'docker',
        args: ['run', ...flags, ...user, ...mounts, '--workdir', input.cwd, this.options.image, ...entry],
        env: clientEnv,
        cwd: input.cwd,
        finish: (outcome) => this.finish(name, outcome, { input, scratch, outDir, verify, copyOut: false }),
      };
    }
    // Another engine: the code goes in by a bundle, with the files the argv names.
    const stage = path.join(scratch, 'stage');
    let created = false;
    try {
      const base = await bundleIn(input.cwd, path.join(stage, 'ralph', 'in', 'work.bundle'));
      Object.assign(vars, { RALPH_BRANCH: base.branch, RALPH_BASE: base.commit });
      await stageHostFiles(stage, files);
      const env = this.engine.env({ ...input.env, ...vars });
      const withBase = [...flags, '--env', 'RALPH_BRANCH', '--env', 'RALPH_BASE'];
      await this.engine.docker(['create', ...withBase, '--workdir', '/', this.options.image, ...entry], { env });
      created = true;
      await this.engine.docker(['cp', `${stage}${path.sep}.`, `${name}:/`], { env });
      return {
        command: 'docker',
        args: ['start', '--attach', '--interactive', name],
        env,
        cwd: input.cwd,
        finish: (outcome) => this.finish(name, outcome, { input, scratch, outDir, verify, copyOut: true, branch: base.branch }),
      };
    } catch (error) {
      if (created) await this.engine.remove([name]).catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  private async finish(
    name: string,
    outcome: ProcessOutcome,
    o: { input: LaunchInput; scratch: string; outDir: string; verify: string | undefined; copyOut: boolean; branch?: string },
  ): Promise<LaunchReport> {
    try {
      if (o.copyOut) {
        await this.engine.docker(['cp', `${name}:/ralph/out/.`, o.outDir], { ok: [0, 1] }).catch(() => undefined);
      }
      const out = readOut(o.outDir);
      let lost: string | undefined;
      if (o.copyOut && o.branch !== undefined && !outcome.cancelled && !outcome.timedOut) {
        lost = await takeWorkBack(o.input.cwd, o.outDir, o.branch, o.input.request.progressFile);
      }
      const ranAgent = out.agentExit === 0;
      // docker's own failure (125): the container never ran, so the entry script wrote nothing.
      const unstartable =
        out.agentExit === undefined && outcome.exitCode === 125
          ? /Unable to find image/.test(outcome.outputTail)
            ? `the image ${this.options.image} is not on ${this.label} and could not be pulled: ${dockerError(outcome.outputTail) ?? 'docker exited 125'}`
            : `the container could not start on ${this.label}: ${dockerError(outcome.outputTail) ?? 'docker exited 125'}`
          : undefined;
      const verified =
        o.verify === undefined || !ranAgent
          ? undefined
          : out.verify ?? { ok: false, exitCode: null, output: 'the container ended before the task\'s Verify could run' };
      return {
        ...(verified !== undefined ? { verified } : {}),
        ...(out.missing !== undefined ? { missing: `${out.missing} is not installed in the image ${this.options.image}: add it to the image (or choose another with ralph.runner.image / --image)` } : {}),
        ...(lost !== undefined ? { lost } : {}),
        ...(unstartable !== undefined ? { unstartable } : {}),
      };
    } catch (error) {
      return { lost: `could not read what the container left: ${(error as Error).message}` };
    } finally {
      await this.engine.remove([name]).catch(() => undefined);
      rmSync(o.scratch, { recursive: true, force: true });
    }
  }
}

/** What docker said went wrong: its `docker: …` / `Error response from daemon: …` line (the last
 *  line is only "See 'docker run --help'"). */
export function dockerError(output: string): string | undefined {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const said = [...lines].reverse().find((l) => /^docker: |Error response from daemon/.test(l));
  return said?.replace(/^docker: /, '').replace(/\.$/, '');
}

/** `ralph-<run>-<task>-<attempt>-<random>`: unique, and readable in `docker ps`. */
export function containerName(runId: string | undefined, taskId: string, attempt: number): string {
  const run = (runId ?? 'run').replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'run';
  const task = safeTaskId(taskId).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return `ralph-${run}-${task || 'task'}-${attempt}-${randomBytes(3).toString('hex')}`;
}

function networkFlags(network: ContainerOptions['network']): string[] {
  if (network === 'off') return ['--network', 'none'];
  if (network === 'host') return ['--network', 'host'];
  return [];
}

function bind(from: string, to: string, readOnly: boolean): string[] {
  // The engine reads --mount as CSV: a quoted field may hold commas.
  const field = (text: string): string => `"${text.replace(/"/g, '""')}"`;
  return ['--mount', `type=bind,${field(`source=${from}`)},${field(`target=${to}`)}${readOnly ? ',readonly' : ''}`];
}

function inside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Files here that the agent's argv names (the prompt, a script such as the demo agent): they
 *  go in read-only at their own paths. What is inside the workspace is there already. */
export function hostFilesOf(input: Pick<LaunchInput, 'args' | 'cwd' | 'promptFile'>): string[] {
  const candidates = [input.promptFile, ...input.args.filter((a) => path.isAbsolute(a))];
  return unique(candidates.filter((f) => !inside(f, input.cwd) && existsSync(f) && statSync(f).isFile()));
}
