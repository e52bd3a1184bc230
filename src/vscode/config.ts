// The `ralph.*` settings, read for the folder a spec lives in, checked, and turned into what the
// scheduler takes.

import * as vscode from 'vscode';
import type { CommitStrategy, IsolationMode, RunMode } from '../core/ports';
import { DEFAULT_MAX_CONCURRENT, type PlanOptions } from '../core/plan';
import { dagLayoutOf, type DagLayout } from '../shared/protocol';
import { messageOf } from './log';
import { AGENT_PRESETS, type AgentPreset } from '../node/agents/presets';
import { parseCommandTemplate } from '../node/executor/template';
import type { AgentConfig } from '../node/executor';
import { parseRunnerSpec, readContainerOptions, RunnerSpecError, type ContainerOptions, type RunnerSpec } from '../core/runners';

export type KeepOpen = 'failed' | 'always' | 'never';

export interface RalphSettings {
  readonly maxConcurrent: number;
  readonly agent: AgentConfig;
  readonly mode: RunMode;
  readonly commit: CommitStrategy;
  readonly isolation: IsolationMode | 'auto';
  readonly worktreeInclude: readonly string[];
  readonly taskTimeoutMs?: number;
  readonly maxTaskIterations: number;
  readonly keepTerminalsOpen: KeepOpen;
  readonly trace: boolean;
  /** No new task starts once the agents have reported this much cost; undefined: no budget. */
  readonly maxCostUsd?: number;
  /** Where agents run (`ralph.runners`); empty: here. */
  readonly runners: readonly RunnerSpec[];
  /** How containers are made (`ralph.runner.*`). */
  readonly container: ContainerOptions;
}

/** A setting that cannot be used; the message names it. */
export class SettingsError extends Error {}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function intIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;
}

/** The settings that change a plan (its estimate), read for the folder of `scope`. */
export function readPlanOptions(scope: vscode.Uri | undefined): PlanOptions {
  const c = vscode.workspace.getConfiguration('ralph', scope);
  return { maxConcurrent: maxConcurrentOf(c), includeOptional: c.get('includeOptional') === true };
}

/** Whether a settings change can change a plan; the settings readPlanOptions reads. */
export function affectsPlans(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration('ralph.maxConcurrent') || event.affectsConfiguration('ralph.includeOptional');
}

function maxConcurrentOf(c: vscode.WorkspaceConfiguration): number {
  return intIn(c.get('maxConcurrent'), 1, 32, DEFAULT_MAX_CONCURRENT);
}

/** `ralph.dag.layout`: how the DAG page lays graphs out (read apart from readSettings, whose
 *  agent checks have nothing to do with drawing). */
export function readDagLayout(scope: vscode.Uri | undefined): DagLayout {
  return dagLayoutOf(vscode.workspace.getConfiguration('ralph', scope).get('dag.layout'));
}

export function readSettings(scope: vscode.Uri | undefined): RalphSettings {
  const c = vscode.workspace.getConfiguration('ralph', scope);
  const preset = oneOf<AgentPreset>(c.get('agent'), AGENT_PRESETS, 'claude');
  let agent: AgentConfig = { preset };
  if (preset === 'custom') {
    const command = String(c.get('customCommand') ?? '').trim();
    if (command === '') throw new SettingsError('ralph.agent is "custom" but ralph.customCommand is empty: set the command, e.g. `my-agent --prompt-file {promptFile}`');
    try {
      parseCommandTemplate(command);
    } catch (error) {
      throw new SettingsError(`ralph.customCommand: ${messageOf(error)}`);
    }
    agent = { preset, command };
  }
  const minutes = c.get<number>('taskTimeoutMinutes') ?? 0;
  const include = c.get<unknown>('worktree.include');
  const budget = c.get<unknown>('maxCostUsd');
  return {
    maxConcurrent: maxConcurrentOf(c),
    agent,
    mode: oneOf<RunMode>(c.get('mode'), ['dag', 'waves'], 'dag'),
    commit: oneOf<CommitStrategy>(c.get('commit'), ['batch', 'individual', 'none'], 'batch'),
    isolation: oneOf<IsolationMode | 'auto'>(c.get('isolation'), ['auto', 'worktree', 'none'], 'auto'),
    worktreeInclude: Array.isArray(include) ? include.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [],
    ...(typeof minutes === 'number' && minutes > 0 ? { taskTimeoutMs: Math.round(minutes * 60_000) } : {}),
    maxTaskIterations: intIn(c.get('maxTaskIterations'), 1, 10, 2),
    keepTerminalsOpen: oneOf<KeepOpen>(c.get('terminals.keepOpen'), ['failed', 'always', 'never'], 'failed'),
    trace: c.get('trace') === true,
    ...(typeof budget === 'number' && Number.isFinite(budget) && budget > 0 ? { maxCostUsd: budget } : {}),
    ...readRunners(c),
  };
}

/** `ralph.runners` and `ralph.runner.*`, read by the same parser as `ralph run --runner`. */
function readRunners(c: vscode.WorkspaceConfiguration): { runners: RunnerSpec[]; container: ContainerOptions } {
  try {
    const list = c.get<unknown>('runners');
    const runners = Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => parseRunnerSpec(x, 'ralph.runners')) : [];
    const text = (key: string): string | undefined => {
      const v = c.get<unknown>(key);
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;
    };
    const given = (key: string): { value: string; source: string } | undefined => {
      const value = text(`runner.${key}`);
      return value !== undefined ? { value, source: `ralph.runner.${key}` } : undefined;
    };
    const cpus = given('cpus');
    const fields = {
      image: given('image'),
      // 0, the setting's default: no limit.
      cpus: cpus?.value === '0' ? undefined : cpus,
      memory: given('memory'),
      network: given('network'),
      envFile: given('envFile'),
      jobTemplate: given('jobTemplate'),
      jobSecret: given('jobSecret'),
    };
    const pass = c.get<unknown>('runner.passEnv');
    const container = readContainerOptions({
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      passEnv: { values: Array.isArray(pass) ? pass.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [], source: 'ralph.runner.passEnv' },
    });
    return { runners, container };
  } catch (error) {
    if (error instanceof RunnerSpecError) throw new SettingsError(error.message);
    throw error;
  }
}

