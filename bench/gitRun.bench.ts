// What Ralph's one git runner (src/node/gitRun.ts) adds to each git command: the environment
// it cleans, the lock recovery around it, reading the output. Baseline, in the same run: the same
// command started with a bare child_process.spawn. A worktree merge runs about ten git commands,
// several of them silent (`update-ref`, `read-tree`, `add`), so a fixed delay per command shows
// up in every task (simple-git's 50 ms after a silent command doubled a soak round). Goal: the
// runner within 1.5× of a bare spawn, for silent and printing commands alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../src/node/gitRun';

const repo = mkdtempSync(join(tmpdir(), 'ralph-bench-git-'));
const bare = (args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn('git', args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve());
  });

async function median(run: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  try {
    await git(repo, ['init', '--quiet']);
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    await git(repo, ['add', 'a.txt']);
    await git(repo, ['-c', 'user.name=b', '-c', 'user.email=b@b.invalid', 'commit', '--quiet', '-m', 'a']);
    const cases: [string, string[]][] = [
      ['silent (git diff --quiet)', ['diff', '--quiet']],
      ['printing (git rev-parse HEAD)', ['rev-parse', 'HEAD']],
    ];
    console.log('git command                      runner ms   bare spawn ms   ratio   goal');
    for (const [name, args] of cases) {
      await median(() => git(repo, args), 5);
      await median(() => bare(args), 5);
      const base = await median(() => bare(args), 40);
      const ours = await median(() => git(repo, args), 40);
      const ratio = ours / base;
      console.log(`${name.padEnd(32)} ${ours.toFixed(2).padStart(9)} ${base.toFixed(2).padStart(15)} ${ratio.toFixed(2).padStart(7)}×  ${ratio <= 1.5 ? 'met' : 'MISSED'} (≤ 1.5×)`);
    }
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

void main();
