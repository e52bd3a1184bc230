// Worktree isolation benchmark: `node --import tsx bench/worktree.bench.ts [files] [tasks]`.
// What one task costs Ralph in worktree mode — set-up (git worktree add, includes copied),
// committing its work on its branch, merging it into the user's branch, removing the worktree —
// on a generated repository of ~3 000 files, against baselines measured in the same run on the
// same repository: `git status`, and a plain checkout of the whole tree into an empty folder
// (the file-writing floor any fresh isolated copy has to pay). The first task gets a fresh
// worktree; the next ones a recycled one (a merged task's checkout switched to the new branch),
// which is the point of recycling: shown both ways, and once more with recycling off.

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
  // The task worktrees of this throwaway repository: in a temp folder of their own (outside the
  // repository, as in real use), not in the user's ~/.local/state.
  const worktreesHome = mkdtempSync(join(tmpdir(), 'ralph-wt-bench-home-'));
  process.env.RALPH_WORKTREES_DIR = worktreesHome;
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
    const measure = async (recycle: boolean, from: number) => {
      const worktrees = new GitWorktrees({
        repoDir: repo,
        specName: 'bench',
        include: ['.env'],
        bookkeeping: [join(specDir, 'tasks.md'), join(specDir, '.progress.md')],
        recycle,
      });
      const setup: number[] = [];
      const commit: number[] = [];
      const merge: number[] = [];
      const remove: number[] = [];
      for (let t = from; t < from + TASKS; t++) {
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
      const closeMs = (await timeAsync(() => worktrees.close())).ms;
      return { setup, commit, merge, remove, closeMs };
    };

    let progress = '';
    const recycled = await measure(true, 1);
    const fresh = await measure(false, TASKS + 1);
    const commits = Number(git(repo, 'rev-list', '--count', 'HEAD').trim());
    if (commits !== 2 * TASKS + 1) throw new Error(`expected ${2 * TASKS + 1} commits, found ${commits}`);
    if (git(repo, 'status', '--porcelain').trim() !== '') throw new Error('the main tree is not clean after the merges');
    if (git(repo, 'worktree', 'list').trim().split('\n').length !== 1) throw new Error('worktrees left behind');

    const status = median(statusRuns);
    const checkout = median(checkoutRuns);
    const x = (ms: number, base: number, name: string) => `${(ms / base).toFixed(2)} × ${name}`;
    const recycledSetup = median(recycled.setup.slice(1));
    const perTaskRecycled = recycledSetup + median(recycled.commit) + median(recycled.merge) + median(recycled.remove);
    const perTaskFresh = median(fresh.setup) + median(fresh.commit) + median(fresh.merge) + median(fresh.remove);
    const rows: [string, number, string][] = [
      ['baseline: git status', status, '1.00 × status'],
      ['baseline: plain checkout of the whole tree', checkout, x(checkout, status, 'status')],
      ['set-up, fresh worktree (worktree add, .env copied)', median(fresh.setup), x(median(fresh.setup), checkout, 'checkout')],
      ['set-up, recycled worktree (move, checkout -B, clean)', recycledSetup, x(recycledSetup, status, 'status')],
      ['commit on the task branch', median(recycled.commit), x(median(recycled.commit), status, 'status')],
      ['merge (merge-tree, commit-tree, update-ref, read-tree)', median(recycled.merge), x(median(recycled.merge), status, 'status')],
      ['remove: keep as a spare (detach, move)', median(recycled.remove), x(median(recycled.remove), status, 'status')],
      ['remove: delete worktree and branch', median(fresh.remove), x(median(fresh.remove), status, 'status')],
      ['whole cost per task, recycling (default)', perTaskRecycled, x(perTaskRecycled, checkout, 'checkout')],
      ['whole cost per task, no recycling', perTaskFresh, x(perTaskFresh, checkout, 'checkout')],
      ['end of run: spares removed (once)', recycled.closeMs, x(recycled.closeMs, checkout, 'checkout')],
    ];
    console.log(`repository: ${tracked} tracked files; ${TASKS} tasks one after another, each way; medians in ms`);
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [what, ms, ratio] of rows) console.log(`${what.padEnd(width)}  ${ms.toFixed(1).padStart(8)} ms   ${ratio}`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(worktreesHome, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
