// `ralph run`'s runner options: where agents run (`--runner`, repeatable) and how containers are
// made (`--image`, `--cpus`, `--memory`, `--network`, `--pass-env`, `--env-file`, and for Jobs
// `--job-template`, `--job-secret`). The text is read
// by core/runners.ts, as the extension's settings are; mistakes are usage errors naming the option.

import { parseRunnerSpec, readContainerOptions, RunnerSpecError, type ContainerOptions, type RunnerSpec } from '../../core/runners';
import { UsageError } from './args';

export const RUNNER_OPTIONS = {
  runner: { type: 'string', multiple: true },
  image: { type: 'string' },
  cpus: { type: 'string' },
  memory: { type: 'string' },
  network: { type: 'string' },
  'pass-env': { type: 'string', multiple: true },
  'env-file': { type: 'string' },
  'job-template': { type: 'string' },
  'job-secret': { type: 'string' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

function list(value: Values[string]): string[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function runnerArgs(values: Values, env: NodeJS.ProcessEnv): { runners: RunnerSpec[]; container: ContainerOptions } {
  try {
    const runners = list(values.runner).map((r) => parseRunnerSpec(r));
    const given = (k: string, value?: string): { value: string; source: string } | undefined => {
      const v = value ?? (typeof values[k] === 'string' ? (values[k] as string) : undefined);
      return v !== undefined ? { value: v, source: `--${k}` } : undefined;
    };
    const fields = {
      image: given('image', typeof values.image === 'string' ? values.image : env.RALPH_RUNNER_IMAGE),
      cpus: given('cpus'),
      memory: given('memory'),
      network: given('network'),
      envFile: given('env-file'),
      jobTemplate: given('job-template'),
      jobSecret: given('job-secret'),
    };
    const container = readContainerOptions({
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      passEnv: { values: list(values['pass-env']).flatMap((v) => v.split(',')), source: '--pass-env' },
    });
    return { runners, container };
  } catch (error) {
    if (error instanceof RunnerSpecError) throw new UsageError(error.message);
    throw error;
  }
}
