// What a runner costs per task, and what a second engine buys.
//
// 1. Per-task overhead, beside a local task in the same run: one attempt of an agent that
//    writes one file, through the real process executor, split into start + code in (launch),
//    the agent's own run, and code out + clean-up (finish). Runners: local (a process here),
//    docker (this machine's engine, worktree mounted), docker on a second engine (code by git
//    bundles). Goal: a container task within a few hundred ms of a local one on this machine's
//    engine; the bundle path is reported, not judged (its cost grows with the repository).
// 2. Makespan of 40 sleeping tasks (`sleep 2`, all parallel) with `ralph run`: one engine with
//    4 slots vs two engines with 4 slots each. Goal: two engines clearly faster (ratio < 0.75).
//
// Needs the engines and images of scripts/docker/ (`node scripts/docker/engines.mjs start &&
// node scripts/docker/images.mjs none`); without them it says so and measures nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import names from '../scripts/docker/names.json';
import { DockerLauncher } from '../src/node/runners/docker';
import { parseRunnerSpec, DEFAULT_CONTAINER_OPTIONS } from '../src/core/runners';
import { runProcess } from '../src/node/executor/process';
import type { ExecutorRequest } from '../src/core/ports';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const IMAGE = names.baseImage;
const SECOND = names.secondHost;

function sh(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function engineUp(host?: string): boolean {
  const r = spawnSync('docker', [...(host ? ['-H', host] : []), 'image', 'inspect', IMAGE], { encoding: 'utf8' });
  return r.status === 0;
}

function makeRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-bench-runner-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  sh(dir, 'git', ['init', '-q', '-b', 'main']);
  sh(dir, 'git', ['-c', 'user.name=b', '-c', 'user.email=b@b.invalid', 'add', '-A']);
  sh(dir, 'git', ['-c', 'user.name=b', '-c', 'user.email=b@b.invalid', 'commit', '-qm', 'start']);
  return dir;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function attempt(where: string | undefined, repo: string, n: number): Promise<{ launch: number; agent: number; finish: number; total: number }> {
  const branch = `bench-${n}-${where ?? 'local'}`.replace(/[^A-Za-z0-9-]/g, '-');
  const wt = join(repo, '..', `${branch}-${process.pid}`);
  sh(repo, 'git', ['worktree', 'add', '-q', '-b', branch, wt]);
  const promptFile = join(tmpdir(), `ralph-bench-prompt-${process.pid}.md`);
  writeFileSync(promptFile, 'write the file\n');
  const request = { task: { id: `b${n}`, index: n, title: 'bench', files: ['out.txt'] }, attempt: 1, prompt: '', specDir: repo, progressFile: join(wt, '.progress-task-b.md'), cwd: wt, runId: 'bench' } as unknown as ExecutorRequest;
  const args = ['-c', 'echo done > out.txt'];
  const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };
  const t0 = performance.now();
  try {
    if (where === 'local') {
      const o = await runProcess({ command: 'sh', args, cwd: wt, env: process.env }, token);
      const t1 = performance.now();
      if (o.exitCode !== 0) throw new Error('local agent failed');
      return { launch: 0, agent: t1 - t0, finish: 0, total: t1 - t0 };
    }
    const launcher = new DockerLauncher(parseRunnerSpec(where === 'main' ? 'docker' : `docker@${SECOND}`), { ...DEFAULT_CONTAINER_OPTIONS, network: 'off', image: IMAGE });
    const launched = await launcher.launch({ command: 'sh', args, env: process.env, passNames: [], cwd: wt, promptFile, promptOnStdin: false, request, agentId: `bench-${n}` });
    const t1 = performance.now();
    const o = await runProcess({ command: launched.command, args: launched.args, cwd: launched.cwd, env: launched.env }, token);
    const t2 = performance.now();
    const report = await launched.finish(o);
    const t3 = performance.now();
    if (o.exitCode !== 0 || report.lost) throw new Error(`container agent failed: ${o.outputTail} ${report.lost ?? ''}`);
    if (readFileSync(join(wt, 'out.txt'), 'utf8') !== 'done\n') throw new Error('the work did not come back');
    return { launch: t1 - t0, agent: t2 - t1, finish: t3 - t2, total: t3 - t0 };
  } finally {
    sh(repo, 'git', ['worktree', 'remove', '--force', wt]);
  }
}

function sleepySpec(n: number): string {
  const lines = ['# Tasks', ''];
  for (let i = 1; i <= n; i++) lines.push(`- [ ] 1.${i} [P] Sleep ${i}`, '');
  return lines.join('\n');
}

function makespan(runners: string[]): number {
  const repo = makeRepo({ 'README.md': '# bench\n', 'specs/s/tasks.md': sleepySpec(40) });
  try {
    const started = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'run', 'specs/s', '--agent', 'sleep 2', '--isolation', 'worktree', '--json', '--image', IMAGE, '--network', 'off', ...runners.flatMap((x) => ['--runner', x])], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, RALPH_WORKTREES_DIR: `${repo}-wt`, RALPH_LOGS_DIR: `${repo}-logs` },
      maxBuffer: 64 << 20,
    });
    const ms = performance.now() - started;
    if (r.status !== 0) throw new Error(`ralph run failed: ${r.stderr.slice(-2000)}`);
    return ms;
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(`${repo}-wt`, { recursive: true, force: true });
    rmSync(`${repo}-logs`, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!engineUp()) {
    console.log(`no Docker engine with ${IMAGE}: run node scripts/docker/engines.mjs start && node scripts/docker/images.mjs none — nothing measured`);
    return;
  }
  const second = engineUp(SECOND);
  const repo = makeRepo({ 'README.md': '# bench\n', 'src/a.txt': 'a\n' });
  try {
    const rows: [string, string | undefined][] = [['local', 'local'], ['docker', 'main'], ...(second ? ([['docker@second', 'second']] as [string, string][]) : [])];
    const results = new Map<string, { launch: number; agent: number; finish: number; total: number }>();
    let n = 0;
    for (const [name, where] of rows) {
      await attempt(where, repo, n++); // warm-up
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(await attempt(where, repo, n++));
      results.set(name, { launch: median(runs.map((r) => r.launch)), agent: median(runs.map((r) => r.agent)), finish: median(runs.map((r) => r.finish)), total: median(runs.map((r) => r.total)) });
    }
    const local = results.get('local')?.total ?? 1;
    console.log('runner          start+in ms   agent ms   out+clean ms   total ms   × local   extra ms');
    for (const [name, r] of results) {
      console.log(`${name.padEnd(15)} ${r.launch.toFixed(0).padStart(11)} ${r.agent.toFixed(0).padStart(10)} ${r.finish.toFixed(0).padStart(14)} ${r.total.toFixed(0).padStart(10)} ${(r.total / local).toFixed(1).padStart(8)}× ${(r.total - local).toFixed(0).padStart(9)}`);
    }
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
  if (!second) {
    console.log(`the second engine (${SECOND}) is not running: the makespan comparison is skipped`);
    return;
  }
  const one = makespan(['docker,slots=4']);
  const two = makespan(['docker,slots=4', `docker@${SECOND},slots=4`]);
  console.log(`40 tasks of sleep 2: one engine ×4 ${(one / 1000).toFixed(1)} s, two engines ×4 each ${(two / 1000).toFixed(1)} s: ratio ${(two / one).toFixed(2)} (goal < 0.75)`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
