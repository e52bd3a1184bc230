// Git lock files a killed git left behind: removed when stale, waited for when held, and never a
// dead end for a run or `ralph clean`.

import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliGitPort } from '../../src/node/git';
import { lockInTheWay, ralphLockContent, removeIfStale } from '../../src/node/gitLocks';
import { GitWorktrees } from '../../src/node/worktree';
import { main } from '../../src/node/cli/main';
import { makeRepo, type Repo } from './e2e-helpers';

const SPEC = 'specs/feat';

/** A lock file as a killed git leaves it: there, and `ageMs` old. */
function leaveLock(file: string, ageMs = 5_000): void {
  writeFileSync(file, '');
  const then = (Date.now() - ageMs) / 1000;
  utimesSync(file, then, then);
}

describe('git locks left by a killed git', function () {
  this.timeout(30_000);
  const repos: Repo[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    children.splice(0).forEach((c) => c.kill('SIGKILL'));
    repos.splice(0).forEach((r) => r.cleanup());
  });
  const repo = (): Repo => {
    const r = makeRepo({ [`${SPEC}/tasks.md`]: '- [ ] 1 One\n', 'a.txt': 'a\n' });
    repos.push(r);
    return r;
  };

  it('reads the lock out of git\'s message', () => {
    assert.equal(lockInTheWay("fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process…"), '/r/.git/index.lock');
    assert.equal(lockInTheWay("error: cannot lock ref 'refs/heads/x': Unable to create '/r/.git/refs/heads/x.lock': File exists."), '/r/.git/refs/heads/x.lock');
    assert.equal(lockInTheWay('error: could not delete reference refs/heads/x: unable to create file /r/.git/packed-refs.new: File exists'), '/r/.git/packed-refs.new');
    assert.equal(lockInTheWay('fatal: not a git repository'), undefined);
  });

  it('a stale index.lock: the commit removes it and goes through', async () => {
    const r = repo();
    leaveLock(join(r.dir, '.git', 'index.lock'));
    r.write('b.txt', 'new\n');
    const hash = await new CliGitPort(r.dir).commit('add b', { exclude: new Set() });
    assert.ok(hash, 'committed');
    assert.equal(r.git('log', '-1', '--format=%s').trim(), 'add b');
    assert.ok(!existsSync(join(r.dir, '.git', 'index.lock')));
  });

  it('a stale packed-refs.lock and index.lock: a task worktree is set up and merged', async () => {
    const r = repo();
    const wt = new GitWorktrees({ repoDir: r.dir, specName: 'feat', bookkeeping: [join(r.dir, SPEC, 'tasks.md')] });
    r.git('pack-refs', '--all');
    leaveLock(join(r.dir, '.git', 'packed-refs.lock'));
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'one.txt'), '1\n');
    const tip = await wt.commitWork(w, 'one');
    leaveLock(join(r.dir, '.git', 'index.lock'));
    // The branch's own lock: update-ref's exit 128 is also its "the branch moved" answer.
    leaveLock(join(r.dir, '.git', 'refs', 'heads', 'main.lock'));
    const merged = await wt.merge(tip, 'one', { exclude: new Set() });
    assert.equal(merged.kind, 'merged', JSON.stringify(merged));
    leaveLock(join(r.dir, '.git', 'packed-refs.lock'));
    leaveLock(join(r.dir, '.git', 'packed-refs.new'));
    await wt.remove(w);
    assert.equal(r.read('one.txt'), '1\n');
  });

  it('a commit the user makes while Ralph commits: Ralph commits again onto the new tip; a killed commit\'s temp index goes', async () => {
    const r = repo();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid ?? 0;
    leaveLock(join(r.dir, '.git', `next-index-${dead}.lock`));
    // The first time, a hook moves HEAD behind git's back, as a user's commit in another
    // terminal would between git reading HEAD and updating it.
    writeFileSync(
      join(r.dir, '.git', 'hooks', 'pre-commit'),
      '#!/bin/sh\n[ -e .git/moved ] && exit 0\ntouch .git/moved\nc=$(git commit-tree HEAD^{tree} -p HEAD -m "user commit")\ngit update-ref HEAD "$c"\n',
      { mode: 0o755 },
    );
    r.write('b.txt', 'new\n');
    const hash = await new CliGitPort(r.dir).commit('add b', { exclude: new Set() });
    assert.ok(hash);
    assert.deepEqual(r.git('log', '--format=%s').trim().split('\n').slice(0, 2), ['add b', 'user commit']);
    assert.equal(r.git('show', 'HEAD:b.txt'), 'new\n');
    assert.ok(!existsSync(join(r.dir, '.git', `next-index-${dead}.lock`)), 'the dead commit\'s temp index is gone');
  });

  it('`ralph clean` with a stale lock: cleans, no internal error', async () => {
    const r = repo();
    const wt = new GitWorktrees({ repoDir: r.dir, specName: 'feat', recycle: false });
    const w = await wt.prepare('1');
    await wt.commitWork(w, 'nothing');
    leaveLock(join(r.dir, '.git', 'packed-refs.lock'));
    leaveLock(join(r.dir, '.git', 'index.lock'));
    let out = '';
    let err = '';
    const code = await main(['clean', join(r.dir, SPEC), '--yes'], {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      cwd: r.dir,
      env: process.env,
    });
    assert.equal(code, 0, out + err);
    assert.doesNotMatch(out + err, /internal error/);
    assert.equal(r.git('branch', '--list', 'ralph/*').trim(), '', out + err);
  });

  it('a lock Ralph holds itself (the merge\'s index.lock) is never taken for stale while its process lives', async () => {
    const r = repo();
    const lock = join(r.dir, '.git', 'index.lock');
    writeFileSync(lock, ralphLockContent(process.pid));
    assert.equal(await removeIfStale(lock, r.dir, Date.now() + 60_000), false);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid ?? 0;
    writeFileSync(lock, ralphLockContent(dead));
    assert.equal(await removeIfStale(lock, r.dir, Date.now() + 60_000), true, 'its Ralph is gone: stale');
  });

  it('a lock that is young, or held by a git working in the repository, stays', async function () {
    const r = repo();
    const lock = join(r.dir, '.git', 'index.lock');
    leaveLock(lock, 0);
    assert.equal(await removeIfStale(lock, r.dir), false, 'a second-old lock may be in use');
    assert.ok(existsSync(lock));
    if (!existsSync('/proc/self/comm')) this.skip();
    // A process named git whose working folder is the repository: the holder, for all Ralph knows.
    const bin = mkdtempSync(join(tmpdir(), 'ralph-fake-git-'));
    symlinkSync('/bin/sleep', join(bin, 'git'));
    const holder = spawn(join(bin, 'git'), ['30'], { cwd: r.dir, stdio: 'ignore' });
    children.push(holder);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await removeIfStale(lock, r.dir, Date.now() + 60_000), false, 'held by a running git');
    assert.ok(existsSync(lock));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    assert.equal(await removeIfStale(lock, r.dir, Date.now() + 60_000), true, 'its git is gone: stale');
    assert.ok(!existsSync(lock));
    rmSync(bin, { recursive: true, force: true });
  });
});
