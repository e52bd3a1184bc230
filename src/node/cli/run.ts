// `ralph run`, `ralph retry` and `ralph status`: the scheduler wired to real processes, files
// and git, with a live terminal view or JSON lines.

import { join } from 'node:path';
import { loadSpec } from '../specFiles';
import { DEFAULT_MAX_CONCURRENT, planSpec } from '../../core/plan';
import { CancellationSource } from '../../core/run';
import type { CommitStrategy, IsolationMode, RunEvent, RunMode, RunScope, RalphState } from '../../core/ports';
import { resolveAgent } from '../executor';
import { FileStateStore } from '../stores/state';
import { prepareRun, RunSetupError } from '../runSession';
import { STATE_FILE_NAME } from '../../core/state';
import { formatDiagnostic } from '../../core/report';
import { formatUsage } from '../../core/usage';
import { formatDuration } from '../../core/duration';
import { firstOfEachId, tasksById } from '../../core/model';
import { LiveView } from './liveView';
import { parseCommandArgs, positiveInt, tagOption, UsageError, type CliIo } from './args';
import { RUNNER_OPTIONS, runnerArgs } from './runnerArgs';
import { RunnerSpecError } from '../../core/runners';


const RUN_OPTIONS = {
  'max-concurrent': { type: 'string' },
  agent: { type: 'string' },
  mode: { type: 'string' },
  commit: { type: 'string' },
  task: { type: 'string' },
  group: { type: 'string' },
  timeout: { type: 'string' },
  'max-task-iterations': { type: 'string' },
  isolation: { type: 'string' },
  'worktree-include': { type: 'string', multiple: true },
  'with-dependencies': { type: 'boolean' },
  'include-optional': { type: 'boolean' },
  'max-cost': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  tag: { type: 'string' },
  ...RUNNER_OPTIONS,
} as const;

export async function runCommand(args: readonly string[], io: CliIo, retry: boolean): Promise<number> {
  const { values, spec: arg } = parseCommandArgs(args, RUN_OPTIONS);
  const maxConcurrent = positiveInt(values['max-concurrent'], '--max-concurrent', DEFAULT_MAX_CONCURRENT);
  const mode = oneOf<RunMode>(values.mode, '--mode', ['dag', 'waves'], 'dag');
  const commit = oneOf<CommitStrategy>(values.commit, '--commit', ['batch', 'individual', 'none'], 'batch');
  const maxTaskIterations = positiveInt(values['max-task-iterations'], '--max-task-iterations', 2);
  const taskTimeoutMs = values.timeout === undefined ? undefined : parseDuration(String(values.timeout));
  const agent = resolveAgent(typeof values.agent === 'string' ? values.agent : (io.env.RALPH_AGENT ?? 'claude'));
  const maxCostUsd = values['max-cost'] === undefined ? undefined : parseCost(String(values['max-cost']));
  const { runners, container } = runnerArgs(values, io.env);

  const loaded = loadSpec(arg, { cwd: io.cwd, settle: true, ...tagOption(values.tag) });
  const plan = planSpec(loaded.spec, { maxConcurrent, includeOptional: values['include-optional'] === true });
  if (plan.hasErrors) {
    for (const d of plan.diagnostics.filter((x) => x.severity === 'error')) {
      io.stderr.write(`${formatDiagnostic(loaded.spec.path, d)}\n`);
    }
    io.stderr.write(`ralph: the plan has errors; fix them before running (see 'ralph plan ${arg}')\n`);
    return 1;
  }

  let scope: RunScope = { kind: 'spec' };
  if (retry) scope = { kind: 'retryFailed' };
  if (values.task !== undefined) {
    const id = String(values.task);
    if (!plan.taskIds.includes(id)) throw new UsageError(`no task '${id}' in ${loaded.spec.path}`);
    scope = { kind: 'task', taskId: id, withDependencies: Boolean(values['with-dependencies']) };
  }
  if (values.group !== undefined) {
    const n = positiveInt(values.group, '--group', 1);
    if (n > plan.groups.length) {
      throw new UsageError(`--group ${n}: ${loaded.spec.path} has ${plan.groups.length} parallel group(s)`);
    }
    scope = { kind: 'group', groupIndex: n - 1, withDependencies: Boolean(values['with-dependencies']) };
  }

  const include = worktreeIncludes(values['worktree-include']);
  const isolationArg = values.isolation === undefined ? 'auto' : oneOf<IsolationMode>(String(values.isolation), '--isolation', ['none', 'worktree'], 'none');
  // Declared before the run is prepared: its log (a stale git lock removed) may be called by a
  // later git command in this process even when this run never got as far as a view.
  let view: LiveView | undefined;
  let prepared;
  try {
    prepared = await prepareRun({
      plan,
      specFile: loaded.file,
      specDir: loaded.specDir,
      agent,
      maxConcurrent,
      mode,
      commit,
      scope,
      maxTaskIterations,
      ...(taskTimeoutMs !== undefined ? { taskTimeoutMs } : {}),
      isolation: isolationArg,
      worktreeInclude: include,
      runners,
      container,
      ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
      ...(io.env.RALPH_RATE_LIMIT_WAIT_MS ? { rateLimitWaitMs: Number(io.env.RALPH_RATE_LIMIT_WAIT_MS) } : {}),
      fallbackCwd: io.cwd,
      log: (msg: string) => (view ? view.log(`  ${msg}`) : io.stderr.write(`ralph: ${msg}\n`)),
    });
  } catch (error) {
    if (error instanceof RunnerSpecError) throw new UsageError(error.message);
    if (error instanceof RunSetupError) {
      throw new UsageError(
        error.code === 'worktree-needs-commit'
          ? '--isolation worktree needs a git repository with at least one commit to branch from'
          : "--isolation worktree merges each task's work as a commit, so it cannot go with --commit none",
      );
    }
    throw error;
  }
  const isolation = prepared.isolation;

  const cancel = new CancellationSource();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\nralph: stopping — agents are being stopped and the state saved (Ctrl-C again to quit at once)\n');
      cancel.cancel();
    } else {
      process.exit(130);
    }
  };

  const titles = new Map([...tasksById(loaded.spec.tasks)].map(([id, t]) => [id, t.title] as const));
  view = values.json
    ? undefined
    : new LiveView({
        out: io.stdout,
        title: `${loaded.spec.path} · ${agent.preset === 'custom' ? 'custom agent' : agent.preset} · ${mode} · up to ${prepared.options.maxConcurrent} at once${isolation === 'worktree' ? ' · worktrees' : ''}${runners.length > 0 ? ` · on ${prepared.runners.join(' + ')}` : ''}`,
        titles,
        color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR,
        verbose: Boolean(values.verbose),
      });
  const onEvent = (event: RunEvent): void => {
    if (values.json) io.stdout.write(JSON.stringify(event) + '\n');
    else view?.onEvent(event);
  };

  // Signal handlers only once nothing can throw before the `finally` that removes them.
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  view?.start();
  try {
    const summary = await prepared.run(cancel.token, onEvent);
    view?.finish(summary);
    // Stopped early (agent unavailable, budget spent): not all was done, and not by Ctrl-C.
    if (summary.haltReason !== undefined && !cancel.token.isCancellationRequested) return 1;
    if (summary.cancelled > 0 || cancel.token.isCancellationRequested) return 130;
    return summary.failed + summary.blocked > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    cancel.dispose();
  }
}

export async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, spec: arg } = parseCommandArgs(args, { json: { type: 'boolean' }, tag: { type: 'string' } });
  const loaded = loadSpec(arg, { cwd: io.cwd, ...tagOption(values.tag) });
  const state: RalphState | undefined = await new FileStateStore(join(loaded.specDir, STATE_FILE_NAME)).load();
  if (values.json) {
    io.stdout.write(JSON.stringify(state ?? null, null, 2) + '\n');
    return 0;
  }
  if (!state) {
    io.stdout.write(`${loaded.spec.path}: no run yet (no ${STATE_FILE_NAME})\n`);
    return 0;
  }
  const records = state.ralph?.tasks ?? {};
  const run = state.ralph;
  const spent = formatUsage(run?.usage);
  io.stdout.write(
    `${loaded.spec.path}: ${run ? `run ${run.status}, started ${run.startedAt}, updated ${run.updatedAt}` : 'state from another tool'}` +
      ` · taskIndex ${state.taskIndex}/${state.totalTasks}${spent ? ` · ${spent}` : ''}\n`,
  );
  if (run?.haltReason) io.stdout.write(`  stopped early: ${run.haltReason}\n`);
  for (const task of firstOfEachId(loaded.spec.tasks)) {
    const rec = records[task.id];
    const fromIndex = state.taskResults?.[String(task.index)];
    const status = rec?.status ?? fromIndex?.status ?? (task.done ? 'success' : 'pending');
    const extra = [
      rec?.attempts ? `${rec.attempts} attempt(s)` : '',
      rec?.durationMs !== undefined ? formatDuration(rec.durationMs) : '',
      formatUsage(rec?.usage) ?? '',
      rec?.reason ?? fromIndex?.error ?? '',
    ].filter(Boolean);
    if (rec?.logFile) extra.push(`log ${rec.logFile}`);
    // Where a task's kept work is (a failure, a conflict, an interrupted run).
    if (rec?.worktree && status !== 'success') extra.push(`work in ${rec.worktree.path} on ${rec.worktree.branch}`);
    io.stdout.write(`  ${statusIcon(status)} ${task.id.padEnd(6)} ${status.padEnd(8)} ${task.title}${extra.length ? `  (${extra.join('; ')})` : ''}\n`);
  }
  return 0;
}

function statusIcon(status: string): string {
  switch (status) {
    case 'success':
      return '✔';
    case 'failed':
      return '✖';
    case 'blocked':
      return '⊘';
    case 'running':
      return '●';
    case 'skipped':
      return '↷';
    default:
      return '·';
  }
}

function oneOf<T extends string>(value: string | boolean | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${name} must be one of ${allowed.join(', ')}, not '${String(value)}'`);
}

/** `5`, `2.50`, `$5` → dollars. */
export function parseCost(text: string): number {
  const m = /^\$?\s*(\d+(?:\.\d+)?)$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--max-cost takes an amount in US dollars such as 5 or 2.50, not '${text}'`);
  return n;
}

/** `90s`, `30m`, `1.5h`, `500ms` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)$/.exec(text.trim());
  if (!m) throw new UsageError(`--timeout takes a duration such as 90s, 30m or 1h, not '${text}'`);
  const n = Number(m[1]);
  const unit = m[2];
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
  return Math.round(n * factor);
}

function worktreeIncludes(value: string | boolean | string[] | undefined): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.flatMap((v) => v.split(',')).map((v) => v.trim().replace(/^\.\//, '')).filter((v) => v.length > 0);
}
