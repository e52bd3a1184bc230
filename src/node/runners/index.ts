// A run's runners, made from what the user chose (core/runners.ts reads it): one executor per
// runner (a process executor, with a container launcher for docker), pooled by slots; the
// survivors port that also removes a killed run's containers; the image, from the setting or
// the repository's dev container.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Executor, SurvivorsPort } from '../../core/ports';
import { runnerSlots, RunnerSpecError, sharesFiles, type ContainerOptions, type RunnerSpec } from '../../core/runners';
import { ProcessExecutor, type AgentConfig, type ProcessExecutorOptions } from '../executor';
import { DockerLauncher } from './docker';
import { KubernetesLauncher } from './kubernetes';
import { RunnerPool } from './pool';
import { ContainerSurvivors } from './sweep';

export { DockerLauncher } from './docker';
export { RunnerPool } from './pool';
export { ContainerSurvivors } from './sweep';
export { DockerEngine } from './engine';
export { KubernetesLauncher } from './kubernetes';

export interface RunnersSetup {
  readonly executor: Executor;
  /** What maxConcurrent becomes: the runners' slots summed. */
  readonly maxConcurrent: number;
  readonly survivors: SurvivorsPort;
  /** One line per runner for the run's header: `docker@box ×4 (image node:20)`. */
  readonly described: readonly string[];
}

export function setUpRunners(o: {
  readonly specs: readonly RunnerSpec[];
  readonly maxConcurrent: number;
  readonly container: ContainerOptions;
  readonly agent: AgentConfig;
  readonly executorOptions: ProcessExecutorOptions;
  readonly repoDir: string;
  readonly isolation: 'none' | 'worktree';
  readonly survivors: SurvivorsPort;
  readonly log?: (message: string) => void;
}): RunnersSetup {
  const { runners, total } = runnerSlots(o.specs, o.maxConcurrent);
  const containerRunners = runners.filter((r) => r.kind !== 'local');
  const image = containerRunners.length > 0 ? (o.container.image ?? devContainerImage(o.repoDir)) : undefined;
  // A Job's image may come from its pod template instead.
  const docker = containerRunners.find((r) => r.kind === 'docker');
  if (docker !== undefined && image === undefined) {
    throw new RunnerSpecError(`the ${docker.label} runner needs an image: set ralph.runner.image (or --image), or give the repository a .devcontainer/devcontainer.json with an "image"`);
  }
  const kube = containerRunners.find((r) => r.kind === 'kubernetes');
  if (kube !== undefined && o.container.jobTemplate === undefined) {
    throw new RunnerSpecError(`the ${kube.label} runner makes each attempt's Job from a pod template you own: give it with --job-template FILE (see docs/RUNNING-ON-KUBERNETES.md)`);
  }
  const remote = containerRunners.find((r) => !sharesFiles(r));
  if (remote !== undefined && o.isolation !== 'worktree') {
    throw new RunnerSpecError(`the ${remote.label} runner shares no folder with this machine, so code travels by git: it needs worktree isolation (a git repository with a commit, commits on)`);
  }
  const members = runners.map((r) => {
    if (r.kind === 'local') return { label: r.label, slots: r.slots, executor: new ProcessExecutor(o.agent, o.executorOptions) };
    if (r.kind === 'kubernetes') {
      const launcher = new KubernetesLauncher(r, { ...o.container, ...(image !== undefined ? { image } : {}) });
      launcher.loadTemplate(); // a bad template stops the run before it starts, with file:line
      return { label: r.label, slots: r.slots, executor: new ProcessExecutor(o.agent, { ...o.executorOptions, launcher }) };
    }
    const launcher = new DockerLauncher(r, { ...o.container, image: image as string });
    return { label: r.label, slots: r.slots, executor: new ProcessExecutor(o.agent, { ...o.executorOptions, launcher }) };
  });
  const executor = members.length === 1 ? (members[0] as { executor: Executor }).executor : new RunnerPool(members);
  const engines = runners.filter((r) => r.kind === 'docker').map((r) => r.where);
  const clusters = runners.filter((r) => r.kind === 'kubernetes').map((r) => r.where);
  return {
    executor,
    maxConcurrent: total,
    survivors: engines.length > 0 || clusters.length > 0 ? new ContainerSurvivors(o.survivors, engines, o.log, clusters) : o.survivors,
    described: runners.map((r) => `${r.label} ×${r.slots}${r.kind === 'docker' ? ` (image ${image})` : r.kind === 'kubernetes' ? ` (template ${o.container.jobTemplate}${image !== undefined ? `, image ${image}` : ''})` : ''}`),
  };
}

/** The image of the repository's dev container (`.devcontainer/devcontainer.json` or
 *  `.devcontainer.json`, JSON with comments), when it names one. A dev container built from a
 *  Dockerfile has no image to name: the error says to build it and set ralph.runner.image. */
export function devContainerImage(repoDir: string): string | undefined {
  for (const rel of ['.devcontainer/devcontainer.json', '.devcontainer.json']) {
    const file = path.join(repoDir, rel);
    if (!existsSync(file)) continue;
    const errors: ParseError[] = [];
    const text = readFileSync(file, 'utf8');
    const value = parseJsonc(text, errors, { allowTrailingComma: true }) as unknown;
    if (errors.length > 0) {
      const first = errors[0] as ParseError;
      const line = text.slice(0, first.offset).split('\n').length;
      throw new RunnerSpecError(`${file}:${line}: ${printParseErrorCode(first.error)}`);
    }
    const image = typeof value === 'object' && value !== null ? (value as { image?: unknown }).image : undefined;
    if (typeof image === 'string' && image.trim() !== '') return image.trim();
    if (typeof value === 'object' && value !== null && 'build' in value) {
      throw new RunnerSpecError(`${file}: the dev container is built from a Dockerfile, so it has no image to run: build it (docker build -t NAME …) and set ralph.runner.image to NAME`);
    }
  }
  return undefined;
}
