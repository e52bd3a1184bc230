// `npm run soak -- --rounds N --isolation none|worktree|both [--seed S] [--round K] [--keep]
// [--run-timeout SECONDS] [--no-user] [--cli PATH]`: Ralph's own soak. Each round kills `ralph run` at random
// moments while a simulated user edits, resumes it to the end and checks that nothing was lost
// (see README, "Soak"). Exit 1 on any violation; the folders of failing rounds are kept.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CLI, formatRound, formatSummary, runSoak, type Isolation } from './index';

function usage(message: string): never {
  process.stderr.write(`soak: ${message}\nusage: npm run soak -- --rounds N --isolation none|worktree|both [--seed S] [--round K] [--keep] [--run-timeout SECONDS] [--no-user] [--cli PATH]\n`);
  process.exit(2);
}

function whole(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`${name} must be a whole number of at least ${min}, not '${value}'`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        rounds: { type: 'string' },
        isolation: { type: 'string' },
        seed: { type: 'string' },
        round: { type: 'string' },
        keep: { type: 'boolean' },
        'run-timeout': { type: 'string' },
        'no-user': { type: 'boolean' },
        cli: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  const isolation = values.isolation ?? 'both';
  if (isolation !== 'none' && isolation !== 'worktree' && isolation !== 'both') usage(`--isolation must be none, worktree or both, not '${isolation}'`);
  const rounds = whole(values.rounds, '--rounds', 10);
  const seed = whole(values.seed, '--seed', Math.floor(Math.random() * 2 ** 31), 0);
  const only = values.round === undefined ? undefined : whole(values.round, '--round', 1);
  if (only !== undefined && only > rounds) usage(`--round ${only} is beyond --rounds ${rounds}`);
  // --cli: soak a copy of a build while the working copy is rebuilt (tests rebuild dist/).
  const cli = values.cli ?? DEFAULT_CLI;
  if (!existsSync(cli)) usage(`${cli} is missing: run npm run build first`);

  process.stdout.write(`soak: ${only !== undefined ? `round ${only} of ${rounds}` : `${rounds} rounds`}, isolation ${isolation}, seed ${seed}${values['no-user'] ? ', no user' : ''}\n`);
  const summary = await runSoak({
    rounds,
    isolation: isolation as Isolation | 'both',
    seed,
    keep: Boolean(values.keep),
    user: !values['no-user'],
    cli,
    ...(only !== undefined ? { only } : {}),
    runTimeoutMs: whole(values['run-timeout'], '--run-timeout', 180) * 1000,
    onRound: (r) => process.stdout.write(formatRound(r) + '\n'),
  });
  process.stdout.write(formatSummary(summary) + '\n');
  process.exitCode = summary.violations > 0 ? 1 : 0;
}

void main();
