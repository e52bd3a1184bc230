// The scheduler against the clock: a random 200-task DAG of sleeping tasks run by Ralph (DAG and
// waves modes) beside the lower bound max(critical path, work / N) and beside `make -jN` running
// the very same sleeping processes, in the same run. Then Ralph's own per-task overhead: a chain
// of tasks that do nothing, Ralph against make.
//
//   node --import tsx bench/run.bench.ts [--tasks 200] [--jobs 4] [--seed 7]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseManifest } from '../src/core/parse';
import { planSpec } from '../src/core/plan';
import { runPlan, CancellationSource } from '../src/core/run';
import type { RunMode } from '../src/core/ports';
import { ProcessExecutor, ShellVerifier } from '../src/node/executor';
import { FileStateStore } from '../src/node/stores/state';
import { FileProgressStore } from '../src/node/stores/progress';
import { FileTasksFile } from '../src/node/stores/tasksFile';
import { CliGitPort } from '../src/node/git';
import { random as rng } from './generate';

const SLEEPER = resolve(__dirname, 'sleeper.sh');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Dag {
  ids: string[];
  deps: Map<string, string[]>;
  ms: Map<string, number>;
}

function randomDag(n: number, seed: number, minMs: number, maxMs: number): Dag {
  const r = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => `T${String(i).padStart(3, '0')}`);
  const deps = new Map<string, string[]>();
  const ms = new Map<string, number>();
  ids.forEach((id, i) => {
    const d = new Set<string>();
    const k = Math.floor(r() * 3); // 0–2 dependencies, mostly on recent tasks: a deep, wide DAG
    for (let j = 0; j < k && i > 0; j++) d.add(ids[Math.max(0, i - 1 - Math.floor(r() * Math.min(i, 25)))]!);
    deps.set(id, [...d]);
    ms.set(id, Math.round(minMs + r() * (maxMs - minMs)));
  });
  return { ids, deps, ms };
}

function chainDag(n: number): Dag {
  const ids = Array.from({ length: n }, (_, i) => `C${String(i).padStart(3, '0')}`);
  return {
    ids,
    deps: new Map(ids.map((id, i) => [id, i ? [ids[i - 1]!] : []])),
    ms: new Map(ids.map((id) => [id, 0])),
  };
}

/** Each task really takes its sleep plus the start of its process: the bound counts both. */
function lowerBound(dag: Dag, jobs: number, startupMs: number): { critical: number; work: number; bound: number } {
  const finish = new Map<string, number>();
  for (const id of dag.ids) {
    const start = Math.max(0, ...dag.deps.get(id)!.map((d) => finish.get(d)!));
    finish.set(id, start + dag.ms.get(id)! + startupMs);
  }
  const critical = Math.max(...finish.values());
  const work = [...dag.ms.values()].reduce((a, b) => a + b + startupMs, 0);
  return { critical, work, bound: Math.max(critical, work / jobs) };
}

function writeFixtures(dir: string, dag: Dag): { manifest: string; durations: string } {
  const manifest = join(dir, 'tasks.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      // The estimate is what a spec author would write; it lets Ralph put the long chains first.
      tasks: dag.ids.map((id) => ({ task_id: id, title: `sleep ${dag.ms.get(id)} ms`, depends_on_tasks: dag.deps.get(id), parallel: true, estimated_minutes: dag.ms.get(id)! / 60_000 })),
    }),
  );
  const durations = join(dir, 'durations.txt');
  writeFileSync(durations, dag.ids.map((id) => `${id} ${(dag.ms.get(id)! / 1000).toFixed(3)}\n`).join(''));
  return { manifest, durations };
}

async function runRalph(dag: Dag, jobs: number, mode: RunMode): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-bench-'));
  try {
    const { manifest, durations } = writeFixtures(dir, dag);
    const { readFileSync } = await import('node:fs');
    const plan = planSpec(parseManifest(readFileSync(manifest, 'utf8'), { path: manifest }), { maxConcurrent: jobs });
    const cancel = new CancellationSource();
    const started = performance.now();
    const summary = await runPlan(
      plan,
      {
        executor: new ProcessExecutor({ preset: 'custom', command: `sh ${SLEEPER}`, env: { BENCH_DURATIONS: durations } }),
        verifier: new ShellVerifier(),
        state: new FileStateStore(join(dir, '.ralph-state.json')),
        progress: new FileProgressStore(dir),
        tasksFile: new FileTasksFile(manifest),
        git: new CliGitPort(dir),
        clock: { now: () => Date.now() },
        specDir: dir,
        cwd: dir,
      },
      { maxConcurrent: jobs, mode, commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 },
      cancel.token,
      () => undefined,
    );
    const elapsed = performance.now() - started;
    if (summary.succeeded !== dag.ids.length) throw new Error(`ralph ran ${summary.succeeded}/${dag.ids.length} tasks`);
    return elapsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runMake(dag: Dag, jobs: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-bench-make-'));
  try {
    const { durations } = writeFixtures(dir, dag);
    const rules = dag.ids.map(
      (id) => `${id}: ${dag.deps.get(id)!.join(' ')}\n\t@BENCH_DURATIONS=${durations} sh ${SLEEPER} ${id}\n`,
    );
    writeFileSync(join(dir, 'Makefile'), `.PHONY: all ${dag.ids.join(' ')}\nall: ${dag.ids.join(' ')}\n${rules.join('')}`);
    const started = performance.now();
    const r = spawnSync('make', ['-s', `-j${jobs}`, '-C', dir, 'all'], { encoding: 'utf8' });
    const elapsed = performance.now() - started;
    if (r.status !== 0) throw new Error(`make failed: ${r.stderr}`);
    return elapsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What one task process costs with nothing to do (a shell and sleep 0), measured here, now. */
function calibrateStartup(): number {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-bench-cal-'));
  try {
    const durations = join(dir, 'd.txt');
    writeFileSync(durations, 'x 0\n');
    const times: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t = performance.now();
      spawnSync('sh', [SLEEPER, 'x'], { env: { ...process.env, BENCH_DURATIONS: durations } });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function waveBound(dag: Dag, jobs: number, startupMs: number): number {
  // Levels run one after another; within a level, a list schedule on `jobs` slots.
  const level = new Map<string, number>();
  for (const id of dag.ids) level.set(id, Math.max(-1, ...dag.deps.get(id)!.map((d) => level.get(d)!)) + 1);
  const byLevel = new Map<number, number[]>();
  for (const id of dag.ids) byLevel.set(level.get(id)!, [...(byLevel.get(level.get(id)!) ?? []), dag.ms.get(id)! + startupMs]);
  let total = 0;
  for (const durations of byLevel.values()) {
    const slots = new Array<number>(jobs).fill(0);
    for (const d of durations.sort((a, b) => b - a)) {
      slots.sort((a, b) => a - b);
      slots[0]! += d;
    }
    total += Math.max(...slots);
  }
  return total;
}

async function main(): Promise<void> {
  const n = arg('tasks', 200);
  const jobs = arg('jobs', 4);
  const seed = arg('seed', 7);
  const dag = randomDag(n, seed, 100, 600);
  const startupMs = calibrateStartup();
  const lb = lowerBound(dag, jobs, startupMs);

  const make = runMake(dag, jobs);
  const dagMs = await runRalph(dag, jobs, 'dag');
  const wavesMs = await runRalph(dag, jobs, 'waves');

  const chain = chainDag(100);
  const makeChain = runMake(chain, 1);
  const ralphChain = await runRalph(chain, 1, 'dag');
  const overheadPerTask = (ralphChain - makeChain) / chain.ids.length;

  const row = (name: string, ms: number): string =>
    `| ${name.padEnd(37)} | ${(ms / 1000).toFixed(2).padStart(7)} s | ${(ms / lb.bound).toFixed(3).padStart(6)} × | ${(ms / make).toFixed(3).padStart(6)} × |`;
  console.log(`\nRun benchmark: ${n} sleeping tasks (100–600 ms), random DAG (seed ${seed}), ${jobs} slots`);
  console.log(`each task = its sleep + ${startupMs.toFixed(0)} ms of process start-up (measured); critical path ${(lb.critical / 1000).toFixed(2)} s, work / N ${(lb.work / jobs / 1000).toFixed(2)} s\n`);
  console.log(`| schedule                              |   makespan | ÷ bound | ÷ make |`);
  console.log(`| ------------------------------------- | ---------: | ------: | -----: |`);
  console.log(row('lower bound max(cp, work/N)', lb.bound));
  console.log(row(`make -j${jobs}`, make));
  console.log(row('ralph --mode dag', dagMs));
  console.log(row('ralph --mode waves', wavesMs));
  console.log(row('waves, ideal (levels, list-scheduled)', waveBound(dag, jobs, startupMs)));
  console.log(`\nPer-task overhead (chain of ${chain.ids.length} empty tasks, one slot): ralph ${(ralphChain / chain.ids.length).toFixed(1)} ms/task, make ${(makeChain / chain.ids.length).toFixed(1)} ms/task → Ralph's own overhead ${overheadPerTask.toFixed(1)} ms/task (goal < 15)`);
  console.log(`Goals: ralph dag ≤ 1.05 × bound: ${dagMs <= 1.05 * lb.bound ? 'met' : 'NOT met'} · no worse than make: ${dagMs <= make * 1.02 ? 'met' : 'NOT met'}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
