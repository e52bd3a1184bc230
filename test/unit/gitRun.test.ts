// The one git runner (src/node/gitRun.ts): every git command goes through it, and none of them
// follows a GIT_DIR, GIT_WORK_TREE or GIT_INDEX_FILE that a git hook or a CI job exported to
// another repository.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sources } from './sourceFiles';
import { join, relative } from 'node:path';
import { git, gitTopLevel, REPOSITORY_VARIABLES, withoutRepositoryVariables } from '../../src/node/gitRun';
import { CliGitPort } from '../../src/node/git';
import { ensureBuilt, makeRepo, ROOT, runCli, taskMd, type Repo } from './e2e-helpers';

const SPEC = 'specs/s/tasks.md';


/** What can tell that a repository was touched: its refs, HEAD, index and working tree. */
function fingerprint(r: Repo, index: string): string {
  const refs = r.git('for-each-ref', '--format=%(refname) %(objectname)');
  const worktrees = r.git('worktree', 'list', '--porcelain');
  const status = r.git('status', '--porcelain', '--untracked-files=all');
  const indexHash = createHash('sha256').update(readFileSync(index)).digest('hex');
  return [r.git('rev-parse', 'HEAD'), refs, worktrees, status, indexHash].join('\n');
}

describe('git runner', function () {
  this.timeout(120_000);
  const repos: Repo[] = [];
  const repo = (files: Record<string, string>): Repo => {
    const r = makeRepo(files);
    repos.push(r);
    return r;
  };
  after(() => repos.forEach((r) => r.cleanup()));

  it('no src/node file runs git but gitRun.ts', () => {
    // Who may start processes at all, and what for: git; agents; the process table; the clients
    // of container engines (docker, kubectl).
    // (kubernetes.ts holds the text of the log follower it runs with `node -e`, which starts kubectl.)
    const mayStartProcesses = new Set(['src/node/gitRun.ts', 'src/node/executor/process.ts', 'src/node/executor/processTable.ts', 'src/node/runners/engine.ts', 'src/node/runners/kubernetes.ts']);
    const offences: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file).split('\\').join('/');
      if (rel === 'src/node/gitRun.ts') continue;
      const text = readFileSync(file, 'utf8');
      if (/from\s+['"](node:)?child_process['"]|require\(\s*['"](node:)?child_process['"]\s*\)/.test(text) && !mayStartProcesses.has(rel)) {
        offences.push(`${rel} imports child_process`);
      }
      if (/from\s+['"]simple-git['"]|require\(\s*['"]simple-git['"]/.test(text)) offences.push(`${rel} imports simple-git`);
      // git started another way (runProcess, a spawn helper, a shell line) still names it so.
      if (/\b(spawn|spawnSync|execFile|execFileSync|exec|execSync|fork|runProcess)\s*\(\s*['"`]git\b|\bcommand:\s*['"`]git\b/.test(text)) {
        offences.push(`${rel} runs git itself`);
      }
    }
    assert.deepEqual(offences, [], offences.join('\n'));
  });

  it('clears every variable git itself clears for another repository, and keeps the user\'s settings', () => {
    const local = spawnSync('git', ['rev-parse', '--local-env-vars'], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.ok(local.includes('GIT_DIR'), local.join(' '));
    const missing = local.filter((v) => !v.startsWith('GIT_CONFIG') && !REPOSITORY_VARIABLES.includes(v));
    assert.deepEqual(missing, []);
    const env = withoutRepositoryVariables({
      GIT_DIR: '/elsewhere/.git',
      git_work_tree: '/elsewhere',
      GIT_INDEX_FILE: '/elsewhere/.git/index',
      GIT_NAMESPACE: 'ns',
      GIT_AUTHOR_NAME: 'Me',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
      GIT_CEILING_DIRECTORIES: '/home',
      PATH: '/bin',
    });
    assert.deepEqual(Object.keys(env).sort(), ['GIT_AUTHOR_NAME', 'GIT_CEILING_DIRECTORIES', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'PATH']);
  });

  it('a shared-tree commit is made as the author the environment names, as merges were', async () => {
    const r = repo({ 'a.txt': 'a\n' });
    r.write('b.txt', 'b\n');
    const saved = [process.env.GIT_AUTHOR_NAME, process.env.GIT_AUTHOR_EMAIL];
    process.env.GIT_AUTHOR_NAME = 'Ada Env';
    process.env.GIT_AUTHOR_EMAIL = 'ada@env.invalid';
    try {
      await new CliGitPort(r.dir).commit('add b', { exclude: new Set() });
    } finally {
      for (const [k, v] of [['GIT_AUTHOR_NAME', saved[0]], ['GIT_AUTHOR_EMAIL', saved[1]]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    assert.equal(r.git('log', '-1', '--format=%an <%ae>').trim(), 'Ada Env <ada@env.invalid>');
  });

  it('settings a CI passes in GIT_CONFIG_* reach git; a git that answers with an exit code is no error when asked', async () => {
    const r = repo({ 'a.txt': 'a\n' });
    const keys = ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0'] as const;
    const saved = keys.map((k) => process.env[k]);
    Object.assign(process.env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'ralph.probe', GIT_CONFIG_VALUE_0: 'from-ci' });
    try {
      assert.equal((await git(r.dir, ['config', '--get', 'ralph.probe'])).stdout.trim(), 'from-ci');
    } finally {
      keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
    }
    const missing = await git(r.dir, ['config', '--get', 'ralph.none'], { ok: [0, 1] });
    assert.deepEqual([missing.code, missing.stdout], [1, '']);
    await assert.rejects(git(r.dir, ['config', '--get', 'ralph.none']), /git config --get ralph\.none failed \(exit 1\)/);
  });

  describe('with GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE exported to another repository', () => {
    let other: Repo;
    let exported: Record<string, string>;
    const saved: Record<string, string | undefined> = {};
    before(() => {
      other = repo({ 'other.txt': 'not yours\n' });
      exported = { GIT_DIR: join(other.dir, '.git'), GIT_WORK_TREE: other.dir, GIT_INDEX_FILE: join(other.dir, '.git', 'index') };
    });
    const exportThem = () => {
      for (const [k, v] of Object.entries(exported)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
    };
    const restore = () => {
      for (const k of Object.keys(exported)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    };

    it('the runner and the git port work in the folder they are given; a temporary index the caller names is used', async () => {
      const r = repo({ 'a.txt': 'a\n' });
      const before = fingerprint(other, exported.GIT_INDEX_FILE as string);
      r.write('b.txt', 'b\n');
      exportThem();
      let hash: string | undefined;
      let top: string | undefined;
      let tempIndexList: string;
      try {
        top = await gitTopLevel(r.dir);
        hash = await new CliGitPort(r.dir).commit('add b', { exclude: new Set() });
        const temp = join(r.dir, '.git', 'temp-index');
        await git(r.dir, ['read-tree', '--empty'], { env: { GIT_INDEX_FILE: temp } });
        tempIndexList = (await git(r.dir, ['ls-files'], { env: { GIT_INDEX_FILE: temp } })).stdout;
      } finally {
        restore();
      }
      assert.equal(top, r.git('rev-parse', '--show-toplevel').trim());
      assert.equal(hash, r.git('rev-parse', 'HEAD').trim());
      assert.equal(r.git('show', '--name-only', '--format=', 'HEAD').trim(), 'b.txt');
      assert.equal(tempIndexList, '', 'the caller\'s GIT_INDEX_FILE, not the repository\'s index');
      assert.equal(r.git('ls-files').trim().split('\n').sort().join(' '), 'a.txt b.txt');
      assert.equal(fingerprint(other, exported.GIT_INDEX_FILE as string), before);
    });

    for (const isolation of ['worktree', 'none'] as const) {
      it(`a run (isolation ${isolation}) with the demo agent commits in its own repository and leaves the other untouched`, async () => {
        ensureBuilt();
        // The Verify runs git in the task's folder: it must see no variable pointing elsewhere.
        const verify = 'test -z "$GIT_DIR$GIT_WORK_TREE$GIT_INDEX_FILE" && test "$(git rev-parse --show-toplevel)" = "$(pwd -P)"';
        const r = repo({
          [SPEC]: `# Tasks: env\n\n## Phase 1: Work\n\n${taskMd('1.1', 'Make a', { markers: ['P'], files: ['a.txt'], verify })}${taskMd('1.2', 'Make b', { markers: ['P'], files: ['b.txt'] })}`,
        });
        const before = fingerprint(other, exported.GIT_INDEX_FILE as string);
        const res = await runCli(['run', SPEC, '--agent', 'demo', '--isolation', isolation, '--commit', 'individual'], r.dir, {
          ...exported,
          RALPH_DEMO_SPEED: '0',
        });
        assert.equal(res.code, 0, res.stdout + res.stderr);
        const subjects = r.git('log', '--format=%s').trim().split('\n');
        assert.equal(subjects.length, 3, subjects.join('\n'));
        assert.ok(subjects.some((s) => s.includes('1.1')) && subjects.some((s) => s.includes('1.2')), subjects.join('\n'));
        assert.equal(r.read('a.txt').includes('Task 1.1'), true);
        assert.deepEqual(r.git('ls-files', 'a.txt', 'b.txt').trim().split('\n'), ['a.txt', 'b.txt']);
        assert.match(r.read(SPEC), /- \[x\] 1\.1 [\s\S]*- \[x\] 1\.2 /);
        assert.equal(fingerprint(other, exported.GIT_INDEX_FILE as string), before);
        assert.equal(other.exists('a.txt') || other.exists('specs'), false);
      });
    }
  });
});
