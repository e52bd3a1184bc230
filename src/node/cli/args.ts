// What every `ralph` command shares: its I/O, its usage errors and how it reads its arguments.
// Kept apart from main.ts so the commands (run, clean) need not import the dispatcher that
// imports them.

import { parseArgs } from 'node:util';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where `ralph clean` asks before dropping unmerged work; default process.stdin. */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** A usage mistake: printed with a hint, exit code 2. */
export class UsageError extends Error {}

type ArgOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

export function parseCommandArgs(
  args: readonly string[],
  options: ArgOptions,
): { values: Record<string, string | boolean | undefined>; spec: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [spec, ...extra] = parsed.positionals;
  if (!spec) throw new UsageError('which spec? Give a tasks.md, a spec folder or a manifest.json');
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, spec };
}

export function positiveInt(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${name} must be a whole number of at least 1, not '${String(value)}'`);
  }
  return n;
}

/** `--tag NAME`: which Task Master tag to read. */
export function tagOption(value: string | boolean | undefined): { tag?: string } {
  return typeof value === 'string' ? { tag: value } : {};
}
