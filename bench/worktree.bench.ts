// Worktree isolation benchmark: `node --import tsx bench/worktree.bench.ts [files] [tasks]`.
// What one task costs Ralph in worktree mode — set-up (git worktree add, includes copied),
// committing its work on its branch, merging it into the user's branch, removing the worktree —
// on a generated repository of ~3 000 files, against baselines measured in the same run on the
// same repository: `git status`, and a plain checkout of the whole tree into an empty folder
// (the file-writing floor any isolated copy has to pay).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GitWorktrees } from '../src/node/worktree';

const FILES = Number(process.argv[2] ?? 3000);
const TASKS = Number(process.argv[3] ?? 8);

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function timeAsync<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await f();
  return { ms: performance.now() - start, value };
}

function timeSync(f: () => void): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

/** A repository shaped like a mid-sized project: folders of source files of a few hundred bytes
 *  to a few KB, a spec folder, an ignored .env. */
function generateRepo(files: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-wt-bench-'));
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < files; i++) {
    const path = join(dir, 'src', `pkg${i % 60}`, `mod${Math.floor(i / 60) % 8}`, `file${i}.ts`);
    mkdirSync(dirname(path), { recursive: true });
    const lines = 10 + Math.floor(rand() * 90);
    writeFileSync(path, Array.from({ length: lines }, (_, l) => `export const v${l} = ${Math.floor(rand() * 1e6)}; // line ${l} of ${i}`).join('\n') + '\n');
  }
  mkdirSync(join(dir, 'specs', 'bench'), { recursive: true });
  writeFileSync(join(dir, 'specs', 'bench', 'tasks.md'), Array.from({ length: TASKS }, (_, t) => `- [ ] 1.${t + 1} [P] Task ${t + 1}\n`).join(''));
  writeFileSync(join(dir, '.gitignore'), '.env\n');
  writeFileSync(join(dir, '.env'), 'TOKEN=bench\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ralph Bench');
  git(dir, 'config', 'user.email', 'bench@ralph.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'generated');
  return dir;
}

async function main(): Promise<void> {
  const repo = generateRepo(FILES);
  try {
    const tracked = git(repo, 'ls-files').split('\n').filter(Boolean).length;
    // Warm the object store and the index's stat cache, as a repository in use would be.
    git(repo, 'status', '--porcelain');

    // Baselines are measured inside the task loop, right before each task, so load from other
    // processes on the machine weighs on both sides of every ratio alike.
    const statusRuns: number[] = [];
    const checkoutRuns: number[] = [];
    const baseline = (): void => {
      statusRuns.push(timeSync(() => git(repo, 'status', '--porcelain')));
      const into = mkdtempSync(join(tmpdir(), 'ralph-wt-bench-co-'));
      checkoutRuns.push(timeSync(() => git(repo, `--work-tree=${into}`, 'checkout', 'HEAD', '--', '.')));
      rmSync(into, { recursive: true, force: true });
      // `checkout --work-tree` also rewrites the main index's stat data: put it back.
      git(repo, 'reset', '-q');
    };

    const specDir = join(repo, 'specs', 'bench');
    const worktrees = new GitWorktrees({
      repoDir: repo,
      specName: 'bench',
      include: ['.env'],
      bookkeeping: [join(specDir, 'tasks.md'), join(specDir, '.progress.md')],
    });
    const setup: number[] = [];
    const commit: number[] = [];
    const merge: number[] = [];
    const remove: number[] = [];
    let progress = '';
    for (let t = 1; t <= TASKS; t++) {
      baseline();
      const id = `1.${t}`;
      const prepared = await timeAsync(() => worktrees.prepare(id));
      setup.push(prepared.ms);
      const wt = prepared.value;
      // The agent's work: one file changed, one added.
      writeFileSync(join(wt.path, 'src', `pkg${t}`, 'mod0', `file${t}.ts`), `export const changedBy = '${id}';\n`);
      writeFileSync(join(wt.path, 'src', `new-${t}.ts`), `export const added = '${id}';\n`);
      const committed = await timeAsync(() => worktrees.commitWork(wt, `ralph: ${id} — Task ${t}`));
      commit.push(committed.ms);
      const merged = await timeAsync(() =>
        worktrees.merge(committed.value, `ralph: ${id} — Task ${t}`, {
          exclude: new Set(),
          beforeCommit: async () => {
            progress += `- [x] ${id}\n`;
            writeFileSync(join(specDir, '.progress.md'), `## Completed Tasks\n${progress}`);
          },
        }),
      );
      if (merged.value.kind !== 'merged') throw new Error(`task ${id} did not merge: ${JSON.stringify(merged.value)}`);
      merge.push(merged.ms);
      remove.push((await timeAsync(() => worktrees.remove(wt))).ms);
    }
    const commits = Number(git(repo, 'rev-list', '--count', 'HEAD').trim());
    if (commits !== TASKS + 1) throw new Error(`expected ${TASKS + 1} commits, found ${commits}`);
    if (git(repo, 'status', '--porcelain').trim() !== '') throw new Error('the main tree is not clean after the merges');

    const status = median(statusRuns);
    const checkout = median(checkoutRuns);
    const perTask = median(setup) + median(commit) + median(merge) + median(remove);
    const rows: [string, number, string][] = [
      ['baseline: git status', status, '1.00 × status'],
      ['baseline: plain checkout of the tree', checkout, `${(checkout / status).toFixed(2)} × status`],
      ['set-up (worktree add + .env copied)', median(setup), `${(median(setup) / checkout).toFixed(2)} × checkout`],
      ['commit on the task branch', median(commit), `${(median(commit) / status).toFixed(2)} × status`],
      ['merge into main (merge-tree, commit, update-ref, read-tree)', median(merge), `${(median(merge) / status).toFixed(2)} × status`],
      ['remove worktree and branch', median(remove), `${(median(remove) / status).toFixed(2)} × status`],
      ['whole cost per task', perTask, `${(perTask / checkout).toFixed(2)} × checkout`],
    ];
    // Pairwise: each task's set-up against the checkout measured just before it.
    const pairs = setup.map((ms, i) => ms / (checkoutRuns[i] ?? ms));
    console.log(`repository: ${tracked} tracked files; ${TASKS} tasks, one after another; medians in ms`);
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [what, ms, ratio] of rows) console.log(`${what.padEnd(width)}  ${ms.toFixed(1).padStart(8)} ms   ${ratio}`);
    console.log(`set-up ÷ the checkout just before it, per task: median ${median(pairs).toFixed(2)} × (min ${Math.min(...pairs).toFixed(2)}, max ${Math.max(...pairs).toFixed(2)})`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
