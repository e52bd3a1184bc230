// `ralph run` end to end: the bundled CLI, real agent processes, real git repositories.
// Overlap and order are read from the journal the agent processes write themselves.

import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  agentSetup,
  collect,
  ensureBuilt,
  intervals,
  isAlive,
  makeRepo,
  maxOverlap,
  readJournal,
  runCli,
  startCli,
  taskMd,
  waitFor,
  type Repo,
} from './e2e-helpers';

const SPEC = 'specs/s/tasks.md';

function spec(...tasks: string[]): Record<string, string> {
  return { [SPEC]: `# Tasks: e2e\n\n## Phase 1: Work\n\n${tasks.join('\n')}`, 'README.md': 'hello\n' };
}

describe('ralph run (end to end, real processes and git)', function () {
  this.timeout(120_000);
  const repos: Repo[] = [];
  before(() => ensureBuilt());
  after(() => repos.forEach((r) => r.cleanup()));
  const repo = (files: Record<string, string>, options?: { git?: boolean }): Repo => {
    const r = makeRepo(files, options);
    repos.push(r);
    return r;
  };

  it('starts a task the moment its dependencies are done, while an unrelated group still runs', async () => {
    const r = repo(
      spec(
        taskMd('1.1', 'Slow A', { markers: ['P'], files: ['a.txt'] }),
        taskMd('1.2', 'Slow B', { markers: ['P'], files: ['b.txt'] }),
        taskMd('1.3', 'Independent C', { files: ['c.txt'], depends: 'none' }),
      ),
    );
    const a = agentSetup({ '1.1': { sleepMs: 1200 }, '1.2': { sleepMs: 1200 }, '1.3': { sleepMs: 50 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--commit', 'none'], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const iv = intervals(readJournal(a.journal));
    const c = iv.get('1.3');
    const slowA = iv.get('1.1');
    assert.ok(c && slowA, JSON.stringify([...iv]));
    assert.ok(c.start < slowA.end && c.end < slowA.end, `1.3 should run inside 1.1's run: ${JSON.stringify([...iv])}`);
  });

  it('never runs more than --max-concurrent agents at once, and does use that many', async () => {
    const ids = ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];
    const r = repo(spec(...ids.map((id) => taskMd(id, `Task ${id}`, { markers: ['P'], files: [`f${id}.txt`] }))));
    const a = agentSetup({ '*': { sleepMs: 300 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--max-concurrent', '2', '--commit', 'none'], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const journal = readJournal(a.journal);
    assert.equal(journal.filter((e) => e.what === 'start').length, ids.length, JSON.stringify(journal));
    assert.equal(maxOverlap(journal), 2, JSON.stringify(journal));
  });

  it('never runs two tasks whose files overlap at the same time, even in one [P] group', async () => {
    const r = repo(
      spec(
        taskMd('1.1', 'Edit shared', { markers: ['P'], files: ['src/shared.ts'] }),
        taskMd('1.2', 'Edit shared too', { markers: ['P'], files: ['src/'] }),
        taskMd('1.3', 'Elsewhere', { markers: ['P'], files: ['docs/x.md'] }),
      ),
    );
    const a = agentSetup({ '*': { sleepMs: 500 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--commit', 'none'], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const iv = intervals(readJournal(a.journal));
    const x = iv.get('1.1')!;
    const y = iv.get('1.2')!;
    const z = iv.get('1.3')!;
    assert.ok(x.end <= y.start || y.end <= x.start, `1.1 and 1.2 overlapped: ${JSON.stringify([...iv])}`);
    assert.ok(z.start < Math.max(x.end, y.end) && z.end > Math.min(x.start, y.start), `1.3 should overlap one of them: ${JSON.stringify([...iv])}`);
  });

  it('on failure: blocks dependents, lets independent tasks go on, keeps the reason; retry reruns them', async () => {
    const r = repo(
      spec(
        taskMd('1.1', 'Breaks', { markers: ['P'], files: ['a.txt'] }),
        taskMd('1.2', 'Works', { markers: ['P'], files: ['b.txt'] }),
        taskMd('1.3', 'Needs 1.1', { files: ['c.txt'], depends: ['1.1'] }),
        taskMd('1.4', 'Needs 1.2', { files: ['d.txt'], depends: ['1.2'] }),
      ),
    );
    const a = agentSetup({ '1.1': { exit: 2 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--max-task-iterations', '1'], r.dir, a.env);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const started = readJournal(a.journal).filter((e) => e.what === 'start').map((e) => e.id).sort();
    assert.deepEqual(started, ['1.1', '1.2', '1.4'], `${JSON.stringify(started)}\n${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /1\.3.*blocked by 1\.1/, res.stdout);
    assert.match(res.stdout, /1\.1.*exited with code 2/, res.stdout);

    const status = await runCli(['status', SPEC, '--json'], r.dir);
    const state = JSON.parse(status.stdout);
    assert.equal(state.ralph.tasks['1.1'].status, 'failed', status.stdout);
    assert.equal(state.ralph.tasks['1.3'].status, 'blocked', status.stdout);
    assert.equal(state.ralph.tasks['1.4'].status, 'success', status.stdout);
    assert.equal(state.taskResults['0'].status, 'failed', status.stdout);

    // Fix the agent, then retry: only the failed task and what it blocked run.
    const b = agentSetup({});
    const retry = await runCli(['retry', SPEC, '--agent', b.agentArg], r.dir, b.env);
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    const rerun = readJournal(b.journal).filter((e) => e.what === 'start').map((e) => e.id).sort();
    assert.deepEqual(rerun, ['1.1', '1.3'], JSON.stringify(rerun));
    const md = r.read(SPEC);
    for (const id of ['1.1', '1.2', '1.3', '1.4']) assert.match(md, new RegExp(`- \\[x\\] ${id.replace('.', '\\.')} `), md);
  });

  it('retries a failing task with the failure in its prompt', async () => {
    const r = repo(spec(taskMd('1.1', 'Flaky', { files: ['a.txt'] })));
    const a = agentSetup({ '1.1': { failAttempts: 1 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--max-task-iterations', '2'], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const starts = readJournal(a.journal).filter((e) => e.what === 'start');
    assert.deepEqual(starts.map((s) => s.attempt), [1, 2], JSON.stringify(starts));
    assert.match(starts[1]!.prompt ?? '', /exited with code 3/, starts[1]!.prompt ?? '');
  });

  it('kills the whole process tree of a task that times out', async () => {
    const r = repo(spec(taskMd('1.1', 'Hangs', { files: ['a.txt'] })));
    const a = agentSetup({ '1.1': { sleepMs: 60_000, spawnChild: true } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--timeout', '1500ms', '--max-task-iterations', '1'], r.dir, a.env);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /timed out/, res.stdout);
    const journal = readJournal(a.journal);
    const pids = journal.filter((e) => e.what === 'grandchild' || e.what === 'start').map((e) => e.pid);
    assert.equal(pids.length, 2, JSON.stringify(journal));
    await waitFor(() => pids.every((p) => !isAlive(p)), 5000, `pids ${pids} to die`);
  });

  it('stops cleanly on Ctrl-C (agents killed, state saved) and the next run resumes', async () => {
    const r = repo(
      spec(
        taskMd('1.1', 'Long A', { markers: ['P'], files: ['a.txt'] }),
        taskMd('1.2', 'Long B', { markers: ['P'], files: ['b.txt'] }),
        taskMd('1.3', 'After', { files: ['c.txt'] }),
      ),
    );
    const a = agentSetup({ '1.1': { sleepMs: 30_000 }, '1.2': { sleepMs: 30_000 } });
    const child = startCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    const done = collect(child);
    await waitFor(() => readJournal(a.journal).filter((e) => e.what === 'start').length === 2, 10_000, 'two agents to start');
    child.kill('SIGINT');
    const res = await done;
    assert.equal(res.code, 130, res.stdout + res.stderr);
    const pids = readJournal(a.journal).map((e) => e.pid);
    await waitFor(() => pids.every((p) => !isAlive(p)), 5000, 'agents to stop');
    const b = agentSetup({});
    const again = await runCli(['run', SPEC, '--agent', b.agentArg], r.dir, b.env);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(readJournal(b.journal).filter((e) => e.what === 'start').map((e) => e.id).sort(), ['1.1', '1.2', '1.3']);
  });

  it('refuses a second run of the same spec while one is going (and a killed run\'s lock is taken over)', async () => {
    const r = repo(spec(taskMd('1.1', 'Long', { files: ['a.txt'] })));
    const a = agentSetup({ '1.1': { sleepMs: 3000 } });
    const first = startCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    const firstDone = collect(first);
    await waitFor(() => readJournal(a.journal).some((e) => e.what === 'start'), 10_000, 'the first run to start');
    const second = await runCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    assert.equal(second.code, 2, second.stdout + second.stderr);
    assert.match(second.stderr, new RegExp(`another Ralph run \\(pid ${first.pid}\\) is running this spec`), second.stderr);
    assert.equal((await firstDone).code, 0);
    assert.equal(r.exists('specs/s/.ralph-run.lock'), false, 'the lock is released at the end');
    // A lock left by a process that no longer exists does not block the next run.
    r.write('specs/s/.ralph-run.lock', JSON.stringify({ pid: 4194999, host: hostname(), startedAt: 'then' }));
    const third = await runCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    assert.equal(third.code, 0, third.stdout + third.stderr);
  });

  it('hands hostile titles to the agent verbatim and never to a shell', async () => {
    const title = 'Break $(touch pwned) `touch pwned2` "\'; touch pwned3 #';
    const r = repo(spec(taskMd('1.1', title, { files: ['a.txt'] })));
    const a = agentSetup({});
    const res = await runCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const start = readJournal(a.journal).find((e) => e.what === 'start');
    assert.equal(start?.title, title, JSON.stringify(start));
    assert.ok(start?.prompt?.includes(title), start?.prompt ?? '');
    for (const f of ['pwned', 'pwned2', 'pwned3']) assert.equal(r.exists(f), false, `${f} was created`);
  });

  it('merges each agent\'s progress into .progress.md in task order and leaves no part files', async () => {
    const r = repo(spec(...['1.1', '1.2', '1.3'].map((id) => taskMd(id, `T ${id}`, { markers: ['P'], files: [`${id}.txt`] }))));
    const a = agentSetup({ '1.1': { sleepMs: 600 }, '1.2': { sleepMs: 300 }, '1.3': { sleepMs: 10 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const progress = r.read('specs/s/.progress.md');
    const order = ['learned from 1.1', 'learned from 1.2', 'learned from 1.3'].map((s) => progress.indexOf(s));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), progress);
    const leftovers = readdirSync(join(r.dir, 'specs/s')).filter((f) => f.startsWith('.progress-task-') || f.includes('.tmp'));
    assert.deepEqual(leftovers, [], JSON.stringify(leftovers));
  });

  it('keeps edits the user makes to tasks.md during the run', async () => {
    const r = repo(spec(taskMd('1.1', 'First', { files: ['a.txt'] }), taskMd('1.2', 'Second', { files: ['b.txt'] })));
    const a = agentSetup({ '1.1': { sleepMs: 800 }, '1.2': { sleepMs: 800 } });
    const child = startCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    const done = collect(child);
    await waitFor(() => readJournal(a.journal).some((e) => e.what === 'start'), 10_000, 'the first agent');
    r.write(SPEC, r.read(SPEC).replace('# Tasks: e2e', '# Tasks: e2e (edited while running)') + '\nA note the user added.\n');
    const res = await done;
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const md = r.read(SPEC);
    assert.match(md, /edited while running/, md);
    assert.match(md, /A note the user added\./, md);
    assert.match(md, /- \[x\] 1\.1 First/, md);
    assert.match(md, /- \[x\] 1\.2 Second/, md);
  });

  // Without isolation: in worktree mode every task is a commit of its own (worktree-run.test.ts).
  it('commits once per batch with --commit batch, and once per task with --commit individual (shared tree)', async () => {
    const tasks = ['1.1', '1.2', '1.3'].map((id) => taskMd(id, `Make ${id}`, { markers: ['P'], files: [`out/${id}.txt`] }));
    const batch = repo(spec(...tasks));
    const a = agentSetup({ '*': { sleepMs: 200 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--commit', 'batch', '--isolation', 'none'], batch.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const log = batch.git('log', '--format=%s', 'HEAD~1..HEAD');
    assert.equal(batch.git('rev-list', '--count', 'HEAD').trim(), '2', batch.git('log', '--format=%s'));
    for (const id of ['1.1', '1.2', '1.3']) assert.ok(log.includes(id), log);
    assert.deepEqual(batch.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), [
      'out/1.1.txt', 'out/1.2.txt', 'out/1.3.txt', 'specs/s/.progress.md', 'specs/s/tasks.md',
    ]);

    const indiv = repo(spec(...tasks));
    const b = agentSetup({ '*': { sleepMs: 200 } });
    const res2 = await runCli(['run', SPEC, '--agent', b.agentArg, '--commit', 'individual', '--isolation', 'none'], indiv.dir, b.env);
    assert.equal(res2.code, 0, res2.stdout + res2.stderr);
    const subjects = indiv.git('log', '--format=%s', '-n', '3').trim().split('\n').reverse();
    assert.equal(subjects.length, 3, subjects.join('\n'));
    subjects.forEach((s, i) => assert.ok(s.includes(`1.${i + 1}`), subjects.join('\n')));
    for (let i = 0; i < 3; i++) {
      const files = indiv.git('show', '--name-only', '--format=', `HEAD~${2 - i}`);
      assert.ok(files.includes(`out/1.${i + 1}.txt`), files);
    }
  });

  it('never sweeps files that were dirty before the run into its commits', async () => {
    const r = repo({ ...spec(taskMd('1.1', 'Work', { files: ['a.txt'] })), 'notes.txt': 'mine\n' });
    r.write('notes.txt', 'mine, edited before the run\n');
    r.write('scratch.txt', 'untracked and mine\n');
    const a = agentSetup({});
    const res = await runCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const committed = r.git('show', '--name-only', '--format=', 'HEAD');
    assert.ok(committed.includes('a.txt'), committed);
    assert.ok(!committed.includes('notes.txt') && !committed.includes('scratch.txt'), committed);
    const status = r.git('status', '--porcelain');
    assert.match(status, / M notes\.txt/, status);
    assert.match(status, /\?\? scratch\.txt/, status);
    assert.equal(r.read('notes.txt'), 'mine, edited before the run\n');
  });

  it('--json prints the RunEvents as JSON lines; status shows each task', async () => {
    const r = repo(spec(taskMd('1.1', 'One', { files: ['a.txt'] }), taskMd('1.2', 'Two', { files: ['b.txt'] })));
    const a = agentSetup({ '1.2': { exit: 4 } });
    const res = await runCli(['run', SPEC, '--agent', a.agentArg, '--json', '--max-task-iterations', '1'], r.dir, a.env);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const events = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; taskId?: string; status?: string; reason?: string });
    assert.equal(events[0]?.type, 'runStarted', res.stdout);
    assert.equal(events.at(-1)?.type, 'runFinished', res.stdout);
    const finished = events.filter((e) => e.type === 'taskFinished').map((e) => [e.taskId, e.status]);
    assert.deepEqual(finished, [['1.1', 'succeeded'], ['1.2', 'failed']], res.stdout);
    assert.ok(events.some((e) => e.type === 'taskOutput' && e.taskId === '1.1'), res.stdout);
    const status = await runCli(['status', SPEC], r.dir);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /✔ 1\.1\s+success\s+One/, status.stdout);
    assert.match(status.stdout, /✖ 1\.2\s+failed\s+Two .*exited with code 4/, status.stdout);
    // Each attempt's raw output is kept, in a folder named as the repository's worktrees' folder.
    const log = /✖ 1\.2 .*; log (\S+\.log)/.exec(status.stdout)?.[1] ?? '';
    assert.equal(basename(dirname(dirname(log))), basename(r.worktrees), status.stdout);
    assert.match(readFileSync(log, 'utf8'), /agent 1\.2 failing on purpose/, log);
  });

  it('runs outside a git repository, without commits', async () => {
    const r = repo(spec(taskMd('1.1', 'Work', { files: ['a.txt'] })), { git: false });
    const a = agentSetup({});
    const res = await runCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.ok(r.exists('a.txt'));
    assert.match(r.read(SPEC), /- \[x\] 1\.1 Work/);
  });

  it('resumes after kill -9 at any moment with nothing lost and nothing committed twice (repeated)', async function () {
    const ids = ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6'];
    const tasks = [
      taskMd('1.1', 'Base', { files: ['base.txt'] }),
      ...['1.2', '1.3', '1.4'].map((id) => taskMd(id, `Part ${id}`, { markers: ['P'], files: [`p/${id}.txt`] })),
      taskMd('1.5', 'Join', { files: ['join.txt'] }),
      taskMd('1.6', 'Last', { files: ['last.txt'] }),
    ];
    const rounds = Number(process.env.RALPH_KILL_ROUNDS ?? 8);
    this.timeout(30_000 + rounds * 8_000);
    for (let round = 0; round < rounds; round++) {
      const r = repo(spec(...tasks));
      const a = agentSetup({ '*': { sleepMs: 120 } });
      const child = startCli(['run', SPEC, '--agent', a.agentArg], r.dir, a.env);
      const done = collect(child);
      // Kill at a different moment each round: from before the first agent to near the end.
      await new Promise((res) => setTimeout(res, 150 + round * 170));
      child.kill('SIGKILL');
      await done;
      // A kill -9 of Ralph leaves its agents orphaned; stop them as a crash of the machine would.
      for (const e of readJournal(a.journal)) if (isAlive(e.pid)) process.kill(e.pid, 'SIGKILL');

      const b = agentSetup({ '*': { sleepMs: 20 } });
      const res = await runCli(['run', SPEC, '--agent', b.agentArg], r.dir, b.env);
      assert.equal(res.code, 0, `round ${round}: ${res.stdout}${res.stderr}`);
      const md = r.read(SPEC);
      for (const id of ids) assert.match(md, new RegExp(`- \\[x\\] ${id.replace('.', '\\.')} `), `round ${round}: ${md}`);
      const log = r.git('log', '--format=%B%x00');
      for (const id of ids) {
        const commits = log.split('\0').filter((m) => new RegExp(`\\b${id.replace('.', '\\.')}\\b`).test(m.trimStart().split('\n')[0] ?? ''));
        assert.equal(commits.length, 1, `round ${round}: ${id} in ${commits.length} commit subjects:\n${log}`);
      }
      const progress = r.read('specs/s/.progress.md');
      for (const id of ids) {
        assert.ok(progress.includes(`learned from ${id}`), `round ${round}: ${id} missing from progress:\n${progress}`);
      }
      assert.equal(r.git('status', '--porcelain', '--', '.', ':!specs/s/.ralph-state.json').trim(), '', `round ${round}: uncommitted work`);
    }
  });
});
