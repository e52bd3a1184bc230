// GitWorktrees on real repositories in temp folders: set-up, commits on task branches, merges
// that never touch the user's uncommitted work, conflicts, crash recovery, removal.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, isAbsolute } from 'node:path';
import fc from 'fast-check';
import { GitWorktrees, REPO_MARKER, refSafeName, repoWorktreesRoot, worktreesHome } from '../../src/node/worktree';
import type { MergeHooks } from '../../src/core/ports';
import { makeRepo, WORKTREES_HOME, type Repo } from './e2e-helpers';

const SPEC = 'specs/feat';
const none: MergeHooks = { exclude: new Set() };

describe('worktree: names', () => {
  it('keeps plain ids and spec names as they are', () => {
    for (const id of ['1.2', 'T014', 'VE1', 'CONTENT_HASH--T01', 'feat-x']) assert.equal(refSafeName(id), id);
  });

  it('turns anything else into a valid, distinct ref component', () => {
    const seen = new Map<string, string>();
    for (const id of ['a/b', 'a_b', '..x', 'x.lock', '-x', 'x.', 'a b', 'ü', '', '@{1}', 'a..b']) {
      const name = refSafeName(id);
      assert.match(name, /^[A-Za-z0-9_][A-Za-z0-9._-]*$/, `${id} → ${name}`);
      assert.ok(!seen.has(name), `${id} and ${seen.get(name)} both → ${name}`);
      seen.set(name, id);
    }
    const r = spawnSync('git', ['check-ref-format', '--branch', `ralph/${refSafeName('..a/b.lock')}/${refSafeName('x.lock')}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('never yields a name git would reject, whatever the id (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        const n = refSafeName(id);
        // check-ref-format's rules for one component, and a safe folder name.
        return /^[A-Za-z0-9._-]+$/.test(n) && !n.startsWith('.') && !n.startsWith('-') && !n.includes('..') && !n.endsWith('.') && !n.endsWith('.lock');
      }),
      { numRuns: 500 },
    );
  });
});

describe('worktree: GitWorktrees on real repositories', function () {
  this.timeout(30_000);
  const repos: Repo[] = [];
  afterEach(() => repos.splice(0).forEach((r) => r.cleanup()));

  function repo(files: Record<string, string> = {}): { r: Repo; wt: GitWorktrees } {
    const r = makeRepo({
      [`${SPEC}/tasks.md`]: '- [ ] 1 One\n- [ ] 2 Two\n',
      'shared.txt': 'line 1\nline 2\nline 3\n',
      'notes.txt': 'the user\'s notes\n',
      '.gitignore': '.env\n',
      ...files,
    });
    repos.push(r);
    const wt = new GitWorktrees({
      repoDir: r.dir,
      specName: 'feat',
      include: ['.env', 'config/*.local'],
      bookkeeping: [join(r.dir, SPEC, 'tasks.md'), join(r.dir, SPEC, '.progress.md')],
    });
    return { r, wt };
  }

  const subjects = (r: Repo) => r.git('log', '--format=%s').trim().split('\n');

  it('sets a task up outside the working tree, on its own branch, with the included files copied', async () => {
    const { r, wt } = repo();
    r.write('.env', 'SECRET=1\n');
    r.write('config/dev.local', 'local config\n');
    r.write('config/other.txt', 'not included\n');
    const statusBefore = r.git('status', '--porcelain');
    const w = await wt.prepare('1.2');
    assert.equal(w.path, join(r.worktrees, 'feat', '1.2'), JSON.stringify(w));
    assert.equal(w.branch, 'ralph/feat/1.2');
    assert.equal(w.base, r.git('rev-parse', 'HEAD').trim());
    assert.equal(readFileSync(join(w.path, '.env'), 'utf8'), 'SECRET=1\n');
    assert.equal(readFileSync(join(w.path, 'config/dev.local'), 'utf8'), 'local config\n');
    assert.equal(existsSync(join(w.path, 'config/other.txt')), false);
    assert.equal(readFileSync(join(w.path, 'shared.txt'), 'utf8'), 'line 1\nline 2\nline 3\n');
    // The main tree does not see it: nothing new in its status.
    assert.equal(r.git('status', '--porcelain'), statusBefore);
  });

  it('commits the agent\'s work on the branch, never the copied-in files', async () => {
    const { r, wt } = repo();
    r.write('config/dev.local', 'local config\n');
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'feature.txt'), 'new\n');
    writeFileSync(join(w.path, 'config/dev.local'), 'edited by the agent\n');
    const tip = await wt.commitWork(w, 'feat: one\n\nTask 1: One');
    const files = spawnSync('git', ['show', '--name-only', '--format=%s', tip], { cwd: r.dir, encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual(files, ['feat: one', '', 'feature.txt'], JSON.stringify(files));
    assert.equal(r.git('rev-parse', 'ralph/feat/1').trim(), tip);
    // Nothing to commit: the tip stays.
    assert.equal(await wt.commitWork(w, 'again'), tip);
  });

  it('merges two tasks in the order asked, one commit each, leaving the user\'s uncommitted work byte for byte', async () => {
    const { r, wt } = repo();
    r.write('notes.txt', 'the user\'s notes, edited\r\nno final newline');
    r.write('scratch.txt', 'untracked\n');
    r.write('staged.txt', 'staged by the user\n');
    r.git('add', 'staged.txt');
    const statusBefore = r.git('status', '--porcelain');
    const a = await wt.prepare('1');
    const b = await wt.prepare('2');
    writeFileSync(join(a.path, 'a.txt'), 'from 1\n');
    writeFileSync(join(b.path, 'b.txt'), 'from 2\n');
    const tipA = await wt.commitWork(a, 'ralph: 1 — One');
    const tipB = await wt.commitWork(b, 'feat: two');
    const m1 = await wt.merge(tipA, 'ralph: 1 — One', none);
    const m2 = await wt.merge(tipB, 'feat: two', none);
    assert.equal(m1.kind, 'merged', JSON.stringify(m1));
    assert.equal(m2.kind, 'merged', JSON.stringify(m2));
    assert.deepEqual(subjects(r), ['feat: two', 'ralph: 1 — One', 'initial']);
    assert.equal(r.git('rev-list', '--merges', '--count', 'HEAD').trim(), '0', 'linear history');
    assert.equal(r.read('a.txt'), 'from 1\n');
    assert.equal(r.read('b.txt'), 'from 2\n');
    assert.equal(r.read('notes.txt'), 'the user\'s notes, edited\r\nno final newline');
    assert.equal(r.read('scratch.txt'), 'untracked\n');
    assert.equal(r.git('status', '--porcelain'), statusBefore, 'status as before: the merged files are committed and clean');
    assert.equal(r.git('diff', '--cached', '--name-only').trim(), 'staged.txt', 'the user\'s staged change stays staged');
  });

  it('folds Ralph\'s bookkeeping files into the merge commit, unless excluded', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await wt.commitWork(w, 'one');
    const merged = await wt.merge(tip, 'one', {
      exclude: new Set(),
      beforeCommit: async () => {
        r.write(`${SPEC}/tasks.md`, '- [x] 1 One\n- [ ] 2 Two\n');
        r.write(`${SPEC}/.progress.md`, '## Completed Tasks\n- [x] 1\n');
      },
    });
    assert.equal(merged.kind, 'merged', JSON.stringify(merged));
    const files = r.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort();
    assert.deepEqual(files, ['a.txt', `${SPEC}/.progress.md`, `${SPEC}/tasks.md`], JSON.stringify(files));
    assert.equal(r.git('status', '--porcelain'), '', 'nothing left uncommitted');

    const w2 = await wt.prepare('2');
    writeFileSync(join(w2.path, 'b.txt'), 'from 2\n');
    const tip2 = await wt.commitWork(w2, 'two');
    const excluded = await wt.merge(tip2, 'two', {
      exclude: new Set([`${SPEC}/tasks.md`]),
      beforeCommit: async () => r.write(`${SPEC}/tasks.md`, '- [x] 1 One\n- [x] 2 Two\n'),
    });
    assert.equal(excluded.kind, 'merged', JSON.stringify(excluded));
    assert.deepEqual(r.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n'), ['b.txt']);
    assert.equal(r.git('status', '--porcelain'), ` M ${SPEC}/tasks.md\n`);
  });

  it('finds its own files through a symlinked spec path', async () => {
    const { r } = repo();
    const link = `${r.dir}-link`;
    symlinkSync(r.dir, link);
    try {
      const viaLink = new GitWorktrees({ repoDir: r.dir, specName: 'feat', bookkeeping: [join(link, SPEC, 'tasks.md')] });
      const w = await viaLink.prepare('1');
      writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
      const merged = await viaLink.merge(await viaLink.commitWork(w, 'one'), 'one', {
        exclude: new Set(),
        beforeCommit: async () => r.write(`${SPEC}/tasks.md`, '- [x] 1 One\n- [ ] 2 Two\n'),
      });
      assert.equal(merged.kind, 'merged', JSON.stringify(merged));
      assert.deepEqual(r.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), ['a.txt', `${SPEC}/tasks.md`]);
    } finally {
      rmSync(link, { force: true });
    }
  });

  it('a conflict on the same lines names the file and leaves branch, index and files as they were', async () => {
    const { r, wt } = repo();
    const a = await wt.prepare('1');
    const b = await wt.prepare('2');
    writeFileSync(join(a.path, 'shared.txt'), 'line 1\nline 2 by task 1\nline 3\n');
    writeFileSync(join(b.path, 'shared.txt'), 'line 1\nline 2 by task 2\nline 3\n');
    writeFileSync(join(b.path, 'also.txt'), 'task 2 also did this\n');
    assert.equal((await wt.merge(await wt.commitWork(a, 'one'), 'one', none)).kind, 'merged');
    const head = r.git('rev-parse', 'HEAD');
    let hookCalled = false;
    const result = await wt.merge(await wt.commitWork(b, 'two'), 'two', { exclude: new Set(), beforeCommit: async () => void (hookCalled = true) });
    assert.equal(result.kind, 'conflict', JSON.stringify(result));
    assert.deepEqual(result.kind === 'conflict' && result.files, ['shared.txt'], JSON.stringify(result));
    assert.match(result.kind === 'conflict' ? result.reason : '', /merge conflict in shared\.txt/, JSON.stringify(result));
    assert.equal(hookCalled, false, 'no check-off for a conflict');
    assert.equal(r.git('rev-parse', 'HEAD'), head);
    assert.equal(r.git('status', '--porcelain'), '');
    assert.equal(r.read('shared.txt'), 'line 1\nline 2 by task 1\nline 3\n');
    assert.equal(existsSync(join(b.path, 'also.txt')), true, 'the worktree and its work are still there');
  });

  it('refuses to merge into a file the user has uncommitted changes in, or onto an untracked or ignored file', async () => {
    const { r, wt } = repo({ '.gitignore': '*.log\n' });
    r.write('notes.txt', 'edited by the user\n');
    r.write('new.txt', 'the user\'s own new file\n');
    r.write('debug.log', 'ignored but the user\'s\n');
    const before = r.git('status', '--porcelain', '--ignored');
    for (const [id, file] of [['1', 'notes.txt'], ['2', 'new.txt'], ['3', 'debug.log']] as const) {
      const w = await wt.prepare(id);
      writeFileSync(join(w.path, file), `task ${id}\n`);
      spawnSync('git', ['add', '-f', file], { cwd: w.path });
      const result = await wt.merge(await wt.commitWork(w, id), id, none);
      assert.equal(result.kind, 'conflict', `${file}: ${JSON.stringify(result)}`);
      assert.match(result.kind === 'conflict' ? result.reason : '', new RegExp(`uncommitted changes in ${file.replace('.', '\\.')}`), JSON.stringify(result));
    }
    assert.equal(r.read('notes.txt'), 'edited by the user\n');
    assert.equal(r.read('new.txt'), 'the user\'s own new file\n');
    assert.equal(r.read('debug.log'), 'ignored but the user\'s\n');
    assert.equal(r.git('status', '--porcelain', '--ignored'), before);
    assert.deepEqual(subjects(r), ['initial']);
  });

  it('refuses a task that changed tasks.md, which Ralph keeps in the main tree', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, SPEC, 'tasks.md'), '- [x] 1 One (checked by the agent)\n');
    const result = await wt.merge(await wt.commitWork(w, 'one'), 'one', none);
    assert.equal(result.kind, 'conflict', JSON.stringify(result));
    assert.match(result.kind === 'conflict' ? result.reason : '', /the task changed specs\/feat\/tasks\.md/, JSON.stringify(result));
    assert.deepEqual(subjects(r), ['initial']);
  });

  it('a commit the user makes during a merge is kept: the merge goes onto the new tip', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await wt.commitWork(w, 'one');
    let moves = 0;
    const result = await wt.merge(tip, 'one', {
      exclude: new Set(),
      beforeMove: async () => {
        if (moves++ > 0) return;
        r.write('user.txt', 'committed by the user meanwhile\n');
        r.git('add', 'user.txt');
        r.git('commit', '-q', '-m', 'user commit');
      },
    });
    assert.equal(result.kind, 'merged', JSON.stringify(result));
    assert.equal(moves, 2, 'the first move lost the race and was made again');
    assert.deepEqual(subjects(r), ['one', 'user commit', 'initial']);
    assert.equal(r.read('a.txt'), 'from 1\n');
    assert.equal(r.git('status', '--porcelain'), '');
  });

  it('the user saves tasks.md while the working tree follows a merge: merged again, with their text and the check-off', async () => {
    const { r } = repo();
    let saves = 0;
    const wt = new GitWorktrees({
      repoDir: r.dir,
      specName: 'feat',
      bookkeeping: [join(r.dir, SPEC, 'tasks.md'), join(r.dir, SPEC, '.progress.md')],
      hooks: {
        beforeStage: async () => {
          // The editor's save lands between the merge commit's making and the working tree update.
          if (saves++ === 0) r.write(`${SPEC}/tasks.md`, r.read(`${SPEC}/tasks.md`) + 'a line the user typed\n');
        },
      },
    });
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await wt.commitWork(w, 'one');
    const result = await wt.merge(tip, 'one', {
      exclude: new Set(),
      beforeCommit: async () => r.write(`${SPEC}/tasks.md`, r.read(`${SPEC}/tasks.md`).replace('- [ ] 1 One', '- [x] 1 One')),
    });
    assert.equal(result.kind, 'merged', JSON.stringify(result));
    assert.equal(saves, 2, 'the first update met the save and was merged again');
    assert.equal(r.read('a.txt'), 'from 1\n');
    assert.equal(r.git('show', `HEAD:${SPEC}/tasks.md`), '- [x] 1 One\n- [ ] 2 Two\na line the user typed\n');
    assert.equal(r.git('status', '--porcelain'), '', 'the user\'s line is committed with the check-off, nothing else left');
  });

  it('a `git commit -a` of the user\'s while the branch moves waits for git\'s index lock, and never undoes the task\'s work', async () => {
    const { r } = repo();
    let tried: { status: number | null; stderr: string } | undefined;
    const wt = new GitWorktrees({
      repoDir: r.dir,
      specName: 'feat',
      hooks: {
        afterMove: async () => {
          // The branch already points at the merge; the index does not hold it yet.
          r.write('notes.txt', 'edited by the user\n');
          const c = spawnSync('git', ['commit', '-q', '-am', 'user commit'], { cwd: r.dir, encoding: 'utf8' });
          tried = { status: c.status, stderr: c.stderr };
        },
      },
    });
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await wt.commitWork(w, 'one');
    const result = await wt.merge(tip, 'one', { exclude: new Set() });
    assert.equal(result.kind, 'merged', JSON.stringify(result));
    assert.notEqual(tried?.status, 0, `the user's commit waits for the lock like any concurrent git: ${JSON.stringify(tried)}`);
    assert.match(tried?.stderr ?? '', /index\.lock/);
    assert.equal(r.git('status', '--porcelain'), ' M notes.txt\n', 'the merge is in the index; the user\'s edit is theirs');
    r.git('commit', '-q', '-am', 'user commit');
    assert.equal(r.git('show', 'HEAD:a.txt'), 'from 1\n', 'the task\'s work is still in HEAD after the user\'s commit');
    assert.deepEqual(subjects(r), ['user commit', 'one', 'initial']);
  });

  it('an editor that saves its older tasks.md over the check-off before the merge commit: merged again, with the check-off', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await wt.commitWork(w, 'one');
    let rounds = 0;
    const result = await wt.merge(tip, 'one', {
      exclude: new Set(),
      beforeCommit: async () => {
        const before = r.read(`${SPEC}/tasks.md`);
        r.write(`${SPEC}/tasks.md`, before.replace('- [ ] 1 One', '- [x] 1 One'));
        // The first time, the editor's save of what it had read lands right after.
        if (rounds++ === 0) r.write(`${SPEC}/tasks.md`, before + 'typed in the editor\n');
      },
      accept: (committed) => /- \[x\] 1 One/.test(committed.get(join(r.dir, SPEC, 'tasks.md')) ?? ''),
    });
    assert.equal(result.kind, 'merged', JSON.stringify(result));
    assert.equal(rounds, 2);
    assert.equal(r.git('show', `HEAD:${SPEC}/tasks.md`), '- [x] 1 One\n- [ ] 2 Two\ntyped in the editor\n');
  });

  it('finishes a merge whose branch moved before a kill, and forgets one that did not move', async () => {
    const { r, wt } = repo();
    r.write('notes.txt', 'the user is editing\n');
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    writeFileSync(join(w.path, 'shared.txt'), 'changed by 1\n');
    const tip = await wt.commitWork(w, 'one');
    // Simulate the kill right after the move: compute the commit as merge() would, move the ref
    // by hand, leave index and files behind.
    const from = r.git('rev-parse', 'HEAD').trim();
    const tree = r.git('merge-tree', '--write-tree', from, tip).split('\n')[0] ?? '';
    const to = r.git('commit-tree', tree, '-p', from, '-m', 'one').trim();
    const journal = { ref: 'refs/heads/main', from, to };
    assert.equal(await wt.finishMerge(journal), false, 'not moved yet');
    r.git('update-ref', 'refs/heads/main', to, from);
    assert.match(r.git('status', '--porcelain'), /shared\.txt/, 'the half-done state shows as changes');
    assert.equal(await wt.finishMerge(journal), true);
    assert.equal(await wt.finishMerge(journal), true, 'idempotent');
    assert.equal(r.read('a.txt'), 'from 1\n');
    assert.equal(r.read('shared.txt'), 'changed by 1\n');
    assert.equal(r.read('notes.txt'), 'the user is editing\n');
    assert.equal(r.git('status', '--porcelain'), ' M notes.txt\n');
  });

  it('finishes a merge killed while the working tree was being written (files new, index old)', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    writeFileSync(join(w.path, 'shared.txt'), 'changed by 1\n');
    const tip = await wt.commitWork(w, 'one');
    const from = r.git('rev-parse', 'HEAD').trim();
    const tree = r.git('merge-tree', '--write-tree', from, tip).split('\n')[0] ?? '';
    const to = r.git('commit-tree', tree, '-p', from, '-m', 'one').trim();
    r.git('update-ref', 'refs/heads/main', to, from);
    // read-tree had written these two files when the kill came; the index still says `from`.
    r.write('a.txt', 'from 1\n');
    r.write('shared.txt', 'changed by 1\n');
    assert.equal(await wt.finishMerge({ ref: 'refs/heads/main', from, to }), true);
    assert.equal(r.git('status', '--porcelain'), '');
  });

  it('finishes a merge killed after the move although the user saved tasks.md since: the index follows, their text stays', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await wt.commitWork(w, 'one');
    const from = r.git('rev-parse', 'HEAD').trim();
    const merged = r.git('merge-tree', '--write-tree', from, tip).split('\n')[0] ?? '';
    // The merge commit holds the check-off, as merge() folds it in; the kill came right after
    // the move, so the index still says `from` for both files and a.txt is not written yet.
    r.write(`${SPEC}/tasks.md`, '- [x] 1 One\n- [ ] 2 Two\n');
    const ticked = r.git('hash-object', '-w', `${SPEC}/tasks.md`).trim();
    const index = join(r.dir, '.git', 'test-index');
    const inTemp = (...args: string[]) => spawnSync('git', args, { cwd: r.dir, encoding: 'utf8', env: { ...process.env, GIT_INDEX_FILE: index } }).stdout;
    inTemp('read-tree', merged);
    inTemp('update-index', '--cacheinfo', `100644,${ticked},${SPEC}/tasks.md`);
    const tree = inTemp('write-tree').trim();
    rmSync(index);
    const to = r.git('commit-tree', tree, '-p', from, '-m', 'one').trim();
    r.git('update-ref', 'refs/heads/main', to, from);
    // Before the resume, the user's editor saves tasks.md: neither `from` nor `to`.
    r.write(`${SPEC}/tasks.md`, '- [x] 1 One\n- [ ] 2 Two\na line the user typed\n');
    assert.equal(await wt.finishMerge({ ref: 'refs/heads/main', from, to }), true);
    assert.equal(r.read('a.txt'), 'from 1\n');
    assert.equal(r.read(`${SPEC}/tasks.md`), '- [x] 1 One\n- [ ] 2 Two\na line the user typed\n', 'the user\'s text is kept');
    assert.equal(r.git('status', '--porcelain'), ` M ${SPEC}/tasks.md\n`, 'the merge is in the index; only the user\'s line is left uncommitted');
  });

  it('reuses a worktree with work in it, recreates one whose folder went, starts afresh from a merged one', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    writeFileSync(join(w.path, 'half.txt'), 'half done\n');
    const again = await wt.prepare('1');
    assert.equal(again.path, w.path);
    assert.equal(readFileSync(join(again.path, 'half.txt'), 'utf8'), 'half done\n', 'uncommitted work is kept');

    const tip = await wt.commitWork(again, 'one');
    rmSync(w.path, { recursive: true, force: true });
    const recreated = await wt.prepare('1');
    assert.equal(readFileSync(join(recreated.path, 'half.txt'), 'utf8'), 'half done\n', 'the branch\'s work is checked out again');
    assert.equal(r.git('rev-parse', 'ralph/feat/1').trim(), tip);

    assert.equal((await wt.merge(tip, 'one', none)).kind, 'merged');
    r.write('later.txt', 'the user moves on\n');
    r.git('add', 'later.txt');
    r.git('commit', '-q', '-m', 'later');
    const fresh = await wt.prepare('1');
    assert.equal(fresh.base, r.git('rev-parse', 'HEAD').trim(), 'a merged leftover is replaced by a worktree at the tip');
    assert.equal(existsSync(join(fresh.path, 'later.txt')), true);
  });

  it('recovers a set-up cut short by a kill: a spare moved in but still detached, a checkout still initializing', async () => {
    const { r, wt } = repo();
    // Killed between `worktree move` and `checkout -B`: the folder is there, on a detached HEAD.
    const one = await wt.prepare('1');
    spawnSync('git', ['checkout', '--quiet', '--detach'], { cwd: one.path });
    const oneAgain = await wt.prepare('1');
    assert.equal(spawnSync('git', ['symbolic-ref', 'HEAD'], { cwd: oneAgain.path, encoding: 'utf8' }).stdout.trim(), 'refs/heads/ralph/feat/1');
    // Killed inside `checkout -B`: detached at a merged commit, some files already switched.
    spawnSync('git', ['checkout', '--quiet', '--detach'], { cwd: oneAgain.path });
    writeFileSync(join(oneAgain.path, 'shared.txt'), 'half switched\n');
    const oneThird = await wt.prepare('1');
    assert.equal(spawnSync('git', ['symbolic-ref', 'HEAD'], { cwd: oneThird.path, encoding: 'utf8' }).stdout.trim(), 'refs/heads/ralph/feat/1');
    assert.equal(readFileSync(join(oneThird.path, 'shared.txt'), 'utf8'), 'line 1\nline 2\nline 3\n');

    // Killed inside `git worktree add`: still locked "initializing", files missing. Working there
    // would commit the missing files as deletions.
    const two = await wt.prepare('2');
    const gitDir = spawnSync('git', ['rev-parse', '--absolute-git-dir'], { cwd: two.path, encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(gitDir, 'locked'), 'initializing');
    rmSync(join(two.path, 'shared.txt'));
    const twoAgain = await wt.prepare('2');
    assert.equal(readFileSync(join(twoAgain.path, 'shared.txt'), 'utf8'), 'line 1\nline 2\nline 3\n', 'a full checkout again');
    assert.equal(spawnSync('git', ['status', '--porcelain'], { cwd: twoAgain.path, encoding: 'utf8' }).stdout, '');
    assert.doesNotMatch(r.git('worktree', 'list', '--porcelain'), /locked/);
  });

  /** GitWorktrees for `r` whose next removals git is "killed" in: some of the folder's files
   *  deleted (as `git worktree remove` deletes them, its `.git` file last), then the kill. */
  function killedInRemoval(r: Repo, options: { recycle?: boolean } = {}): { wt: GitWorktrees; arm: (on: boolean) => void } {
    let armed = false;
    const wt = new GitWorktrees({
      repoDir: r.dir,
      specName: 'feat',
      bookkeeping: [join(r.dir, SPEC, 'tasks.md'), join(r.dir, SPEC, '.progress.md')],
      ...options,
      hooks: {
        beforeRemove: async (folder) => {
          if (!armed) return;
          rmSync(join(folder, 'specs'), { recursive: true, force: true });
          rmSync(join(folder, 'notes.txt'), { force: true });
          throw new Error('killed');
        },
      },
    });
    return { wt, arm: (on) => (armed = on) };
  }
  const statusIn = (folder: string) => spawnSync('git', ['status', '--porcelain'], { cwd: folder, encoding: 'utf8' }).stdout;

  it('a retry killed while the failed attempt\'s worktree was being removed: the next run sets it up afresh, the missing files are never the task\'s work', async () => {
    const { r } = repo();
    const killed = killedInRemoval(r);
    // Attempt 1 fails without writing anything; attempt 2 starts again from the tip, by removing
    // that worktree and setting up a new one: the kill comes in the middle of the removal.
    const first = await killed.wt.prepare('1');
    killed.arm(true);
    await assert.rejects(killed.wt.prepare('1'), /killed/);
    assert.notEqual(statusIn(first.path), '', 'the kill left files missing');

    // The next run (resume): a new GitWorktrees on the same repository.
    const resumed = killedInRemoval(r).wt;
    const w = await resumed.prepare('1');
    assert.equal(statusIn(w.path), '', 'a full checkout, nothing missing');
    assert.equal(readFileSync(join(w.path, 'notes.txt'), 'utf8'), 'the user\'s notes\n');
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    const tip = await resumed.commitWork(w, 'one');
    assert.deepEqual(r.git('show', '--name-only', '--format=', tip).trim().split('\n'), ['a.txt'], 'only the agent\'s file is committed');
    assert.equal((await resumed.merge(tip, 'one', none)).kind, 'merged');
  });

  it('a merged task\'s worktree or a spare whose removal a kill cut short is removed by the next run, never reused', async () => {
    const { r } = repo();
    // Without recycling: the removal after the merge is killed; the next run's recovery removes it.
    const plain = killedInRemoval(r, { recycle: false });
    const one = await plain.wt.prepare('1');
    writeFileSync(join(one.path, 'a.txt'), 'from 1\n');
    assert.equal((await plain.wt.merge(await plain.wt.commitWork(one, 'one'), 'one', none)).kind, 'merged');
    plain.arm(true);
    await assert.rejects(plain.wt.remove(one), /killed/);
    const next = killedInRemoval(r, { recycle: false }).wt;
    assert.deepEqual((await next.leftovers()).map((l) => [l.branch, l.merged, l.uncommitted]), [['ralph/feat/1', true, []]], 'nothing of anyone\'s in it');
    await next.remove(one);
    assert.equal(existsSync(one.path), false);

    // With recycling: a spare whose removal at the end of the run was killed is not the next
    // task's checkout, and goes when that run ends.
    const recycling = killedInRemoval(r);
    const two = await recycling.wt.prepare('2');
    writeFileSync(join(two.path, 'b.txt'), 'from 2\n');
    assert.equal((await recycling.wt.merge(await recycling.wt.commitWork(two, 'two'), 'two', none)).kind, 'merged');
    await recycling.wt.remove(two);
    recycling.arm(true);
    await assert.rejects(recycling.wt.close(), /killed/);
    const after = killedInRemoval(r).wt;
    const three = await after.prepare('3');
    assert.equal(statusIn(three.path), '', 'a full checkout, nothing missing');
    await after.remove(three);
    await after.close();
    assert.deepEqual(await after.leftovers(), [], 'no spare left behind');
    assert.equal(r.git('worktree', 'list').trim().split('\n').length, 1, r.git('worktree', 'list'));
  });

  it('removes merged work, refuses unmerged or uncommitted work, and lists what is left', async () => {
    const { r, wt } = repo();
    const merged = await wt.prepare('1');
    writeFileSync(join(merged.path, 'a.txt'), 'from 1\n');
    assert.equal((await wt.merge(await wt.commitWork(merged, 'one'), 'one', none)).kind, 'merged');
    const unmerged = await wt.prepare('2');
    writeFileSync(join(unmerged.path, 'b.txt'), 'from 2\n');
    await wt.commitWork(unmerged, 'two');
    const dirty = await wt.prepare('3');
    writeFileSync(join(dirty.path, 'c.txt'), 'not committed\n');

    const left = (await wt.leftovers()).map((l) => ({ branch: l.branch, merged: l.merged, uncommitted: l.uncommitted, hasPath: l.path !== undefined }));
    assert.deepEqual(left, [
      { branch: 'ralph/feat/1', merged: true, uncommitted: [], hasPath: true },
      { branch: 'ralph/feat/2', merged: false, uncommitted: [], hasPath: true },
      { branch: 'ralph/feat/3', merged: true, uncommitted: ['c.txt'], hasPath: true },
    ], JSON.stringify(left));
    await assert.rejects(wt.remove(unmerged), /ralph\/feat\/2 holds work that is not in the current branch/);
    await assert.rejects(wt.remove(dirty), /uncommitted changes in c\.txt/);
    assert.equal(existsSync(unmerged.path) && existsSync(dirty.path), true);
    await wt.remove(merged);
    assert.equal(existsSync(merged.path), false);
    assert.equal(r.git('branch', '--list', 'ralph/feat/1').trim(), '');
    // Its checkout is kept as a spare for the next task, until the run closes.
    assert.deepEqual((await wt.leftovers()).map((l) => [l.branch, l.merged, l.uncommitted.length]), [['ralph/feat/2', false, 0], ['ralph/feat/3', true, 1], ['', true, 0]]);
    await wt.close();
    assert.deepEqual((await wt.leftovers()).map((l) => l.branch), ['ralph/feat/2', 'ralph/feat/3']);
    assert.equal(r.git('worktree', 'list').trim().split('\n').length, 3, r.git('worktree', 'list'));
  });

  it('recycles a merged task\'s worktree for the next task: at the new tip, nothing of the old task left but ignored files', async () => {
    const { r, wt } = repo({ '.gitignore': '.env\nbuild/\n' });
    r.write('.env', 'TOKEN=1\n');
    const first = await wt.prepare('1');
    writeFileSync(join(first.path, 'a.txt'), 'from 1\n');
    writeFileSync(join(first.path, 'shared.txt'), 'changed by 1\n');
    r.write('build/cache.bin', 'x');
    writeFileSync(join(first.path, '.env'), 'TOKEN=1\n');
    spawnSync('mkdir', ['-p', join(first.path, 'build')]);
    writeFileSync(join(first.path, 'build', 'cache.bin'), 'built by task 1');
    assert.equal((await wt.merge(await wt.commitWork(first, 'one'), 'one', none)).kind, 'merged');
    await wt.remove(first);
    const spares = (await wt.leftovers()).filter((l) => l.branch === '');
    assert.equal(spares.length, 1, JSON.stringify(spares));

    r.write('.env', 'TOKEN=2\n');
    const second = await wt.prepare('2');
    assert.equal(second.branch, 'ralph/feat/2');
    assert.equal(second.base, r.git('rev-parse', 'HEAD').trim());
    assert.equal(spawnSync('git', ['symbolic-ref', 'HEAD'], { cwd: second.path, encoding: 'utf8' }).stdout.trim(), 'refs/heads/ralph/feat/2');
    assert.equal(readFileSync(join(second.path, 'a.txt'), 'utf8'), 'from 1\n', 'task 1 is merged, so it is in the new tip');
    assert.equal(readFileSync(join(second.path, 'build', 'cache.bin'), 'utf8'), 'built by task 1', 'ignored build output stays');
    assert.equal(readFileSync(join(second.path, '.env'), 'utf8'), 'TOKEN=2\n', 'included files copied afresh');
    assert.equal(spawnSync('git', ['status', '--porcelain'], { cwd: second.path, encoding: 'utf8' }).stdout, '');
    assert.deepEqual((await wt.leftovers()).map((l) => l.branch), ['ralph/feat/2'], 'the spare was used');
    writeFileSync(join(second.path, 'b.txt'), 'from 2\n');
    assert.equal((await wt.merge(await wt.commitWork(second, 'two'), 'two', none)).kind, 'merged');
    assert.deepEqual(r.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n'), ['b.txt']);
    await wt.remove(second);

    // A run killed before its close leaves the spare; the next run closes it even when it sets
    // nothing up (everything was done).
    const listed = () => r.git('worktree', 'list').trim().split('\n').length;
    assert.equal(listed(), 2, 'the main tree and the spare');
    await new GitWorktrees({ repoDir: r.dir, specName: 'feat' }).close();
    assert.equal(listed(), 1, r.git('worktree', 'list'));
  });
});

describe('worktree: where worktrees live', function () {
  this.timeout(30_000);
  const repos: Repo[] = [];
  afterEach(() => repos.splice(0).forEach((r) => r.cleanup()));
  const repo = (name?: string): { r: Repo; wt: GitWorktrees } => {
    const r = makeRepo({ [`${SPEC}/tasks.md`]: '- [ ] 1 One\n- [ ] 2 Two\n- [ ] 3 Three\n', 'shared.txt': 'one\n' }, name !== undefined ? { name } : {});
    repos.push(r);
    return { r, wt: new GitWorktrees({ repoDir: r.dir, specName: 'feat', bookkeeping: [join(r.dir, SPEC, 'tasks.md')] }) };
  };
  const inside = (parent: string, child: string) => {
    const rel = relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  const common = (r: Repo) => r.git('rev-parse', '--absolute-git-dir').trim();
  const worktreeCount = (r: Repo) => r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length;
  /** A worktree as an earlier version set it up, inside `.git`. */
  const legacyWorktree = (r: Repo, name: string, branch?: string): string => {
    const folder = join(common(r), 'ralph-worktrees', 'feat', name);
    if (branch !== undefined) r.git('worktree', 'add', '--quiet', '-b', branch, folder, 'HEAD');
    else r.git('worktree', 'add', '--quiet', '--detach', folder, 'HEAD');
    return folder;
  };
  const gitIn = (dir: string, ...args: string[]) => {
    const res = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    return res.stdout;
  };

  it('the home: RALPH_WORKTREES_DIR, else LOCALAPPDATA on Windows, else XDG_STATE_HOME or ~/.local/state', () => {
    assert.equal(worktreesHome({ RALPH_WORKTREES_DIR: '/x/wt', XDG_STATE_HOME: '/s' }, 'linux', '/home/u'), '/x/wt');
    assert.equal(worktreesHome({ XDG_STATE_HOME: '/s' }, 'linux', '/home/u'), '/s/ralph/worktrees');
    assert.equal(worktreesHome({ XDG_STATE_HOME: 'relative/ignored' }, 'darwin', '/Users/u'), '/Users/u/.local/state/ralph/worktrees');
    assert.equal(worktreesHome({}, 'linux', '/home/u'), '/home/u/.local/state/ralph/worktrees');
    assert.equal(worktreesHome({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\ralph\\worktrees');
    assert.equal(worktreesHome({}, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\ralph\\worktrees');
    // The tests' own: never the user's state folder.
    assert.equal(worktreesHome(), WORKTREES_HOME);
  });

  it('sets a worktree up outside .git and outside the working tree, under <home>/<repo>-<hash>/<spec>/<task>, with a marker naming the repository', async () => {
    const { r, wt } = repo();
    const w = await wt.prepare('1');
    assert.equal(w.path, join(r.worktrees, 'feat', '1'));
    assert.match(dirname(dirname(w.path)), /[\\/]ralph-e2e-[^\\/]+-[0-9a-f]{10}$/);
    assert.equal(dirname(r.worktrees), WORKTREES_HOME);
    assert.ok(!inside(realpathSync(r.dir), realpathSync(w.path)), `${w.path} is inside the working tree ${r.dir}`);
    assert.ok(!inside(realpathSync(common(r)), realpathSync(w.path)), `${w.path} is inside .git`);
    assert.equal(existsSync(join(common(r), 'ralph-worktrees')), false);
    assert.equal(readFileSync(join(r.worktrees, REPO_MARKER), 'utf8').trim(), r.dir);
    assert.equal(await repoWorktreesRoot(r.dir), r.worktrees);
    assert.equal(r.git('status', '--porcelain'), '', 'nothing shows in the repository');

    // Nothing left once the work is merged and the run is over.
    writeFileSync(join(w.path, 'a.txt'), 'from 1\n');
    assert.equal((await wt.merge(await wt.commitWork(w, 'one'), 'one', none)).kind, 'merged');
    await wt.remove(w);
    await wt.close();
    assert.equal(existsSync(r.worktrees), false, 'the repository\'s folder went with its last worktree');
    assert.equal(worktreeCount(r), 1);
  });

  it('two repositories of the same name get folders of their own; linked worktrees of one repository share its folder', async () => {
    const a = repo('app');
    const b = repo('app');
    const wa = await a.wt.prepare('1');
    const wb = await b.wt.prepare('1');
    assert.notEqual(dirname(dirname(wa.path)), dirname(dirname(wb.path)));
    assert.match(wa.path, /[\\/]app-[0-9a-f]{10}[\\/]feat[\\/]1$/);
    assert.match(wb.path, /[\\/]app-[0-9a-f]{10}[\\/]feat[\\/]1$/);
    assert.equal(readFileSync(join(dirname(dirname(wa.path)), REPO_MARKER), 'utf8').trim(), a.r.dir);
    assert.equal(readFileSync(join(dirname(dirname(wb.path)), REPO_MARKER), 'utf8').trim(), b.r.dir);
    // A linked worktree of a repository is the same repository: same folder.
    const linked = join(mkdtempSync(join(tmpdir(), 'ralph-linked-')), 'elsewhere');
    try {
      a.r.git('worktree', 'add', '--quiet', '--detach', linked);
      assert.equal(await repoWorktreesRoot(linked), a.r.worktrees);
    } finally {
      rmSync(dirname(linked), { recursive: true, force: true });
      a.r.git('worktree', 'prune');
    }
  });

  it('moves a task worktree an earlier version left in .git on resume, with its committed and uncommitted work', async () => {
    const { r, wt } = repo();
    const legacy = legacyWorktree(r, '1', 'ralph/feat/1');
    writeFileSync(join(legacy, 'done.txt'), 'committed\n');
    gitIn(legacy, 'add', 'done.txt');
    gitIn(legacy, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', 'commit', '-q', '-m', 'part');
    writeFileSync(join(legacy, 'half.txt'), 'half done\n');

    const w = await wt.prepare('1');
    assert.equal(w.path, join(r.worktrees, 'feat', '1'));
    assert.equal(w.branch, 'ralph/feat/1');
    assert.equal(readFileSync(join(w.path, 'done.txt'), 'utf8'), 'committed\n');
    assert.equal(readFileSync(join(w.path, 'half.txt'), 'utf8'), 'half done\n', 'uncommitted work moved along');
    assert.equal(existsSync(join(common(r), 'ralph-worktrees')), false, 'nothing left inside .git');
    assert.equal(worktreeCount(r), 2);

    // A merged task whose worktree an earlier version recorded: removed (or recycled) from there.
    const merged = legacyWorktree(r, '2', 'ralph/feat/2');
    await wt.remove({ path: merged, branch: 'ralph/feat/2', base: r.git('rev-parse', 'HEAD').trim() });
    assert.equal(existsSync(merged), false);
    assert.equal(existsSync(join(common(r), 'ralph-worktrees')), false);
    assert.equal(r.git('branch', '--list', 'ralph/feat/2').trim(), '');
  });

  it('works in an earlier version\'s worktree where it is when it cannot be moved (locked, another file system)', async () => {
    const { r, wt } = repo();
    const legacy = legacyWorktree(r, '1', 'ralph/feat/1');
    writeFileSync(join(legacy, 'half.txt'), 'half done\n');
    r.git('worktree', 'lock', legacy);
    const w = await wt.prepare('1');
    assert.equal(w.path, legacy);
    assert.equal(readFileSync(join(w.path, 'half.txt'), 'utf8'), 'half done\n');
    r.git('worktree', 'unlock', legacy);
  });

  it('lists and removes what an earlier version left in .git, and adopts its spares', async () => {
    const { r, wt } = repo();
    legacyWorktree(r, '1', 'ralph/feat/1');
    const spareA = legacyWorktree(r, '.spare-0000aaaa');
    const spareB = legacyWorktree(r, '.spare-0000bbbb');
    const left = await wt.leftovers();
    assert.deepEqual(left.map((l) => [l.branch, l.path]), [
      ['ralph/feat/1', join(common(r), 'ralph-worktrees', 'feat', '1')],
      ['', spareA],
      ['', spareB],
    ]);
    // A new set-up takes a spare (moved out of .git).
    const w = await new GitWorktrees({ repoDir: r.dir, specName: 'feat' }).prepare('3');
    assert.equal(w.path, join(r.worktrees, 'feat', '3'));
    assert.equal(existsSync(spareA) && existsSync(spareB), false, 'one spare was used');
    for (const l of await new GitWorktrees({ repoDir: r.dir, specName: 'feat' }).leftovers()) await wt.removeUnchecked(l.path, l.branch);
    assert.equal(worktreeCount(r), 1, r.git('worktree', 'list'));
    assert.equal(r.git('branch', '--list', 'ralph/*').trim(), '');
    assert.equal(existsSync(join(common(r), 'ralph-worktrees')), false);
    assert.equal(existsSync(r.worktrees), false);
  });

  it('finds spares a run made under another RALPH_WORKTREES_DIR', async () => {
    const { r } = repo();
    const other = realpathSync(mkdtempSync(join(tmpdir(), 'ralph-other-home-')));
    const saved = process.env.RALPH_WORKTREES_DIR;
    try {
      process.env.RALPH_WORKTREES_DIR = other;
      const then = new GitWorktrees({ repoDir: r.dir, specName: 'feat' });
      const w = await then.prepare('1');
      assert.ok(w.path.startsWith(other), w.path);
      assert.equal((await then.merge(await then.commitWork(w, 'one'), 'one', none)).kind, 'unchanged');
      await then.remove(w);
      assert.equal((await then.leftovers()).length, 1, 'kept as a spare');
      process.env.RALPH_WORKTREES_DIR = saved;
      const now = new GitWorktrees({ repoDir: r.dir, specName: 'feat' });
      const left = await now.leftovers();
      assert.equal(left.length, 1, JSON.stringify(left));
      await now.removeUnchecked(left[0]?.path, '');
      assert.deepEqual(readdirSync(other), [], 'its folders went too');
    } finally {
      process.env.RALPH_WORKTREES_DIR = saved;
      rmSync(other, { recursive: true, force: true });
    }
  });
});
