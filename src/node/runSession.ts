// The scheduler wired to real processes, files and git: what `ralph run` and the extension's
// Run commands both start, so the two faces cannot drift apart in how a run is set up.

import { onStaleGitLock } from './gitLocks';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Plan } from '../core/model';
import { runPlan, RUN_LOCK_FILE, type RunPorts } from '../core/run';
import type {
  CancellationToken,
  CommitStrategy,
  Executor,
  IsolationMode,
  RunEventListener,
  RunOptions,
  RunSummary,
} from '../core/ports';
import { ProcessSurvivors, ShellVerifier, type AgentConfig } from './executor';
import { FileStateStore } from './stores/state';
import { STATE_FILE_NAME } from '../core/state';
import { FileProgressStore } from './stores/progress';
import { FileTasksFile } from './stores/tasksFile';
import { TaskMasterTasksFile } from './stores/taskMasterFile';
import { acquireSpecLock } from './stores/lock';
import { CliGitPort } from './git';
import { gitTopLevel, hasCommits } from './gitRun';
import { GitWorktrees, repoFolder, repoFolderName } from './worktree';
import { ralphStateHome } from './stateHome';
import type { ContainerOptions, RunnerSpec } from '../core/runners';
import { DEFAULT_CONTAINER_OPTIONS } from '../core/runners';
import { setUpRunners } from './runners';

/** A setting that cannot work here (worktrees without a commit, …): said to the user as it is. */
export class RunSetupError extends Error {
  constructor(
    message: string,
    /** Which setting combination failed, so each face can name its own option or setting. */
    readonly code: 'worktree-needs-commit' | 'worktree-needs-commits-on',
  ) {
    super(message);
    this.name = 'RunSetupError';
  }
}

/** The scheduler's options (RunOptions), with isolation still to be decided (`auto`), and what
 *  wiring them to real ports needs. */
export interface RunSessionOptions extends Omit<RunOptions, 'isolation' | 'rateLimitWaits'> {
  readonly plan: Plan;
  /** Absolute path of the file the tasks were read from. */
  readonly specFile: string;
  /** Absolute path of the spec folder. */
  readonly specDir: string;
  readonly agent: AgentConfig;
  /** `auto`: worktrees wherever there is a commit to branch from and commits are wanted. */
  readonly isolation: IsolationMode | 'auto';
  readonly worktreeInclude?: readonly string[];
  /** Where agents work when the spec is not in a git repository. */
  readonly fallbackCwd: string;
  /** Where agents run (`local`, `docker`, `docker@host`, with slots); none: here, as processes. */
  readonly runners?: readonly RunnerSpec[];
  /** How containers are made, for container runners. */
  readonly container?: ContainerOptions;
  /** Wraps the process executor (the extension adds a per-task stop). */
  readonly wrapExecutor?: (executor: Executor) => Executor;
  readonly log?: (message: string) => void;
}

export interface PreparedRun {
  /** The repository root, or `fallbackCwd` outside a repository. */
  readonly cwd: string;
  /** Where agents run, one line per runner (`docker ×4 (image …)`). */
  readonly runners: readonly string[];
  readonly isolation: IsolationMode;
  readonly options: RunOptions;
  readonly ports: RunPorts;
  /** Runs the plan under the spec's lock, released however the run ends. */
  run(token: CancellationToken, onEvent: RunEventListener): Promise<RunSummary>;
}

/** Resolves settings against the repository (throws RunSetupError when they cannot work). */
export async function prepareRun(o: RunSessionOptions): Promise<PreparedRun> {
  if (o.log) onStaleGitLock(o.log);
  // A Task Master tag other than master keeps its state in a folder of its own (see loadSpec).
  mkdirSync(o.specDir, { recursive: true });
  const topLevel = await gitTopLevel(o.specDir);
  const cwd = topLevel ?? o.fallbackCwd;
  const isolation = await chooseIsolation(o.isolation, o.commit, topLevel);
  const progress = new FileProgressStore(o.specDir);
  const worktrees =
    isolation === 'worktree'
      ? new GitWorktrees({
          repoDir: cwd,
          specName: basename(o.specDir),
          include: [...(o.worktreeInclude ?? [])],
          bookkeeping: [o.specFile, progress.mainPath],
          ...(o.log ? { log: o.log } : {}),
        })
      : undefined;
  const logDir = agentLogDir(topLevel !== undefined ? await repoFolder(topLevel) : repoFolderName(cwd, cwd), o.specDir);
  const runners = setUpRunners({
    specs: o.runners ?? [],
    maxConcurrent: o.maxConcurrent,
    container: o.container ?? DEFAULT_CONTAINER_OPTIONS,
    agent: o.agent,
    executorOptions: { logDir },
    repoDir: cwd,
    isolation,
    survivors: new ProcessSurvivors(),
    ...(o.log ? { log: o.log } : {}),
  });
  const options: RunOptions = {
    maxConcurrent: runners.maxConcurrent,
    mode: o.mode,
    commit: o.commit,
    scope: o.scope,
    maxTaskIterations: o.maxTaskIterations,
    isolation,
    ...(o.taskTimeoutMs !== undefined ? { taskTimeoutMs: o.taskTimeoutMs } : {}),
    ...(o.maxCostUsd !== undefined ? { maxCostUsd: o.maxCostUsd } : {}),
    // Rate-limit waits: tests make them short.
    ...(o.rateLimitWaitMs !== undefined ? { rateLimitWaitMs: o.rateLimitWaitMs } : {}),
  };
  const ports: RunPorts = {
    executor: o.wrapExecutor ? o.wrapExecutor(runners.executor) : runners.executor,
    verifier: new ShellVerifier(),
    state: new FileStateStore(join(o.specDir, STATE_FILE_NAME)),
    progress,
    // Check-offs are written in the spec's own format: a checkbox in tasks.md, a status in tasks.json.
    tasksFile: o.plan.spec.format === 'taskmaster' ? new TaskMasterTasksFile(o.specFile, o.plan.spec.tag) : new FileTasksFile(o.specFile),
    git: new CliGitPort(cwd),
    ...(worktrees ? { worktrees } : {}),
    survivors: runners.survivors,
    clock: { now: () => Date.now() },
    specDir: o.specDir,
    specFile: o.specFile,
    cwd,
    ...(o.log ? { log: o.log } : {}),
  };
  return {
    cwd,
    runners: runners.described,
    isolation,
    options,
    ports,
    async run(token, onEvent) {
      const release = acquireSpecLock(join(o.specDir, RUN_LOCK_FILE));
      try {
        return await runPlan(o.plan, ports, options, token, onEvent);
      } finally {
        release();
      }
    },
  };
}

async function chooseIsolation(asked: IsolationMode | 'auto', commit: CommitStrategy, topLevel: string | undefined): Promise<IsolationMode> {
  if (asked === 'none') return 'none';
  const possible = topLevel !== undefined && (await hasCommits(topLevel));
  if (asked === 'worktree') {
    if (!possible) throw new RunSetupError('worktree isolation needs a git repository with at least one commit to branch from', 'worktree-needs-commit');
    if (commit === 'none') throw new RunSetupError("worktree isolation merges each task's work as a commit, so it cannot go with commit 'none'", 'worktree-needs-commits-on');
    return 'worktree';
  }
  return possible && commit !== 'none' ? 'worktree' : 'none';
}

/**
 * Where the agents' raw output is kept: `$RALPH_LOGS_DIR`, else `logs` in the per-user state
 * folder, one folder per repository (named as its worktrees' folder is) and spec. Not in the
 * repository: logs are no one's work to commit, and a watcher or an agent walking the tree
 * should not see them.
 */
export function agentLogDir(repoFolderName: string, specDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.RALPH_LOGS_DIR ? resolve(env.RALPH_LOGS_DIR) : join(ralphStateHome(env), 'logs');
  return join(root, repoFolderName, basename(resolve(specDir)));
}
