// The soak as a library: `runSoak` plays the rounds and reports each as it ends; main.ts is its
// command line (`npm run soak`) and test/soak/soak.test.ts runs a few rounds in `npm test`.

import { resolve } from 'node:path';
import type { Violation } from './checks';
import { runRound, type Isolation, type RoundResult } from './round';

export type { Violation } from './checks';
export type { Isolation, KillKind, RoundResult } from './round';

export interface SoakOptions {
  readonly rounds: number;
  readonly isolation: Isolation | 'both';
  readonly seed: number;
  readonly keep?: boolean;
  /** Play only this round (1-based) of the `rounds`: the same round as in the full soak. */
  readonly only?: number;
  readonly runTimeoutMs?: number;
  readonly cli?: string;
  readonly tmp?: string;
  /** The simulated user (default on). */
  readonly user?: boolean;
  /** Each round's result as it ends. */
  readonly onRound?: (result: RoundResult) => void;
}

export interface SoakSummary {
  readonly seed: number;
  readonly rounds: readonly RoundResult[];
  readonly violations: number;
}

export const DEFAULT_CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

/** `both` alternates: odd rounds share the tree, even rounds use worktrees. */
export function isolationOf(mode: Isolation | 'both', round: number): Isolation {
  if (mode !== 'both') return mode;
  return round % 2 === 1 ? 'none' : 'worktree';
}

export async function runSoak(o: SoakOptions): Promise<SoakSummary> {
  const results: RoundResult[] = [];
  for (let index = 1; index <= o.rounds; index++) {
    if (o.only !== undefined && index !== o.only) continue;
    const result = await runRound({
      index,
      total: o.rounds,
      isolation: isolationOf(o.isolation, index),
      seed: o.seed,
      cli: o.cli ?? DEFAULT_CLI,
      runTimeoutMs: o.runTimeoutMs ?? 180_000,
      keep: o.keep ?? false,
      ...(o.tmp !== undefined ? { tmp: o.tmp } : {}),
      ...(o.user !== undefined ? { user: o.user } : {}),
    });
    results.push(result);
    o.onRound?.(result);
  }
  return { seed: o.seed, rounds: results, violations: results.reduce((n, r) => n + r.violations.length, 0) };
}

/** `round 7/100 worktree: 2 kills (ralph, group), 30/30 tasks, ok (12.3 s)`, then one line per
 *  violation and where the round's folder was kept. */
export function formatRound(r: RoundResult): string {
  const kills = `${r.kills.length} kill${r.kills.length === 1 ? '' : 's'}${r.kills.length ? ` (${r.kills.join(', ')})` : ''}`;
  const verdict = r.violations.length === 0 ? 'ok' : `${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`;
  const lines = [`round ${r.index}/${r.total} ${r.isolation}: ${kills}, ${r.finished}/${r.tasks} tasks, ${verdict} (${r.seconds.toFixed(1)} s)`];
  for (const x of r.violations) lines.push(`  ✖ ${x.name}: ${x.detail.split('\n').join('\n    ')}`);
  if (r.violations.length > 0) for (const n of r.notes) lines.push(`  · ${n}`);
  if (r.kept) lines.push(`  kept ${r.kept}`);
  return lines.join('\n');
}

/** `12 rounds, 3 violations (seed 42)`, then the count of each kind. */
export function formatSummary(s: SoakSummary): string {
  const byName = new Map<string, number>();
  for (const v of s.rounds.flatMap((r) => r.violations as Violation[])) byName.set(v.name, (byName.get(v.name) ?? 0) + 1);
  const lines = [`${s.rounds.length} rounds, ${s.violations} violations (seed ${s.seed})`];
  for (const [name, n] of [...byName].sort((a, b) => b[1] - a[1])) {
    const rounds = s.rounds.filter((r) => r.violations.some((v) => v.name === name)).map((r) => r.index);
    lines.push(`  ${name} ×${n} (rounds ${rounds.join(', ')})`);
  }
  return lines.join('\n');
}

