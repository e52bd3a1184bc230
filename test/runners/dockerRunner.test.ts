// The docker runner, for real: `ralph run --runner docker` from the bundle, in a temp git
// repository, on the machine's Docker engine and on a second engine that shares no folder with
// this machine (scripts/docker/engines.mjs). Each test checks what a user would: the work merged
// in task order, Verify run inside the container, nothing written on the host outside the
// worktree, every container gone afterwards, and a killed run resumed with nothing lost and
// nothing committed twice. Without Docker the suites are reported skipped, with the reason.

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RalphState, RunEvent } from '../../src/core/ports';
import { ensureBuilt, makeRepo, ROOT, runCliJson, waitFor, type JsonRun, type Repo } from '../unit/e2e-helpers';
import { agentImage, BASE_IMAGE, describeDocker, docker, SECOND_HOST } from './dockerEnv';
import { ScriptedModelServer } from '../agents/modelServer';
import { HARNESSES } from '../agents/clis';
import { anthropicHandlers } from '../agents/protocols/anthropic';

const SPEC = `# Tasks

- [ ] 1.1 Lay out the folder
  - **Do**: Create the readme of the source folder.
  - **Files**: src/README.md
  - **Verify**: \`test -f src/README.md && test -n "$RALPH_CODE"\`
- [ ] 1.2 [P] Write the alpha file
  - **Files**: src/alpha.txt
  - **Verify**: \`grep -q 1.2 src/alpha.txt\`
- [ ] 1.3 [P] Write the beta file
  - **Files**: src/beta.txt
  - **Verify**: \`grep -q 1.3 src/beta.txt\`
- [ ] 1.4 Write the gamma file
  - **Files**: src/gamma.txt
  - **Verify**: \`test -f src/alpha.txt && test -f src/beta.txt && test -n "$RALPH_CODE"\`
`;

const FILES = ['src/README.md', 'src/alpha.txt', 'src/beta.txt', 'src/gamma.txt'];
const LABEL = 'dev.ralph.run';

type RalphRun = JsonRun;

const logs = new Map<Repo, string>();
/** The agents' raw logs of a repository's runs: outside the repository. */
function logsOf(repo: Repo): string {
  let dir = logs.get(repo);
  if (dir === undefined) logs.set(repo, (dir = mkdtempSync(join(tmpdir(), 'ralph-docker-logs-'))));
  return dir;
}

const show = (v: unknown): string => JSON.stringify(v, null, 1).slice(0, 6000);

function ralph(repo: Repo, args: string[], env: NodeJS.ProcessEnv = {}, onChild?: (pid: number) => void): Promise<JsonRun> {
  return runCliJson(
    ['run', 'specs/demo', '--json', '--isolation', 'worktree', '--timeout', '120s', ...args],
    repo.dir,
    { RALPH_DEMO_AGENT: join(ROOT, 'examples', 'demo-agent.mjs'), RALPH_LOGS_DIR: logsOf(repo), ...env },
    240_000,
    onChild,
  );
}

async function containersOf(engine: 'main' | 'second', runId?: string): Promise<string[]> {
  const r = await docker(engine, ['ps', '--all', '--quiet', '--filter', `label=${LABEL}${runId !== undefined ? `=${runId}` : ''}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

function placed(run: RalphRun): Map<string, string> {
  return new Map(run.events.filter((e): e is Extract<RunEvent, { type: 'taskPlaced' }> => e.type === 'taskPlaced').map((e) => [e.taskId, e.runner]));
}

function assertAllMerged(repo: Repo, run: RalphRun): void {
  assert.equal(run.code, 0, `exit 0: ${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
  for (const f of FILES) assert.ok(repo.git('show', `HEAD:${f}`).length > 0, `${f} is committed on the user's branch`);
  const tasks = repo.read('specs/demo/tasks.md');
  assert.equal((tasks.match(/- \[x\]/g) ?? []).length, 4, tasks);
  assert.equal(repo.git('status', '--porcelain', '--', 'src').trim(), '', 'nothing left uncommitted');
  const progress = repo.read('specs/demo/.progress.md');
  for (const id of ['1.1', '1.2', '1.3', '1.4']) assert.match(progress, new RegExp(`${id.replace('.', '\\.')}: wrote`), `the notes of ${id} came back: ${progress}`);
}

before(function () {
  ensureBuilt();
});

describeDocker('docker runner: a container per attempt on this machine\'s engine', function () {
  this.timeout(300_000);
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo({ 'README.md': '# demo\n', 'specs/demo/tasks.md': SPEC });
  });
  afterEach(() => repo.cleanup());

  it('runs the 4-task spec in containers: merged in task order, Verify inside, every container gone', async () => {
    const run = await ralph(repo, ['--agent', 'demo', '--runner', 'docker', '--image', BASE_IMAGE, '--network', 'off', '--pass-env', 'RALPH_DEMO_SPEED', '--max-concurrent', '2'], { RALPH_DEMO_SPEED: '0.2' });
    assertAllMerged(repo, run);
    // Verify's `test -n "$RALPH_CODE"` passes only where the container's entry set it: it ran there.
    assert.equal(process.env.RALPH_CODE, undefined, 'this test needs a host without RALPH_CODE');
    assert.deepEqual([...placed(run).values()], ['docker', 'docker', 'docker', 'docker'], show(placed(run)));
    const state = JSON.parse(repo.read('specs/demo/.ralph-state.json')) as RalphState;
    assert.deepEqual(await containersOf('main', state.ralph?.runId), [], 'no container of the run is left');
  });

  it('the agent writes nothing on the host outside its worktree: not the repository, not HOME, not /tmp', async () => {
    const token = `leak${Date.now()}`;
    const scriptDir = mkdtempSync(join(tmpdir(), 'ralph-leaky-'));
    const script = join(scriptDir, 'agent.sh');
    // A custom agent that does its task, then tries to write everywhere it should not.
    writeFileSync(
      script,
      [
        'f=$(printf "%s\\n" "$RALPH_FILES" | head -n 1)',
        'mkdir -p "$(dirname "$f")" && echo "$RALPH_TASK_ID" > "$f"',
        'echo leak > "$LEAK_REPO/$LEAK_TOKEN-$RALPH_TASK_ID" 2>/dev/null',
        'echo leak > "$LEAK_HOME/$LEAK_TOKEN-$RALPH_TASK_ID" 2>/dev/null',
        'echo leak > "/tmp/$LEAK_TOKEN-$RALPH_TASK_ID" 2>/dev/null',
        'echo leak > "$HOME/$LEAK_TOKEN-$RALPH_TASK_ID" 2>/dev/null',
        'exit 0',
        '',
      ].join('\n'),
    );
    try {
      const spec = SPEC.replace(/ && test -n "\$RALPH_CODE"/g, '').replace(/\n {2}- \*\*Verify\*\*: `grep -q 1\.[23] src\/\w+\.txt`/g, '');
      writeFileSync(join(repo.dir, 'specs/demo/tasks.md'), spec);
      repo.git('commit', '-qam', 'spec without dockerenv checks');
      const run = await ralph(
        repo,
        ['--agent', `sh ${script} {taskId}`, '--runner', 'docker', '--image', BASE_IMAGE, '--network', 'off', '--pass-env', 'LEAK_REPO,LEAK_HOME,LEAK_TOKEN', '--max-concurrent', '2'],
        { LEAK_REPO: repo.dir, LEAK_HOME: homedir(), LEAK_TOKEN: token },
      );
      assert.equal(run.code, 0, `exit 0: ${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
      for (const f of FILES) assert.ok(repo.git('show', `HEAD:${f}`).length > 0, `${f} is committed`);
      const leaked = [
        ...readdirSync(repo.dir).filter((n) => n.startsWith(token)),
        ...readdirSync(homedir()).filter((n) => n.startsWith(token)),
        ...readdirSync(tmpdir()).filter((n) => n.startsWith(token)),
      ];
      assert.deepEqual(leaked, [], 'nothing written outside the worktree reached the host');
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });

  it('an agent missing from the image stops new tasks with one line saying what to do; an unknown engine too', async () => {
    const run = await ralph(repo, ['--agent', 'claude', '--runner', 'docker', '--image', BASE_IMAGE, '--network', 'off', '--max-concurrent', '1']);
    assert.equal(run.code, 1, run.stderr);
    const finished = run.events.filter((e): e is Extract<RunEvent, { type: 'taskFinished' }> => e.type === 'taskFinished' && e.taskId === '1.1');
    assert.match(finished[0]?.reason ?? '', /^claude is not installed in the image ralph-test\/base:bookworm: add it to the image/, show(finished));
    assert.equal(run.events.filter((e) => e.type === 'taskStarted').length, 1, 'no retry, no second task');
    assert.equal(run.events.filter((e) => e.type === 'runHalted').length, 1);
    const nowhere = await ralph(repo, ['--agent', 'demo', '--runner', 'docker@unix:///nonexistent/docker.sock', '--image', BASE_IMAGE, '--max-concurrent', '1']);
    assert.equal(nowhere.code, 1, nowhere.stderr);
    const reason = nowhere.events.find((e): e is Extract<RunEvent, { type: 'runHalted' }> => e.type === 'runHalted')?.reason ?? '';
    assert.match(reason, /could not start the demo agent on docker@unix:\/\/\/nonexistent\/docker\.sock: .*Cannot connect to the Docker daemon/, reason);
    const noImage = await ralph(repo, ['--agent', 'demo', '--runner', 'docker', '--image', 'ralph-test/no-such-image:1', '--network', 'off', '--max-concurrent', '1']);
    assert.equal(noImage.code, 1, noImage.stderr);
    const why = noImage.events.find((e): e is Extract<RunEvent, { type: 'runHalted' }> => e.type === 'runHalted')?.reason ?? '';
    assert.match(why, /^the image ralph-test\/no-such-image:1 is not on docker and could not be pulled: Error response from daemon: /, why);
    assert.doesNotMatch(why, /\n/);
    // Beside a runner that works, the run goes on there and says once why the other is out.
    const fresh = makeRepo({ 'README.md': '# demo\n', 'specs/demo/tasks.md': SPEC.replace(/ && test -n "\$RALPH_CODE"/g, '') });
    try {
      const onLocal = await ralph(fresh, ['--agent', 'demo', '--runner', 'docker@unix:///nonexistent/docker.sock', '--runner', 'local', '--image', BASE_IMAGE, '--max-concurrent', '1'], { RALPH_DEMO_SPEED: '0.1' });
      assertAllMerged(fresh, onLocal);
      const said = onLocal.events.filter((e) => e.type === 'taskOutput').map((e) => (e as { chunk: string }).chunk).join('');
      assert.equal(said.match(/is taken out of this run/g)?.length, 1, said.slice(0, 2000));
    } finally {
      fresh.cleanup();
    }
  });

  it('limits what each container may use: --cpus and --memory reach its cgroup', async () => {
    const scriptDir = mkdtempSync(join(tmpdir(), 'ralph-limits-'));
    const script = join(scriptDir, 'agent.sh');
    // cgroup v1 or v2, whichever the engine gives the container.
    writeFileSync(
      script,
      [
        'f=$(printf "%s\\n" "$RALPH_FILES" | head -n 1)',
        'mkdir -p "$(dirname "$f")"',
        '{ cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max; } > "$f"',
        '',
      ].join('\n'),
    );
    try {
      writeFileSync(join(repo.dir, 'specs/demo/tasks.md'), '# Tasks\n\n- [ ] 1.1 Read the limits\n  - **Files**: src/limits.txt\n');
      repo.git('commit', '-qam', 'one task');
      const run = await ralph(repo, ['--agent', `sh ${script}`, '--runner', 'docker', '--image', BASE_IMAGE, '--network', 'off', '--cpus', '1.5', '--memory', '256m']);
      assert.equal(run.code, 0, `exit 0: ${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
      assert.deepEqual(repo.git('show', 'HEAD:src/limits.txt').trim().split('\n'), [String(256 * 1024 * 1024), '150000']);
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });

  it('kill -9 mid-run, then resume: the orphaned containers are removed, nothing lost, nothing committed twice', async () => {
    let pid = 0;
    const first = ralph(repo, ['--agent', 'demo', '--runner', 'docker', '--image', BASE_IMAGE, '--network', 'off', '--pass-env', 'RALPH_DEMO_SPEED', '--max-concurrent', '2'], { RALPH_DEMO_SPEED: '30' }, (p) => (pid = p));
    let seen: string[] = [];
    await waitFor(
      () => {
        void containersOf('main').then((ids) => (seen = ids));
        return seen.length > 0;
      },
      60_000,
      'a container of the run',
    );
    process.kill(pid, 'SIGKILL');
    await first;
    const orphans = await containersOf('main');
    assert.ok(orphans.length > 0, 'the killed run left its container running (docker does not stop it)');
    const run = await ralph(repo, ['--agent', 'demo', '--runner', 'docker', '--image', BASE_IMAGE, '--network', 'off', '--pass-env', 'RALPH_DEMO_SPEED', '--max-concurrent', '2'], { RALPH_DEMO_SPEED: '0.2' });
    assertAllMerged(repo, run);
    assert.ok(run.events.some((e) => e.type === 'runStarted' && e.resumed), 'the second run resumed the first');
    for (const id of orphans) assert.equal((await docker('main', ['inspect', id])).code, 1, `orphan ${id} is gone`);
    assert.deepEqual(await containersOf('main'), [], 'no container of either run is left');
    const subjects = repo.git('log', '--format=%s').split('\n').filter(Boolean);
    assert.equal(new Set(subjects).size, subjects.length, `no commit twice:\n${subjects.join('\n')}`);
  });
}, { engines: ['main'], images: [BASE_IMAGE] });

describeDocker('docker runner: a second engine that shares no folder, code by git bundles', function () {
  this.timeout(300_000);
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo({ 'README.md': '# demo\n', 'specs/demo/tasks.md': SPEC });
  });
  afterEach(() => repo.cleanup());

  it('spreads the tasks over both engines; the remote work comes back by bundle and merges in task order', async () => {
    const run = await ralph(repo, [
      '--agent', 'demo',
      '--runner', 'docker,slots=1',
      '--runner', `docker@${SECOND_HOST},slots=1`,
      '--image', BASE_IMAGE,
      '--network', 'off',
      '--pass-env', 'RALPH_DEMO_SPEED',
    ], { RALPH_DEMO_SPEED: '0.3' });
    assertAllMerged(repo, run);
    const where = placed(run);
    assert.equal(where.get('1.1'), 'docker', show([...where]));
    // 1.2 and 1.3 run side by side: one on each engine.
    assert.deepEqual(new Set([where.get('1.2'), where.get('1.3')]), new Set(['docker', `docker@${SECOND_HOST}`]), show([...where]));
    const state = JSON.parse(repo.read('specs/demo/.ralph-state.json')) as RalphState;
    assert.deepEqual(await containersOf('main', state.ralph?.runId), []);
    assert.deepEqual(await containersOf('second', state.ralph?.runId), []);
  });
}, { engines: ['main', 'second'], images: [BASE_IMAGE] });

const claude = HARNESSES.find((h) => h.name === 'claude');

describeDocker('docker runner: the real Claude Code CLI in a container', function () {
  this.timeout(300_000);
  let repo: Repo | undefined;
  let server: ScriptedModelServer | undefined;
  let home: string | undefined;
  afterEach(async () => {
    await server?.close();
    repo?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('does the 4-task spec against the scripted model on 127.0.0.1 (host network), credentials passed by name, shell commands allowed in its sandbox', async () => {
    if (!claude) throw new Error('the claude harness is missing');
    // Each task first runs a shell command, which acceptEdits would deny: in its container Claude
    // Code runs in bypassPermissions mode, so it runs.
    const shellFirst = 'mkdir -p build && echo sandboxed > "build/$RALPH_TASK_ID.txt"';
    server = new ScriptedModelServer({ handlers: anthropicHandlers({ shellFirst }), faults: [], lifetimeMs: 5 * 60_000 });
    const baseUrl = await server.start();
    home = mkdtempSync(join(homedir(), '.ralph-docker-claude-'));
    const vars = await claude.environment({ baseUrl, home, loggedIn: true });
    // The scripted model does what the prompt asks: "Create `path` containing `text`".
    const spec = FILES.map((f, i) => `- [ ] 1.${i + 1}${i === 1 || i === 2 ? ' [P]' : ''} Write ${f}\n  - **Do**: Create \`${f}\` containing \`task${i + 1}\`.\n  - **Files**: ${f}\n  - **Verify**: \`grep -q task${i + 1} ${f}\`\n`).join('');
    repo = makeRepo({ 'README.md': '# demo\n', 'src/.keep': '', 'specs/demo/tasks.md': `# Tasks\n\n${spec}` });
    const run = await ralph(repo, ['--agent', 'claude', '--runner', 'docker', '--image', agentImage('claude'), '--network', 'host', '--max-concurrent', '2'], vars);
    assert.equal(run.code, 0, `exit 0: ${run.stderr}\n${show(run.events.filter((e) => e.type !== 'taskOutput'))}`);
    for (const f of FILES) assert.ok(repo.git('show', `HEAD:${f}`).length > 0, `${f} is committed`);
    for (const id of ['1.1', '1.2', '1.3', '1.4']) assert.equal(repo.git('show', `HEAD:build/${id}.txt`), 'sandboxed\n', `the shell command of ${id} ran in its container`);
    const transcript = run.events.filter((e) => e.type === 'taskOutput').map((e) => (e as { chunk: string }).chunk).join('');
    assert.doesNotMatch(transcript, /denied/, transcript.slice(0, 3000));
    const state = JSON.parse(repo.read('specs/demo/.ralph-state.json')) as RalphState;
    assert.ok((state.ralph?.tasks['1.1']?.usage?.inputTokens ?? 0) > 0, `usage recorded: ${show(state.ralph?.tasks['1.1'])}`);
    // The key went in by name: the docker argv (the raw log's header) names it, never holds it.
    const key = String(vars.ANTHROPIC_API_KEY ?? '');
    assert.ok(key.length > 8, 'the harness sets a key');
    const logFile = state.ralph?.tasks['1.1']?.logFile;
    assert.ok(logFile !== undefined && existsSync(logFile), show(state.ralph?.tasks['1.1']));
    const header = readFileSync(logFile, 'utf8').slice(0, 20_000);
    assert.match(header, /"--env","ANTHROPIC_API_KEY"/, header.slice(0, 2000));
    assert.ok(!header.includes(key), 'the key value is not in the logged argv');
    assert.deepEqual(await containersOf('main', state.ralph?.runId), []);
  });
}, { engines: ['main'], images: [agentImage('claude')] });
