// What each real agent CLI costs per task beside Ralph's own overhead:
//
//   node --import tsx bench/agents.bench.ts [--reps 3] [--only claude,codex] [--no-four]
//
// Ralph runs as a user runs it (`node dist/cli.js run specs/demo --agent <cli> --json
// --isolation worktree`, in a temp git repository), each pinned CLI (scripts/agent-clis/setup.mjs)
// talking to the scripted model server of the conformance tests (test/agents/), which answers at
// once: one write per file the task names, one for the progress notes, then the answer. So what a
// run costs beyond the baseline is the CLI itself — its start-up and its agent loop — and no
// model time.
//
// The baseline, measured in the same run, interleaved with the CLIs: Ralph running the very same
// spec with a custom command that does the same writes in sh (reads the prompt on stdin, writes
// each "Create `path` containing `text`", writes the progress notes). Not `--agent true`: Verify
// would fail and there would be nothing to commit or merge. Not the demo agent: it is a Node
// process, so its Node start-up (75–160 ms here) would be counted as Ralph's. With sh the baseline is
// Ralph's own per-task cost (its start, worktree set-up, prompt, Verify, commit, merge, state)
// plus a few ms of shell.
//
// Besides, each CLI's bare start-up (`<cli> --version`, same environment), to tell process
// start-up from the agent loop. The first run in a fresh HOME is a warm-up and not counted
// (it is shown: CLIs do first-run set-up there).

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ScriptedModelServer } from '../test/agents/modelServer';
import { HARNESSES, type CliHarness } from '../test/agents/clis';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const REPS = Number(arg('reps') ?? 3);
const ONLY = arg('only')?.split(',');
const FOUR = !process.argv.includes('--no-four');

const task = (n: number, name: string, parallel: boolean): string =>
  `- [ ] 1.${n} ${parallel ? '[P] ' : ''}Write the ${name} file
  - **Do**: Create \`src/${name}.txt\` containing \`${name}\`.
  - **Files**: src/${name}.txt
  - **Verify**: \`grep -q ${name} src/${name}.txt\`
`;
const NAMES = ['alpha', 'beta', 'gamma', 'delta'];
const spec = (n: number): string =>
  `# Tasks\n\n## Phase 1: Files\n\n${NAMES.slice(0, n).map((name, i) => task(i + 1, name, n > 1)).join('')}`;

/** The baseline agent: the scripted model's writes, done by sh. */
const SH_AGENT = `#!/bin/sh
prompt=$(cat)
printf '%s\\n' "$prompt" | sed -n 's/.*Create \`\\([^\`]*\\)\` containing \`\\([^\`]*\\)\`.*/\\1 \\2/p' |
while read -r path text; do mkdir -p "$(dirname "$path")"; printf '%s\\n' "$text" > "$path"; done
printf '## Completed Tasks\\n- [x] %s %s\\n' "$RALPH_TASK_ID" "$RALPH_TASK_TITLE" > "$RALPH_PROGRESS_FILE"
echo "Done: task $RALPH_TASK_ID"
`;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function makeRepo(tasksMd: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-agents-bench-'));
  for (const [p, t] of Object.entries({ 'README.md': '# demo\n', 'src/.keep': '', 'specs/demo/tasks.md': tasksMd })) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), t);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ralph Bench');
  git(dir, 'config', 'user.email', 'bench@ralph.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** dist/cli.js, rebuilt when missing or older than a source file (alone, the bench builds itself). */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest(join(ROOT, 'src'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

interface Contender {
  readonly name: string;
  readonly agent: string;
  readonly pathFirst?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly harness?: CliHarness;
  server?: ScriptedModelServer;
  warmupMs?: number;
  startupMs?: number;
  readonly runs: Map<number, { wall: number[]; cpu: number[] }>;
  failed?: string;
}

interface Run {
  readonly wall: number;
  /** User + system CPU of Ralph and everything it started (from /usr/bin/time), when available. */
  readonly cpu: number;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

let worktreesHome = '';

function runRalph(c: Contender, tasks: number, concurrency: number): Promise<Run> {
  const repo = makeRepo(spec(tasks));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...c.env,
    PATH: [c.pathFirst, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean).join(':'),
    RALPH_WORKTREES_DIR: worktreesHome,
    RALPH_LOGS_DIR: join(worktreesHome, 'logs'),
    NO_COLOR: '1',
  };
  const args = [CLI, 'run', 'specs/demo', '--agent', c.agent, '--json', '--isolation', 'worktree', '--max-concurrent', String(concurrency), '--max-task-iterations', '1', '--timeout', '90s'];
  return new Promise<Run>((done, fail) => {
    const started = performance.now();
    const [command, argv] = TIME ? [TIME, ['-f', 'RALPH_BENCH_CPU %U %S', process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(command, argv, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      const wall = performance.now() - started;
      clearTimeout(guard);
      try {
        const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; status?: string; reason?: string });
        const finished = events.filter((e) => e.type === 'taskFinished');
        const ok = finished.filter((e) => e.status === 'succeeded');
        if (code !== 0 || ok.length !== tasks) {
          const why = finished.find((e) => e.status !== 'succeeded')?.reason ?? err.trim().split('\n').pop() ?? `exit ${code}`;
          throw new Error(`${ok.length}/${tasks} tasks succeeded (exit ${code}): ${why}`);
        }
        const committed = git(repo, 'ls-tree', '--name-only', 'HEAD', 'src/').split('\n').filter((l) => l.endsWith('.txt')).length;
        if (committed !== tasks) throw new Error(`${committed}/${tasks} files committed`);
        const cpu = /RALPH_BENCH_CPU ([\d.]+) ([\d.]+)/.exec(err);
        done({ wall, cpu: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN });
      } catch (e) {
        fail(e);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    });
  });
}

function bareStartup(c: Contender): number {
  const bin = c.harness!.bin;
  const env = { ...process.env, ...c.env, PATH: [dirname(bin), dirname(process.execPath), '/usr/bin', '/bin'].join(':') };
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(bin, ['--version'], { env, encoding: 'utf8', timeout: 30_000 });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${c.name} --version exited ${r.status}: ${r.stderr.trim().slice(0, 200)}`);
  }
  return median(times.slice(1)); // the first pays for a cold page cache
}

function nodeStartup(): number {
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t);
  }
  return median(times.slice(1));
}

async function main(): Promise<void> {
  ensureBuilt();
  worktreesHome = mkdtempSync(join(tmpdir(), 'ralph-agents-bench-wt-'));
  // The agents' HOMEs: not under /tmp, whose world-writable mode makes Gemini CLI skip the
  // settings file (it checks every parent folder). Gitignored, beside the pinned CLIs.
  const homes = join(ROOT, '.agent-clis', 'homes');
  mkdirSync(homes, { recursive: true, mode: 0o700 });
  const scratch = mkdtempSync(join(homes, 'bench-'));
  const contenders: Contender[] = [];
  const skipped: string[] = [];
  const t0 = performance.now();
  try {
    const agentFile = join(scratch, 'sh-agent.sh');
    writeFileSync(agentFile, SH_AGENT);
    chmodSync(agentFile, 0o755);
    const baseline: Contender = { name: 'baseline (sh agent)', agent: `sh ${agentFile}`, env: {}, runs: new Map() };
    contenders.push(baseline);

    for (const h of HARNESSES) {
      if (ONLY && !ONLY.includes(h.name)) continue;
      if (!existsSync(h.bin)) {
        skipped.push(`${h.name}: not installed (${h.bin} missing; run node scripts/agent-clis/setup.mjs)`);
        continue;
      }
      const server = new ScriptedModelServer({ handlers: h.handlers, lifetimeMs: 10 * 60_000 });
      const baseUrl = await server.start();
      const home = join(scratch, h.name);
      mkdirSync(home, { recursive: true });
      const env = { ...(await h.environment({ baseUrl, home, loggedIn: true })) };
      contenders.push({ name: h.name, agent: h.name, pathFirst: dirname(h.bin), env, harness: h, server, runs: new Map() });
    }

    const nodeMs = nodeStartup();
    for (const c of contenders.slice(1)) {
      try {
        c.startupMs = bareStartup(c);
        // Warm-up in the fresh HOME (first-run set-up, page cache), not counted.
        c.warmupMs = (await runRalph(c, 1, 1)).wall;
      } catch (e) {
        c.failed = (e as Error).message;
      }
    }
    await runRalph(baseline, 1, 1);

    // Interleaved, so load from elsewhere on the machine weighs on the baseline and the CLIs alike.
    const shapes: [number, number, number][] = [[1, 1, REPS], ...(FOUR ? ([[4, 2, Math.max(1, REPS - 2)]] as [number, number, number][]) : [])];
    for (const [tasks, conc, reps] of shapes) {
      for (let r = 0; r < reps; r++) {
        for (const c of contenders) {
          if (c.failed) continue;
          try {
            const run = await runRalph(c, tasks, conc);
            const slot = c.runs.get(tasks) ?? { wall: [], cpu: [] };
            slot.wall.push(run.wall);
            slot.cpu.push(run.cpu);
            c.runs.set(tasks, slot);
          } catch (e) {
            c.failed = (e as Error).message;
            if (c === baseline) throw e;
          }
        }
      }
    }

    const totalS = (performance.now() - t0) / 1000;
    const f = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '—' : ms.toFixed(0));
    const fourReps = Math.max(1, REPS - 2);
    console.log(`\nAgent CLIs beside Ralph: worktree mode, the scripted model answering at once; medians of ${REPS} runs (4 tasks: ${fourReps})`);
    console.log(`node start-up (node -e 0) here: ${nodeMs.toFixed(0)} ms; whole bench ${totalS.toFixed(0)} s`);
    console.log(`ms / task = Ralph's wall time ÷ tasks; CLI's ms = that − the baseline's (Ralph's own overhead), and ÷ it; CPU = user + sys of Ralph and all it started (steadier than wall time on a shared machine)\n`);
    for (const [tasks, conc] of shapes) {
      const base = baseline.runs.get(tasks)!;
      const baseWall = median(base.wall) / tasks;
      const baseCpu = median(base.cpu) / tasks;
      const one = tasks === 1;
      const withRatio = (value: number, ratio: number): string => `${f(value)} (${ratio.toFixed(2)} ×)`;
      console.log(one ? 'one task:' : `${tasks} tasks [P], --max-concurrent ${conc}:`);
      console.log(`| agent               | ms / task | CLI's ms (÷ Ralph's) | CPU ms / task (CLI's ÷ Ralph's) |${one ? ' bare start-up | 1st run, fresh HOME |' : ''}`);
      console.log(`| ------------------- | --------: | -------------------: | ------------------------------: |${one ? ' ------------: | ------------------: |' : ''}`);
      for (const c of contenders) {
        const slot = c.runs.get(tasks);
        if (c.failed || !slot) {
          console.log(`| ${c.name.padEnd(19)} | failed: ${c.failed ?? 'no runs'} |`);
          continue;
        }
        const wall = median(slot.wall) / tasks;
        const cpu = median(slot.cpu) / tasks;
        const cost = c === baseline ? '—' : withRatio(wall - baseWall, (wall - baseWall) / baseWall);
        const cpuCell = c === baseline ? f(cpu) : withRatio(cpu, (cpu - baseCpu) / baseCpu);
        const extra = one
          ? ` ${(c.startupMs === undefined ? '—' : `${f(c.startupMs)} ms`).padStart(13)} | ${(c.warmupMs === undefined ? '—' : `${f(c.warmupMs)} ms`).padStart(19)} |`
          : '';
        console.log(`| ${c.name.padEnd(19)} | ${f(wall).padStart(9)} | ${cost.padStart(20)} | ${cpuCell.padStart(31)} |${extra}`);
      }
      console.log('');
    }
    for (const s of skipped) console.log(`skipped: ${s}`);
    if (contenders.some((c) => c.failed)) process.exitCode = 1;
  } finally {
    for (const c of contenders) await c.server?.close();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(worktreesHome, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
