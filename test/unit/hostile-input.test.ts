// Bad and hostile input ("Nothing lost, ever"): every case gets a clear message naming the file and
// line where there is one, exit code 2 for bad input from the CLI, no stack trace, and time and
// memory linear in the input. One `it` per reported crash or hang.

import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Diagnostic, Spec } from '../../src/core/model';
import { toMermaid } from '../../src/core/mermaid';
import { parseManifest, parseSpec } from '../../src/core/parse/index';
import { MAX_FILE_PATTERN_LENGTH, MAX_NESTING_DEPTH } from '../../src/core/parse/limits';
import { planSpec } from '../../src/core/plan/index';
import { StateError } from '../../src/core/state';
import { environmentProblem, NoSpaceError } from '../../src/node/environment';
import { git } from '../../src/node/gitRun';
import { main, type CliIo } from '../../src/node/cli/main';
import { FileStateStore } from '../../src/node/stores/state';
import { isAtomicTempFile } from '../../src/node/stores/atomic';
import { CLI, ensureBuilt, makeRepo, ROOT, type Repo } from './e2e-helpers';
import { LEFT_OPEN } from './hostileCases';

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && x.length > 200 ? `${x.slice(0, 200)}…` : x));
const codes = (spec: { diagnostics: readonly Diagnostic[] }): string[] => spec.diagnostics.map((d) => d.code);

/** `main` with captured output. */
async function cli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, cwd, env: { ...process.env, NO_COLOR: '1', ...env } };
  const code = await main(argv, io);
  return { code, out, err };
}

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at |internal error|Maximum call stack/, text);
}

describe('hostile input', function () {
  this.timeout(120_000);
  const temps: string[] = [];
  const repos: Repo[] = [];
  const temp = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ralph-hostile-'));
    temps.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    for (const r of repos) r.cleanup();
  });

  it('1. leaves a Files pattern over the length limit out of the task, with a warning on its line, in plan, graph and run', async () => {
    const long = `src/${'[ab]'.repeat(17_000)}*.ts`;
    assert.ok(long.length > 65_536, 'longer than picomatch accepts');
    const md = `# T\n\n- [ ] 1.1 [P] Long\n  - **Do**: x\n  - **Files**: \`${long}\`, \`a.txt\`\n- [ ] 1.2 [P] Other\n  - **Files**: src/b.ts\n`;
    const spec = parseSpec(md, { path: 'tasks.md' });
    const plan = planSpec(spec);
    const t = spec.tasks[0];
    assert.deepEqual(t?.files, ['a.txt'], show(t?.files));
    const warning = plan.diagnostics.find((d) => d.code === 'file-pattern-too-long');
    assert.ok(warning, show(plan.diagnostics));
    assert.equal(warning.severity, 'warning');
    assert.equal(warning.range.start.line, 4, 'on the Files line');
    assert.match(warning.message, new RegExp(`Task 1\\.1: file pattern too long \\(${long.length} characters, limit ${MAX_FILE_PATTERN_LENGTH}\\)`), warning.message);
    assert.equal(plan.hasErrors, false);
    assert.match(toMermaid(plan), /t_1_1/);

    // The same from a manifest's file_scope and from a spec-kit description.
    const manifest = parseManifest(JSON.stringify({ tasks: [{ task_id: 'A', file_scope: [long, 'a.txt'] }] }, null, 2), { path: 'm.json' });
    assert.deepEqual([manifest.tasks[0]?.files, codes(manifest)], [['a.txt'], ['file-pattern-too-long']], show(manifest.diagnostics));
    const kit = parseSpec(`- [ ] T001 Write ${long} and src/a.py\n- [ ] T002 More\n`, { path: 'tasks.md' });
    assert.deepEqual([kit.tasks[0]?.files, codes(kit)], [['src/a.py'], ['file-pattern-too-long']], show(kit.diagnostics));

    // A path of 40 000 segments is a trie as deep: planned without running out of stack.
    const deepPath = `${'a/'.repeat(40_000)}x.ts`.slice(0, MAX_FILE_PATTERN_LENGTH);
    const deep = planSpec(parseSpec(`- [ ] 1.1 [P] A\n  - **Files**: ${deepPath}\n- [ ] 1.2 [P] B\n  - **Files**: ${deepPath}\n`, { path: 'tasks.md' }));
    assert.deepEqual(deep.conflicts, [['1.1', '1.2']]);

    const dir = temp();
    writeFileSync(join(dir, 'tasks.md'), md);
    for (const command of ['plan', 'graph']) {
      const res = await cli([command, 'tasks.md'], dir);
      assert.equal(res.code, 0, res.out + res.err);
      noStack(res.err);
    }
    assert.match((await cli(['plan', 'tasks.md'], dir)).out, /tasks\.md:5: warning: Task 1\.1: file pattern too long/);
    // The run goes on without the pattern (outside a repository, so nothing to commit).
    const speed = process.env.RALPH_DEMO_SPEED;
    process.env.RALPH_DEMO_SPEED = '0';
    try {
      const res = await cli(['run', 'tasks.md', '--agent', 'demo', '--isolation', 'none', '--commit', 'none'], dir);
      assert.equal(res.code, 0, res.out + res.err);
      noStack(res.err);
      assert.ok(existsSync(join(dir, 'a.txt')) && existsSync(join(dir, 'src', 'b.ts')), readdirSync(dir).join(', '));
    } finally {
      if (speed === undefined) delete process.env.RALPH_DEMO_SPEED;
      else process.env.RALPH_DEMO_SPEED = speed;
    }
  });

  it('2. reads an unclosed "(depends on" clause, and other constructs left open on a line, at sizes the old reading took minutes on', function () {
    // Each of these was quadratic (or worse) in n: a regex tried every start of a long run
    // against the rest of the line. Linear means 4× the input costs about 4× the time; a
    // quadratic reading costs 16×.
    // Sizes at which the old readings took about a second: [P left open was cubic.
    const cases = LEFT_OPEN;
    // Each at 16× the size where the old reading took about a second (about 4 minutes for a
    // quadratic one, far more for the cubic): read now in milliseconds, so the test's own timeout
    // is a wide margin, not a measurement. How the time grows is measured in bench/hostile.bench.ts.
    this.timeout(60_000);
    for (const [name, [n, make]] of Object.entries(cases)) {
      const plan = planSpec(parseSpec(make(16 * n), { path: 'tasks.md' }));
      assert.ok(plan.spec.tasks.length >= 1, `${name}: ${show(plan.spec.diagnostics)}`);
    }
    // What the clause means is unchanged.
    const spec = parseSpec('- [ ] T001 A\n- [ ] T002 B (depends on (T001), and T001)\n- [ ] T003 C (depends on: T002) (depends on T001)\n- [ ] T004 D (depends on none)\n', {
      path: 'tasks.md',
    });
    assert.deepEqual(
      spec.tasks.map((t) => t.declaredDependsOn),
      [undefined, ['T001'], ['T002'], []],
      show(spec.tasks.map((t) => t.declaredDependsOn)),
    );
  });

  it('3. refuses lists nested deeper than the limit at the line that goes too deep, before remark or the planner see them', async () => {
    const nestedTasks = (depth: number) => `# T\n\n${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}- [ ] ${i + 1}. Task ${i + 1}\n`).join('')}`;
    const refused = (spec: Spec, line: number, depth = MAX_NESTING_DEPTH + 1): void => {
      assert.deepEqual(
        spec.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]),
        [['malformed-input', 'error', line]],
        show(spec.diagnostics),
      );
      assert.match(spec.diagnostics[0]?.message ?? '', new RegExp(`nested ${depth} levels deep; Ralph reads at most ${MAX_NESTING_DEPTH}`));
      assert.equal(spec.tasks.length, 0);
    };
    // 1 000 nested tasks took 0.9 s and 1.2 GB (each task's text holds all below it), 2 000 ran
    // out of heap; 2 000 nested bullets in one body took 3.5 minutes, then overflowed the stack.
    refused(parseSpec(nestedTasks(1000), { path: 'tasks.md' }), 2 + MAX_NESTING_DEPTH);
    const bullets = `- [ ] 1.1 Top\n${Array.from({ length: 1000 }, (_, i) => `${'  '.repeat(i + 1)}- item ${i}\n`).join('')}`;
    refused(parseSpec(bullets, { path: 'tasks.md' }), MAX_NESTING_DEPTH);
    // Nesting on one line, and block quotes.
    refused(parseSpec(`- [ ] 1.1 Top\n  ${'- '.repeat(3000)}x\n`, { path: 'tasks.md' }), 1, 3001);
    refused(parseSpec(`- [ ] 1.1 Top\n  ${'> - '.repeat(3000)}x\n`, { path: 'tasks.md' }), 1, 6001);
    refused(parseSpec(`- [ ] 1.1 Top\n${Array.from({ length: 300 }, (_, i) => `  ${'>'.repeat(i + 1)} x\n`).join('')}`, { path: 'tasks.md' }), 100);
    // As deep as allowed is read.
    const deepest = parseSpec(nestedTasks(MAX_NESTING_DEPTH), { path: 'tasks.md' });
    assert.deepEqual([deepest.tasks.length, codes(deepest)], [MAX_NESTING_DEPTH, []]);
    assert.equal(deepest.tasks[MAX_NESTING_DEPTH - 1]?.depth, MAX_NESTING_DEPTH - 1);

    // The refusal costs one look at each line: a million levels on one line (the old reading
    // overflowed the stack at a few thousand) is refused at once (bench/hostile.bench.ts measures it).
    refused(parseSpec(`- [ ] 1.1 Top\n  ${'- '.repeat(1_000_000)}x\n`, { path: 'tasks.md' }), 1, 1_000_001);

    // Manifests and front matter are nested brackets: jsonc-parser and yaml read them recursively.
    const manifest = parseManifest(`{"tasks": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, { path: 'm.json' });
    assert.deepEqual([codes(manifest), manifest.diagnostics[0]?.range.start.character], [['malformed-input'], 9 + MAX_NESTING_DEPTH]);
    const frontMatter = parseSpec(`---\na: ${'['.repeat(10_000)}\n---\n- [ ] 1.1 X\n`, { path: 'tasks.md' });
    assert.deepEqual([frontMatter.tasks.length, codes(frontMatter)], [1, ['malformed-field']], show(frontMatter.diagnostics));
    assert.match(frontMatter.diagnostics[0]?.message ?? '', /Front matter is nested more than 100 levels deep/);

    // The CLI: exit 2, file:line, no stack.
    const dir = temp();
    writeFileSync(join(dir, 'tasks.md'), bullets);
    writeFileSync(join(dir, 'deep.json'), '['.repeat(100_000) + ']'.repeat(100_000));
    for (const command of ['plan', 'graph', 'run']) {
      const res = await cli([command, 'tasks.md', ...(command === 'run' ? ['--agent', 'demo'] : [])], dir);
      assert.equal(res.code, 2, res.out + res.err);
      assert.match(res.err, /^ralph: tasks\.md:101: Lists or block quotes nested 101 levels deep; Ralph reads at most 100\n$/, res.err);
    }
    const json = await cli(['plan', 'deep.json'], dir);
    assert.equal(json.code, 2, json.err);
    assert.match(json.err, /^ralph: deep\.json:1: Arrays or objects nested more than 100 levels deep/, json.err);
  });

  it('4. backs up a state file nested too deeply and names it, instead of overflowing the stack', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'tasks.md'), '- [ ] 1.1 X\n');
    const file = join(dir, '.ralph-state.json');
    const bad = '['.repeat(100_000) + ']'.repeat(100_000);
    writeFileSync(file, bad);
    let caught: unknown;
    await new FileStateStore(dir).load().catch((e: unknown) => (caught = e));
    assert.ok(caught instanceof StateError, String(caught));
    assert.match(caught.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:101: not a valid state file: nested too deeply`), caught.message);
    const backups = readdirSync(dir).filter((n) => n.startsWith('.ralph-state.json.corrupt-'));
    assert.equal(backups.length, 1, readdirSync(dir).join(', '));
    assert.equal(caught.backupPath, join(dir, backups[0] ?? ''));
    assert.equal(readFileSync(join(dir, backups[0] ?? ''), 'utf8'), bad);
    assert.equal(readFileSync(file, 'utf8'), bad, 'the original stays');

    const res = await cli(['status', 'tasks.md'], dir);
    assert.equal(res.code, 2, res.out + res.err);
    assert.match(res.err, /^ralph: .*\.ralph-state\.json:1:101: not a valid state file: nested too deeply .*copied to .*\.corrupt-/, res.err);
    noStack(res.err);
  });

  it('5. finishes a run whose stdout reader went away: state "finished", lock released, no EPIPE trace', async () => {
    ensureBuilt();
    const tasks = Array.from({ length: 6 }, (_, i) => `- [ ] 1.${i + 1} [P] Task ${i + 1}\n  - **Do**: write f${i + 1}\n  - **Files**: \`f${i + 1}.txt\`\n`);
    const r = makeRepo({ 'specs/s/tasks.md': `# Tasks\n\n## Phase 1\n\n${tasks.join('\n')}`, 'README.md': 'hello\n' });
    repos.push(r);
    const child = spawn(process.execPath, [CLI, 'run', 'specs/s', '--agent', 'demo'], {
      cwd: r.dir,
      env: { ...process.env, NO_COLOR: '1', RALPH_DEMO_SPEED: '0.2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Like `| head -1`: the reader takes the first line and goes.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
    const state = JSON.parse(r.read('specs/s/.ralph-state.json')) as { ralph: { status: string; tasks: Record<string, { status: string }> } };
    assert.equal(state.ralph.status, 'finished', show(state.ralph));
    assert.deepEqual(Object.values(state.ralph.tasks).map((t) => t.status), Array(6).fill('success'), show(state.ralph.tasks));
    assert.equal(r.exists('specs/s/.ralph-run.lock'), false, 'the lock is released');
    assert.equal(r.git('worktree', 'list').trim().split('\n').length, 1, r.git('worktree', 'list'));

    // `ralph status | head -1`: its reader is gone before the first write.
    const status = spawn(process.execPath, [CLI, 'status', 'specs/s'], { cwd: r.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    status.stdout.destroy();
    let statusErr = '';
    status.stderr.on('data', (d: Buffer) => (statusErr += d.toString()));
    const statusCode = await new Promise<number | null>((resolve) => status.on('close', (c) => resolve(c)));
    assert.equal(statusCode, 0, statusErr);
    assert.equal(statusErr, '');
  });

  it('6. refuses files outside the repository: an error on the Files line, no run, and the demo agent writes nothing outside its folder', async () => {
    const md = '- [ ] 1.1 Escape\n  - **Do**: x\n  - **Files**: `../../x`, `/etc/passwd`, `C:\\x`, `~/.bashrc`, `src/ok.ts`, `src/../../y`\n- [ ] 1.2 Fine\n  - **Files**: `src/../b.ts`, `./c/`\n';
    const plan = planSpec(parseSpec(md, { path: 'tasks.md' }));
    const errors = plan.diagnostics.filter((d) => d.code === 'file-outside-repository');
    assert.deepEqual(
      errors.map((d) => [d.severity, d.range.start.line, d.taskId]),
      Array(5).fill(['error', 2, '1.1']),
      show(plan.diagnostics),
    );
    assert.match(errors[0]?.message ?? '', /^Task 1\.1: file \.\.\/\.\.\/x is outside the repository/);
    assert.ok(plan.hasErrors);
    const manifest = parseManifest(JSON.stringify({ tasks: [{ task_id: 'A', file_scope: ['/etc/passwd'] }] }), { path: 'm.json' });
    assert.deepEqual(manifest.diagnostics.map((d) => [d.code, d.severity]), [['file-outside-repository', 'error']]);
    // Prose may mention such a path: it is left out of the scope, with a warning, and nothing stops.
    const kit = planSpec(parseSpec('- [ ] T001 Copy ../shared/x.ts into src/a.ts\n- [ ] T002 B\n', { path: 'tasks.md' }));
    assert.deepEqual([kit.spec.tasks[0]?.files, kit.diagnostics.map((d) => [d.code, d.severity]), kit.hasErrors], [['src/a.ts'], [['file-outside-repository', 'warning']], false]);

    const root = temp();
    const dir = join(root, 'a', 'b');
    await fsp.mkdir(dir, { recursive: true });
    writeFileSync(join(dir, 'tasks.md'), '- [ ] 1.1 Escape\n  - **Files**: `../../x`\n');
    const res = await cli(['run', 'tasks.md', '--agent', 'demo', '--isolation', 'none', '--commit', 'none'], dir);
    assert.equal(res.code, 1, res.out + res.err);
    assert.match(res.err, /^tasks\.md:2: error: Task 1\.1: file \.\.\/\.\.\/x is outside the repository/, res.err);
    assert.equal(existsSync(join(root, 'x')), false);

    // The demo agent, given such a file all the same, does not write it.
    execFileSync(process.execPath, [join(ROOT, 'examples', 'demo-agent.mjs')], {
      cwd: dir,
      env: { ...process.env, RALPH_DEMO_SPEED: '0', RALPH_TASK_ID: '1.1', RALPH_FILES: ['../../x', join(root, 'abs'), 'inside.txt'].join('\n'), RALPH_PROMPT_FILE: '' },
      stdio: 'pipe',
    });
    assert.deepEqual([existsSync(join(root, 'x')), existsSync(join(root, 'abs')), existsSync(join(dir, 'inside.txt'))], [false, false, true]);
  });

  it('7. says git is missing or the disk is full, exit 2, instead of "not a git repository" or "internal error"', async () => {
    // The mapping, from what Node and the git runner really throw.
    const spawnError = await new Promise<unknown>((resolve) => {
      const child = spawn('git', ['--version'], { env: { PATH: join(temp(), 'no-such-folder') } });
      child.on('error', resolve);
    });
    assert.match(environmentProblem(spawnError) ?? '', /^git is not installed or not on PATH \(spawn git ENOENT\)/);
    const savedPath = process.env.PATH;
    let runnerError: unknown;
    let noFolder: unknown;
    try {
      process.env.PATH = join(temp(), 'no-such-folder');
      runnerError = await git(temp(), ['--version']).catch((e: unknown) => e);
      // A missing working folder is no missing git, though Node says ENOENT for both.
      noFolder = await git(join(temp(), 'gone'), ['--version']).catch((e: unknown) => e);
    } finally {
      process.env.PATH = savedPath;
    }
    assert.match(environmentProblem(runnerError) ?? '', /^git is not installed or not on PATH \(spawn git ENOENT\)/);
    assert.equal(environmentProblem(noFolder), undefined);
    assert.match(String(noFolder), /the folder \S+gone does not exist/);
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC', path: '/x/y.json' });
    assert.equal(environmentProblem(full), 'no space left on device while writing /x/y.json');
    assert.equal(environmentProblem(Object.assign(new Error('EDQUOT'), { code: 'EDQUOT', path: '/q' })), 'disk quota exceeded while writing /q');
    assert.equal(environmentProblem(Object.assign(new Error('ENOENT'), { code: 'ENOENT', path: '/missing' })), undefined);

    // The store: a full disk while writing the temp file names the state file, and leaves no temp.
    const dir = temp();
    const store = new FileStateStore(dir);
    const realOpen = fsp.open;
    fsp.open = (async (...args: Parameters<typeof fsp.open>) => {
      const handle = await realOpen(...args);
      handle.writeFile = async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
      };
      return handle;
    }) as typeof fsp.open;
    let caught: unknown;
    try {
      await store.save({ taskIndex: 0, totalTasks: 1 }).catch((e: unknown) => (caught = e));
    } finally {
      fsp.open = realOpen;
    }
    assert.ok(caught instanceof NoSpaceError, String(caught));
    assert.equal(caught.message, `no space left on device while writing ${join(dir, '.ralph-state.json')}`);
    assert.deepEqual(readdirSync(dir).filter(isAtomicTempFile), []);

    // The CLI without git on PATH: run and clean say so, exit 2.
    const r = makeRepo({ 'specs/s/tasks.md': '- [ ] 1.1 X\n  - **Files**: `a.txt`\n' });
    repos.push(r);
    const path = process.env.PATH;
    process.env.PATH = join(temp(), 'no-such-folder');
    try {
      for (const argv of [['run', 'specs/s', '--agent', 'demo'], ['clean', 'specs/s']]) {
        const res = await cli(argv, r.dir);
        assert.equal(res.code, 2, res.out + res.err);
        assert.match(res.err, /^ralph: git is not installed or not on PATH \(spawn git ENOENT\)/, res.err);
        assert.doesNotMatch(res.err, /not a git repository|not in a git repository/, res.err);
      }
    } finally {
      process.env.PATH = path;
    }
    assert.equal(r.exists('a.txt'), false, 'no task ran');
  });
});
