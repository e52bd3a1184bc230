import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseStatusZ, CliGitPort } from '../../src/node/git';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

/** Files changed by a commit, sorted. */
function filesOf(root: string, commit: string): string[] {
  return git(root, 'show', '--name-only', '--format=', '-z', commit).split('\0').filter(Boolean).sort();
}

function newRepo(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-git-')));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Ralph Test');
  git(root, 'config', 'user.email', 'ralph@example.invalid');
  git(root, 'config', 'commit.gpgsign', 'false');
  return root;
}

describe('git: parseStatusZ', () => {
  it('reads modified, staged, untracked and renamed entries', () => {
    const out = ' M a.txt\0A  new file.txt\0?? -dash\0R  to.txt\0from.txt\0';
    const entries = parseStatusZ(out);
    assert.deepEqual(
      entries,
      [
        { index: ' ', workTree: 'M', path: 'a.txt' },
        { index: 'A', workTree: ' ', path: 'new file.txt' },
        { index: '?', workTree: '?', path: '-dash' },
        { index: 'R', workTree: ' ', path: 'to.txt', from: 'from.txt' },
      ],
      JSON.stringify(entries),
    );
  });
});

describe('git: CliGitPort', function () {
  this.timeout(20000);
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = newRepo();
    write(root, 'base.txt', 'base\n');
    write(root, 'src/lamp.ts', 'export const on = false;\n');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'base');
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-nogit-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('knows a repository, also one without commits, and a plain folder', async () => {
    assert.equal(await new CliGitPort(root).isRepository(), true);
    assert.equal(await new CliGitPort(path.join(root, 'src')).isRepository(), true);
    assert.equal(await new CliGitPort(outside).isRepository(), false);
    assert.equal(await new CliGitPort(path.join(outside, 'missing')).isRepository(), false);
    const empty = newRepo();
    try {
      const port = new CliGitPort(empty);
      assert.equal(await port.isRepository(), true);
      write(empty, 'first.txt', 'one\n');
      const hash = await port.commit('First commit', { exclude: new Set() });
      assert.match(hash ?? '', /^[0-9a-f]{40}$/, String(hash));
      assert.deepEqual(filesOf(empty, 'HEAD'), ['first.txt']);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('lists dirty paths repo-relative: modified, staged, untracked, renamed, odd names', async () => {
    write(root, 'base.txt', 'changed\n');
    write(root, 'staged.txt', 'x\n');
    git(root, 'add', 'staged.txt');
    write(root, 'docs/notes ü.md', 'n\n');
    write(root, '-rf', 'dash\n');
    git(root, 'mv', 'src/lamp.ts', 'src/light.ts');
    const dirty = (await new CliGitPort(path.join(root, 'src')).dirtyPaths()).sort();
    assert.deepEqual(dirty, ['-rf', 'base.txt', 'docs/notes ü.md', 'src/lamp.ts', 'src/light.ts', 'staged.txt'], JSON.stringify(dirty));
  });

  it('commits changed paths but never excluded ones, even when the user staged them', async () => {
    write(root, 'base.txt', 'user edit before the run\n');
    git(root, 'add', 'base.txt');
    write(root, 'user-untracked.txt', 'mine\n');
    write(root, 'src/lamp.ts', 'export const on = true;\n');
    write(root, 'src/dim mer.ts', 'export const level = 3;\n');
    write(root, '-n', 'leading dash\n');
    write(root, 'glob[1]*.ts', 'literal name\n');
    const port = new CliGitPort(root);
    const hash = await port.commit('feat(lamp): dimmer\n\nBody line one.\nBody line two.', {
      exclude: new Set(['base.txt', 'user-untracked.txt']),
    });
    assert.ok(hash, 'a commit was made');
    assert.deepEqual(filesOf(root, hash), ['-n', 'glob[1]*.ts', 'src/dim mer.ts', 'src/lamp.ts'], JSON.stringify(filesOf(root, hash)));
    assert.equal(git(root, 'log', '-1', '--format=%B').trim(), 'feat(lamp): dimmer\n\nBody line one.\nBody line two.');
    assert.equal(git(root, 'rev-parse', 'HEAD').trim(), hash);
    // The user's staged change is still staged, and their untracked file still untracked.
    const status = git(root, 'status', '--porcelain=v1');
    assert.equal(status, 'M  base.txt\n?? user-untracked.txt\n', status);
  });

  it('commits only the listed paths that changed, directories included', async () => {
    write(root, 'base.txt', 'other task\n');
    write(root, 'src/lamp.ts', 'export const on = true;\n');
    write(root, 'src/new/timer.ts', 'export {};\n');
    write(root, 'unchanged-but-listed.txt', '');
    fs.rmSync(path.join(root, 'unchanged-but-listed.txt'));
    const port = new CliGitPort(root);
    const hash = await port.commit('task 1.2', { exclude: new Set(), only: ['src/lamp.ts', `${root}/src/new/`, 'unchanged-but-listed.txt'] });
    assert.ok(hash);
    assert.deepEqual(filesOf(root, hash), ['src/lamp.ts', 'src/new/timer.ts']);
    assert.equal(git(root, 'status', '--porcelain=v1'), ' M base.txt\n');
  });

  it('commits a rename and a deletion', async () => {
    git(root, 'mv', 'src/lamp.ts', 'src/light.ts');
    fs.rmSync(path.join(root, 'base.txt'));
    const hash = await new CliGitPort(root).commit('rename', { exclude: new Set() });
    assert.ok(hash);
    const changes = git(root, 'show', '--name-status', '--format=', '-M', hash).trim().split('\n').sort();
    assert.deepEqual(changes, ['D\tbase.txt', 'R100\tsrc/lamp.ts\tsrc/light.ts'], JSON.stringify(changes));
    assert.equal(git(root, 'status', '--porcelain=v1'), '');
  });

  it('never commits an atomic write in flight (a temp file that may vanish before git add)', async () => {
    const port = new CliGitPort(root);
    write(root, 'specs/s/.ralph-state.json.4242.0123456789ab.tmp', '{"half": ');
    write(root, 'out.txt', 'work\n');
    const sha = await port.commit('work', { exclude: new Set() });
    assert.ok(sha);
    assert.deepEqual(filesOf(root, sha), ['out.txt'], JSON.stringify(filesOf(root, sha)));
  });

  it('returns undefined when there is nothing to commit', async () => {
    const port = new CliGitPort(root);
    const head = git(root, 'rev-parse', 'HEAD');
    assert.equal(await port.commit('nothing', { exclude: new Set() }), undefined);
    write(root, 'base.txt', 'only excluded change\n');
    assert.equal(await port.commit('nothing', { exclude: new Set(['base.txt']) }), undefined);
    assert.equal(await port.commit('nothing', { exclude: new Set(), only: ['src/lamp.ts'] }), undefined);
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
  });

  it('gives back HEAD\'s version to an intent-to-add entry a user\'s concurrent commit wrote back over a committed file', async () => {
    const port = new CliGitPort(root);
    write(root, 'src/new.ts', 'export const n = 1;\n');
    assert.ok(await port.commit('add new', { exclude: new Set() }));
    // What a `git commit` that read the index before Ralph's commit leaves when it writes it back.
    git(root, 'rm', '--cached', '--quiet', 'src/new.ts');
    git(root, 'add', '--intent-to-add', 'src/new.ts');
    assert.match(git(root, 'status', '--porcelain'), /^DA src\/new\.ts/m);
    assert.deepEqual(await port.dirtyPaths(), []);
    assert.equal(git(root, 'status', '--porcelain'), '');
    // The user's next commit keeps the file.
    write(root, 'base.txt', 'changed\n');
    git(root, 'commit', '-q', '-am', 'user');
    assert.equal(git(root, 'show', 'HEAD:src/new.ts'), 'export const n = 1;\n');
  });

  it('runs hooks (no bypass) and reports a hook that refuses', async function () {
    if (process.platform === 'win32') this.skip();
    const hook = path.join(root, '.git', 'hooks', 'pre-commit');
    fs.writeFileSync(hook, '#!/bin/sh\necho "lint failed" >&2\nexit 1\n', { mode: 0o755 });
    write(root, 'src/lamp.ts', 'bad\n');
    await assert.rejects(new CliGitPort(root).commit('blocked', { exclude: new Set() }), /lint failed/);
  });

  it('detects a merge in progress, and nothing otherwise', async () => {
    const port = new CliGitPort(root);
    assert.equal(await port.operationInProgress(), undefined);
    git(root, 'checkout', '-q', '-b', 'side');
    write(root, 'base.txt', 'side\n');
    git(root, 'commit', '-q', '-am', 'side');
    git(root, 'checkout', '-q', 'main');
    write(root, 'base.txt', 'main\n');
    git(root, 'commit', '-q', '-am', 'main');
    assert.throws(() => git(root, 'merge', 'side'));
    assert.equal(await port.operationInProgress(), 'merge');
    git(root, 'merge', '--abort');
    assert.equal(await port.operationInProgress(), undefined);
    assert.throws(() => git(root, 'cherry-pick', 'side'));
    assert.equal(await new CliGitPort(path.join(root, 'src')).operationInProgress(), 'cherry-pick');
    git(root, 'cherry-pick', '--abort');
    assert.throws(() => git(root, 'rebase', 'side'));
    assert.equal(await port.operationInProgress(), 'rebase');
    git(root, 'rebase', '--abort');
    git(root, 'bisect', 'start');
    assert.equal(await port.operationInProgress(), 'bisect');
  });

  it('detects a merge in a linked worktree through --git-path', async () => {
    const wt = `${root}-wt`;
    git(root, 'worktree', 'add', '-q', '-b', 'wt', wt);
    try {
      write(root, 'base.txt', 'main side\n');
      git(root, 'commit', '-q', '-am', 'main');
      write(wt, 'base.txt', 'worktree side\n');
      git(wt, 'commit', '-q', '-am', 'wt');
      assert.throws(() => git(wt, 'merge', 'main'));
      assert.equal(await new CliGitPort(wt).operationInProgress(), 'merge');
      assert.equal(await new CliGitPort(root).operationInProgress(), undefined);
    } finally {
      fs.rmSync(wt, { recursive: true, force: true });
    }
  });
});
