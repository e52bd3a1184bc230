// `ralph run`'s runner options: where agents run (`--runner`, repeatable) and how containers are
// made (`--image`, `--cpus`, `--memory`, `--network`, `--pass-env`, `--env-file`, and for Jobs
// `--job-template`, `--job-secret`). The text is read
// by core/runners.ts, as the extension's settings are; mistakes are usage errors naming the option.

import { checkCpus, checkEnvName, checkMemory, checkNetwork, checkSecretName, DEFAULT_CONTAINER_OPTIONS, parseRunnerSpec, RunnerSpecError, type ContainerOptions, type RunnerSpec } from '../../core/runners';
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
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const image = str('image') ?? env.RALPH_RUNNER_IMAGE;
    const cpus = str('cpus');
    const memory = str('memory');
    const network = str('network');
    const envFile = str('env-file');
    const jobTemplate = str('job-template');
    const jobSecret = str('job-secret');
    if (jobSecret !== undefined) checkSecretName(jobSecret, '--job-secret');
    const container: ContainerOptions = {
      ...DEFAULT_CONTAINER_OPTIONS,
      ...(image !== undefined && image !== '' ? { image } : {}),
      ...(cpus !== undefined ? { cpus: checkCpus(cpus, '--cpus') } : {}),
      ...(memory !== undefined ? { memory: checkMemory(memory, '--memory') } : {}),
      ...(network !== undefined ? { network: checkNetwork(network, '--network') } : {}),
      passEnv: list(values['pass-env']).flatMap((v) => v.split(',')).map((n) => checkEnvName(n.trim(), '--pass-env')),
      ...(envFile !== undefined ? { envFile } : {}),
      ...(jobTemplate !== undefined ? { jobTemplate } : {}),
      ...(jobSecret !== undefined ? { jobSecret } : {}),
    };
    return { runners, container };
  } catch (error) {
    if (error instanceof RunnerSpecError) throw new UsageError(error.message);
    throw error;
  }
}
