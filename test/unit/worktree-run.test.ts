// `ralph run --isolation worktree` and `ralph clean` end to end: the bundled CLI, real agent
// processes, real git repositories in temp folders.

import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { cleanCommand } from '../../src/node/cli/clean';
import { cleanLeftovers, describeLeftover } from '../../src/node/leftovers';
import { loadSpec } from '../../src/node/specFiles';
import { GitWorktrees } from '../../src/node/worktree';
import { agentSetup, collect, ensureBuilt, isAlive, makeRepo, readJournal, ROOT, runCli, startCli, taskMd, type Repo } from './e2e-helpers';

const SPEC = 'specs/s/tasks.md';
const AGENT = `node "${join(ROOT, 'test', 'fixtures', 'worktree', 'agent.mjs')}"`;

function spec(...tasks: string[]): Record<string, string> {
  return { [SPEC]: `# Tasks: worktrees\n\n## Phase 1: Work\n\n${tasks.join('\n')}`, 'shared.txt': 'one\ntwo\nthree\n', 'notes.txt': 'notes\n' };
}

/** A task block with a `Commit` field. */
function withCommit(block: string, subject: string): string {
  return `${block}  - **Commit**: \`${subject}\`\n`;
}

interface Entry {
  readonly what: string;
  readonly id: string;
  readonly cwd: string;
  readonly pid: number;
}

describe('ralph run --isolation worktree (end to end)', function () {
  this.timeout(120_000);
  const repos: Repo[] = [];
  before(() => ensureBuilt());
  after(() => repos.forEach((r) => r.cleanup()));
  const repo = (files: Record<string, string>): Repo => {
    const r = makeRepo(files);
    repos.push(r);
    return r;
  };
  const run = (r: Repo, script: Record<string, object>, ...extra: string[]) => {
    const a = agentSetup(script);
    return runCli(['run', SPEC, '--agent', AGENT, '--isolation', 'worktree', ...extra], r.dir, a.env).then((res) => ({ res, journal: readJournal(a.journal) as unknown as Entry[] }));
  };
  const subjects = (r: Repo) => r.git('log', '--format=%s').trim().split('\n');
  const leftovers = (r: Repo) => ({
    worktrees: r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length - 1,
    branches: r.git('branch', '--list', 'ralph/*', '--format=%(refname:short)').trim().split('\n').filter(Boolean),
  });

  it('merges two side-by-side tasks in task order, with their commit messages, whichever finished first', async () => {
    const r = repo(
      spec(
        withCommit(taskMd('1.1', 'Slow one', { markers: ['P'], files: ['a.txt'], verify: 'test -f a.txt' }), 'feat: the slow one'),
        taskMd('1.2', 'Quick one', { markers: ['P'], files: ['b.txt'] }),
      ),
    );
    const { res, journal } = await run(r, { '1.1': { sleepMs: 900, write: { 'a.txt': 'A\n' } }, '1.2': { sleepMs: 20, write: { 'b.txt': 'B\n' } } });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const ends = journal.filter((e) => e.what === 'end').map((e) => e.id);
    assert.deepEqual(ends, ['1.2', '1.1'], `1.2 finished first: ${JSON.stringify(journal)}`);
    assert.deepEqual(subjects(r), ['ralph: 1.2 — Quick one', 'feat: the slow one', 'initial']);
    // Each agent (and 1.1's Verify, which needs a.txt) ran in its own worktree, not in the repository.
    for (const e of journal.filter((x) => x.what === 'start')) assert.equal(e.cwd, join(r.worktrees, 's', e.id), JSON.stringify(e));
    assert.deepEqual(r.git('show', '--name-only', '--format=', 'HEAD~1').trim().split('\n').sort(), ['a.txt', 'specs/s/.progress.md', 'specs/s/tasks.md']);
    assert.equal(r.read('a.txt') + r.read('b.txt'), 'A\nB\n');
    assert.match(r.read(SPEC), /- \[x\] 1\.1 [\s\S]*- \[x\] 1\.2 /, r.read(SPEC));
    // ralph-specum's list: each task in its own merge commit, and 1.1's commit (known once it is
    // made) added to its line in 1.2's.
    const slow = r.git('rev-parse', '--short=7', 'HEAD~1').trim();
    assert.match(r.read('specs/s/.progress.md'), new RegExp(`## Completed Tasks\n- \\[x\\] 1\\.1 Slow one - ${slow}\n- \\[x\\] 1\\.2\\b`), r.read('specs/s/.progress.md'));
    assert.equal(r.git('status', '--porcelain', '--', '.', ':!specs/s/.ralph-state.json'), '');
    assert.deepEqual(leftovers(r), { worktrees: 0, branches: [] });
  });

  it('two tasks changing the same lines: the later fails with a conflict naming the file, nothing is lost', async () => {
    const r = repo(spec(taskMd('1.1', 'Edit line two', { markers: ['P'], files: ['x.txt'] }), taskMd('1.2', 'Edit it too', { markers: ['P'], files: ['y.txt'] })));
    const { res } = await run(
      r,
      {
        '1.1': { sleepMs: 400, write: { 'shared.txt': 'one\nTWO by 1.1\nthree\n' } },
        '1.2': { sleepMs: 20, write: { 'shared.txt': 'one\nTWO by 1.2\nthree\n', 'y.txt': 'more of 1.2\n' } },
      },
      '--max-task-iterations',
      '1',
    );
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /1\.2.*merge conflict in shared\.txt/, res.stdout);
    // The failed task's notes are committed at the end of the run; its check-off is not made.
    assert.deepEqual(subjects(r), ['ralph: update tasks.md and progress notes', 'ralph: 1.1 — Edit line two', 'initial']);
    assert.equal(r.read('shared.txt'), 'one\nTWO by 1.1\nthree\n');
    assert.equal(existsSync(join(r.dir, 'y.txt')), false);
    // The later task's work is kept on its branch and in its worktree.
    assert.deepEqual(leftovers(r), { worktrees: 1, branches: ['ralph/s/1.2'] });
    assert.equal(r.git('show', 'ralph/s/1.2:shared.txt'), 'one\nTWO by 1.2\nthree\n');
    const state = JSON.parse(r.read('specs/s/.ralph-state.json'));
    const record = state.ralph.tasks['1.2'];
    assert.equal(record.status, 'failed', JSON.stringify(record));
    assert.equal(readFileSync(join(record.worktree.path, 'y.txt'), 'utf8'), 'more of 1.2\n');
    assert.match(r.read(SPEC), /- \[ \] 1\.2 /, 'the conflicted task is not checked off');
  });

  it('a task that fails keeps its worktree with its work; the others merge', async () => {
    const r = repo(spec(taskMd('1.1', 'Breaks', { markers: ['P'], files: ['a.txt'] }), taskMd('1.2', 'Works', { markers: ['P'], files: ['b.txt'] })));
    const { res } = await run(r, { '1.1': { exit: 2, write: { 'a.txt': 'half done\n' } } }, '--max-task-iterations', '1');
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.deepEqual(subjects(r), ['ralph: update tasks.md and progress notes', 'ralph: 1.2 — Works', 'initial']);
    const state = JSON.parse(r.read('specs/s/.ralph-state.json'));
    const wt = state.ralph.tasks['1.1'].worktree;
    assert.equal(wt.branch, 'ralph/s/1.1', JSON.stringify(state.ralph.tasks['1.1']));
    assert.equal(readFileSync(join(wt.path, 'a.txt'), 'utf8'), 'half done\n');
    assert.deepEqual(leftovers(r), { worktrees: 1, branches: ['ralph/s/1.1'] });
    const status = await runCli(['status', SPEC], r.dir);
    assert.match(status.stdout, new RegExp(`✖ 1\\.1 .*exited with code 2; log \\S+; work in ${wt.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} on ralph/s/1\\.1`), status.stdout);

    // Retry reuses the kept worktree: the agent finds its earlier work there.
    const again = await run(r, { '1.1': { write: { 'a.txt.done': 'finished\n' } } });
    assert.equal(again.res.code, 0, again.res.stdout + again.res.stderr);
    assert.equal(r.read('a.txt'), 'half done\n');
    assert.equal(r.read('a.txt.done'), 'finished\n');
    assert.deepEqual(leftovers(r), { worktrees: 0, branches: [] });
  });

  it('resumes a task whose kept worktree an earlier version put inside .git: moved out, its work carried on', async () => {
    const r = repo(spec(taskMd('1.1', 'Breaks', { files: ['a.txt'] })));
    const { res } = await run(r, { '1.1': { exit: 2, write: { 'a.txt': 'half done\n' } } }, '--max-task-iterations', '1');
    assert.equal(res.code, 1, res.stdout + res.stderr);
    // As an earlier version would have left it: the worktree in .git, the state recording that.
    const stateFile = 'specs/s/.ralph-state.json';
    const state = JSON.parse(r.read(stateFile));
    const kept = state.ralph.tasks['1.1'].worktree.path as string;
    const legacy = join(r.git('rev-parse', '--absolute-git-dir').trim(), 'ralph-worktrees', 's', '1.1');
    mkdirSync(dirname(legacy), { recursive: true });
    r.git('worktree', 'move', kept, legacy);
    state.ralph.tasks['1.1'].worktree.path = legacy;
    r.write(stateFile, JSON.stringify(state, null, 2));

    const again = await run(r, { '1.1': { write: { 'a.txt.done': 'finished\n' } } });
    assert.equal(again.res.code, 0, again.res.stdout + again.res.stderr);
    const start = again.journal.find((e) => e.what === 'start');
    assert.equal(start?.cwd, join(r.worktrees, 's', '1.1'), 'the agent worked outside .git');
    assert.equal(r.read('a.txt'), 'half done\n', 'the earlier work came along');
    assert.equal(r.read('a.txt.done'), 'finished\n');
    assert.deepEqual(leftovers(r), { worktrees: 0, branches: [] });
    assert.equal(existsSync(join(r.git('rev-parse', '--absolute-git-dir').trim(), 'ralph-worktrees')), false);
  });

  it('never touches the user\'s uncommitted files; a task that changes one fails instead', async () => {
    const r = repo(spec(taskMd('1.1', 'Own file', { markers: ['P'], files: ['a.txt'] }), taskMd('1.2', 'Touches notes', { markers: ['P'], files: ['n.txt'] })));
    r.write('notes.txt', 'notes, edited by the user\r\nwithout a final newline');
    r.write('mine.txt', 'untracked and mine\n');
    r.write('staged.txt', 'staged\n');
    r.git('add', 'staged.txt');
    const statusBefore = r.git('status', '--porcelain');
    const { res } = await run(r, { '1.1': { write: { 'a.txt': 'A\n' } }, '1.2': { write: { 'notes.txt': 'rewritten by 1.2\n' } } }, '--max-task-iterations', '1');
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /1\.2.*uncommitted changes in notes\.txt/, res.stdout);
    assert.equal(r.read('notes.txt'), 'notes, edited by the user\r\nwithout a final newline');
    assert.equal(r.read('mine.txt'), 'untracked and mine\n');
    assert.deepEqual(subjects(r), ['ralph: update tasks.md and progress notes', 'ralph: 1.1 — Own file', 'initial']);
    const statusAfter = r.git('status', '--porcelain', '--', '.', ':!specs/s/.ralph-state.json', ':!specs/s/.progress.md', ':!specs/s/tasks.md');
    assert.equal(statusAfter, statusBefore, `status as before, the merged a.txt committed:\n${statusAfter}`);
    assert.equal(r.git('diff', '--cached', '--name-only').trim(), 'staged.txt');
  });

  it('copies --worktree-include files into each worktree and never commits them', async () => {
    const r = repo({ ...spec(taskMd('1.1', 'Needs env', { files: ['a.txt'], verify: 'grep -q TOKEN .env' })), '.gitignore': '' });
    r.write('.env', 'TOKEN=secret\n');
    const { res } = await run(r, { '1.1': { write: { 'a.txt': 'A\n' } } }, '--worktree-include', '.env', '--max-task-iterations', '1');
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(r.git('log', '--all', '--format=', '--name-only').includes('.env'), false, r.git('log', '--all', '--stat'));
    assert.equal(r.read('.env'), 'TOKEN=secret\n');
  });

  it('resumes after kill -9 at any moment: every task merged once, nothing left behind (repeated)', async () => {
    const ids = ['1.1', '1.2', '1.3', '1.4', '1.5'];
    const tasks = [
      taskMd('1.1', 'Base', { files: ['base.txt'] }),
      ...['1.2', '1.3', '1.4'].map((id) => taskMd(id, `Part ${id}`, { markers: ['P'], files: [`p/${id}.txt`] })),
      taskMd('1.5', 'Join', { files: ['join.txt'] }),
    ];
    const write = (id: string, file: string) => ({ [id]: { sleepMs: 100, write: { [file]: `${id}\n` } } });
    const script = { ...write('1.1', 'base.txt'), ...write('1.2', 'p/1.2.txt'), ...write('1.3', 'p/1.3.txt'), ...write('1.4', 'p/1.4.txt'), ...write('1.5', 'join.txt') };
    const rounds = Number(process.env.RALPH_KILL_ROUNDS ?? 4);
    for (let round = 0; round < rounds; round++) {
      const r = repo(spec(...tasks));
      const a = agentSetup(script);
      const child = startCli(['run', SPEC, '--agent', AGENT, '--isolation', 'worktree'], r.dir, a.env);
      const done = collect(child);
      // Kill at a different moment each round (RALPH_KILL_ROUNDS=30 spreads them finer).
      await new Promise((res) => setTimeout(res, 200 + ((round * 1100) / rounds + round * 37) % 1100));
      child.kill('SIGKILL');
      await done;
      for (const e of readJournal(a.journal)) if (isAlive(e.pid)) process.kill(e.pid, 'SIGKILL');

      const b = agentSetup(script);
      const res = await runCli(['run', SPEC, '--agent', AGENT, '--isolation', 'worktree'], r.dir, b.env);
      assert.equal(res.code, 0, `round ${round}: ${res.stdout}${res.stderr}`);
      const md = r.read(SPEC);
      for (const id of ids) assert.match(md, new RegExp(`- \\[x\\] ${id.replace('.', '\\.')} `), `round ${round}: ${md}`);
      const log = subjects(r);
      for (const id of ids) {
        const n = log.filter((s) => new RegExp(`\\b${id.replace('.', '\\.')}\\b`).test(s)).length;
        assert.equal(n, 1, `round ${round}: ${id} in ${n} commit subjects:\n${log.join('\n')}`);
      }
      for (const f of ['base.txt', 'p/1.2.txt', 'p/1.3.txt', 'p/1.4.txt', 'join.txt']) assert.ok(r.exists(f), `round ${round}: ${f} missing`);
      const progress = r.read('specs/s/.progress.md');
      for (const id of ids) assert.ok(progress.includes(`learned from ${id}`), `round ${round}: ${id} missing from progress:\n${progress}`);
      assert.equal(r.git('status', '--porcelain', '--', '.', ':!specs/s/.ralph-state.json'), '', `round ${round}: uncommitted work`);
      assert.deepEqual(leftovers(r), { worktrees: 0, branches: [] }, `round ${round}`);
    }
  });
});

describe('ralph run: choosing the isolation', function () {
  this.timeout(60_000);
  const repos: Repo[] = [];
  before(() => ensureBuilt());
  after(() => repos.forEach((r) => r.cleanup()));
  const isolationOf = (r: Repo) => JSON.parse(r.read('specs/s/.ralph-state.json')).ralph.isolation;

  it('defaults to worktrees in a repository with a commit, and to none without a commit or with --commit none', async () => {
    const committed = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })));
    const empty = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })), { git: false });
    empty.git('init', '-q', '-b', 'main');
    const noCommit = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })));
    repos.push(committed, empty, noCommit);
    const a = agentSetup({});
    const cases: [Repo, string[], string][] = [
      [committed, [], 'worktree'],
      [empty, [], 'none'],
      [noCommit, ['--commit', 'none'], 'none'],
    ];
    for (const [r, extra, expected] of cases) {
      const res = await runCli(['run', SPEC, '--agent', AGENT, ...extra], r.dir, a.env);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.equal(isolationOf(r), expected, `${r.dir} ${extra.join(' ')}`);
    }
  });

  it('says why --isolation worktree cannot be used', async () => {
    const empty = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })), { git: false });
    empty.git('init', '-q', '-b', 'main');
    const committed = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })));
    repos.push(empty, committed);
    const noCommit = await runCli(['run', SPEC, '--agent', AGENT, '--isolation', 'worktree'], empty.dir);
    assert.equal(noCommit.code, 2, noCommit.stdout + noCommit.stderr);
    assert.match(noCommit.stderr, /--isolation worktree needs a git repository with at least one commit/, noCommit.stderr);
    const withNone = await runCli(['run', SPEC, '--agent', AGENT, '--isolation', 'worktree', '--commit', 'none'], committed.dir);
    assert.equal(withNone.code, 2, withNone.stdout + withNone.stderr);
    assert.match(withNone.stderr, /cannot go with --commit none/, withNone.stderr);
    const bad = await runCli(['run', SPEC, '--agent', AGENT, '--isolation', 'sandbox'], committed.dir);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--isolation must be one of none, worktree, not 'sandbox'/, bad.stderr);
  });
});

describe('ralph clean (end to end)', function () {
  this.timeout(60_000);
  const repos: Repo[] = [];
  before(() => ensureBuilt());
  after(() => repos.forEach((r) => r.cleanup()));

  it('removes merged leftovers, refuses to drop unmerged work without a TTY or --yes, and drops it with --yes', async () => {
    const r = makeRepo(spec(taskMd('1.1', 'Conflicts', { files: ['x.txt'] })));
    repos.push(r);
    r.write('shared.txt', 'one\nthe user\'s edit\nthree\n');
    const a = agentSetup({ '1.1': { write: { 'shared.txt': 'one\nTWO\nthree\n' } } });
    const res = await runCli(['run', SPEC, '--agent', AGENT, '--isolation', 'worktree', '--max-task-iterations', '1'], r.dir, a.env);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    // A merged leftover, as a kill after a merge would leave it.
    r.git('branch', 'ralph/s/old', 'HEAD');

    const refused = await runCli(['clean', SPEC], r.dir);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /ralph\/s\/1\.1\s+NOT MERGED/, refused.stdout);
    assert.match(refused.stdout, /removed ralph\/s\/old \(merged\)/, refused.stdout);
    assert.match(refused.stderr, /refusing to remove 1 branch\(es\) holding work .*ralph\/s\/1\.1.*--yes/, refused.stderr);
    assert.equal(r.git('branch', '--list', 'ralph/*', '--format=%(refname:short)').trim(), 'ralph/s/1.1');

    const forced = await runCli(['clean', SPEC, '--yes'], r.dir);
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    assert.match(forced.stdout, /removed ralph\/s\/1\.1/, forced.stdout);
    assert.equal(r.git('branch', '--list', 'ralph/*').trim(), '');
    assert.equal(r.git('worktree', 'list').trim().split('\n').length, 1, r.git('worktree', 'list'));
    assert.equal(existsSync(r.worktrees), false, 'the repository\'s worktrees folder went with its last worktree');
    assert.equal(r.read('shared.txt'), 'one\nthe user\'s edit\nthree\n');

    const nothing = await runCli(['clean', SPEC], r.dir);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.match(nothing.stdout, /no task worktrees or branches left/, nothing.stdout);
  });

  it('lists and removes worktrees an earlier version left inside .git', async () => {
    const r = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })));
    repos.push(r);
    const legacy = join(r.git('rev-parse', '--absolute-git-dir').trim(), 'ralph-worktrees', 's');
    r.git('worktree', 'add', '--quiet', '-b', 'ralph/s/1.1', join(legacy, '1.1'));
    writeFileSync(join(legacy, '1.1', 'a.txt'), 'uncommitted work\n');
    r.git('worktree', 'add', '--quiet', '-b', 'ralph/s/1.2', join(legacy, '1.2'));
    r.git('worktree', 'add', '--quiet', '--detach', join(legacy, '.spare-12345678'));
    let out = '';
    const stdout = new PassThrough();
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const io = { stdout, stderr: stdout, cwd: r.dir, env: {}, confirm: async () => true };
    assert.equal(await cleanCommand([SPEC], io), 0, out);
    assert.match(out, /ralph\/s\/1\.1 .*uncommitted changes in a\.txt/, out);
    assert.match(out, /removed ralph\/s\/1\.2 \(merged\)/, out);
    assert.match(out, /removed spare worktree .*ralph-worktrees.*\.spare-12345678 \(merged\)/, out);
    assert.match(out, /removed ralph\/s\/1\.1 \(its work is gone\)/, out);
    assert.equal(r.git('branch', '--list', 'ralph/*').trim(), '');
    assert.equal(r.git('worktree', 'list').trim().split('\n').length, 1, r.git('worktree', 'list'));
    assert.equal(existsSync(dirname(legacy)), false, 'nothing left inside .git');
  });

  it('cleanLeftovers (the extension\'s Clean Worktrees) returns what it found, removed and kept as data', async () => {
    const r = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })));
    repos.push(r);
    const wt = new GitWorktrees({ repoDir: r.dir, specName: 's' });
    const w = await wt.prepare('1.1');
    writeFileSync(join(w.path, 'a.txt'), 'unmerged work\n');
    await wt.commitWork(w, 'work');
    r.git('branch', 'ralph/s/old', 'HEAD');
    const loaded = loadSpec(join(r.dir, SPEC));
    const offered: string[][] = [];
    const kept = await cleanLeftovers(loaded, { confirmDrop: async (holding) => (offered.push(holding.map((l) => l.branch)), false) });
    assert.equal(kept.kind, 'found');
    assert.deepEqual(offered, [['ralph/s/1.1']], 'only the unmerged branch is put to the user');
    assert.deepEqual(kept.removed.map((x) => [x.leftover.branch, x.merged]), [['ralph/s/old', true]]);
    assert.deepEqual(kept.kept.map((l) => l.branch), ['ralph/s/1.1']);
    assert.equal(kept.unconfirmed, false);
    assert.match(describeLeftover(kept.kept[0]!), /^NOT MERGED/);
    const unasked = await cleanLeftovers(loaded);
    assert.deepEqual([unasked.kept.map((l) => l.branch), unasked.unconfirmed], [['ralph/s/1.1'], true], 'with no one to ask, unmerged work stays');
    const dropped = await cleanLeftovers(loaded, { confirmDrop: async () => true });
    assert.deepEqual(dropped.removed.map((x) => [x.leftover.branch, x.merged]), [['ralph/s/1.1', false]]);
    assert.equal((await cleanLeftovers(loaded)).kind, 'clean');
    assert.equal(r.git('branch', '--list', 'ralph/*').trim(), '');
  });

  it('asks before dropping unmerged work, and keeps it on a no', async () => {
    const r = makeRepo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })));
    repos.push(r);
    const wt = new GitWorktrees({ repoDir: r.dir, specName: 's' });
    const w = await wt.prepare('1.1');
    writeFileSync(join(w.path, 'a.txt'), 'unmerged work\n');
    await wt.commitWork(w, 'work');
    const io = (answer: boolean, questions: string[]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (d: Buffer) => (out += d.toString()));
      stderr.on('data', (d: Buffer) => (out += d.toString()));
      return {
        io: { stdout, stderr, cwd: r.dir, env: {}, confirm: async (q: string) => (questions.push(q), answer) },
        output: () => out,
      };
    };
    const asked: string[] = [];
    const no = io(false, asked);
    assert.equal(await cleanCommand([SPEC], no.io), 0, no.output());
    assert.match(asked[0] ?? '', /Remove 1 branch\(es\) and worktree\(s\) with unmerged or uncommitted work\? .*\[y\/N\]/, JSON.stringify(asked));
    assert.match(no.output(), /kept ralph\/s\/1\.1/, no.output());
    assert.equal(r.git('branch', '--list', 'ralph/s/1.1', '--format=%(refname:short)').trim(), 'ralph/s/1.1');
    assert.ok(existsSync(join(w.path, 'a.txt')));

    const yes = io(true, asked);
    assert.equal(await cleanCommand([SPEC], yes.io), 0, yes.output());
    assert.match(yes.output(), /removed ralph\/s\/1\.1 \(its work is gone\)/, yes.output());
    assert.equal(r.git('branch', '--list', 'ralph/*').trim(), '');
    assert.equal(existsSync(w.path), false);
  });
});
