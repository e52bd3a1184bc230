// The soak's checks (scripts/soak/checks.ts) proven able to fail: each is shown a healthy
// repository, where it must stay silent, and one broken on purpose in the way it exists to catch,
// where it must name the violation. A check that cannot fail would make the soak's "ok" worthless.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSpec } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import { batchCommitMessage, singleTaskCommitMessage } from '../../src/core/run/commits';
import type { Task } from '../../src/core/model';
import {
  checkCheckboxes,
  checkCommits,
  checkJournal,
  checkLeftovers,
  checkProcesses,
  checkProgress,
  checkState,
  checkUncommitted,
  checkUserWork,
  checkWorkInHead,
  finishedTasks,
  taskIdsOfMessage,
  type JournalEvent,
  type Violation,
} from '../../scripts/soak/checks';
import { git, initRepo } from '../../scripts/soak/git';
import { killAllWithMarker, MARKER_VAR, processesWithMarker, waitForNoMarker } from '../../scripts/soak/procs';
import { roundSeed, seededRandom } from '../../scripts/soak/random';
import { generateSpec, SPEC_DIR, SPEC_PATH, USER_FILE, type SoakTask } from '../../scripts/soak/spec';
import type { UserLog } from '../../scripts/soak/user';

const NONCE = 'feedc0de';
const SPEC = generateSpec(seededRandom(roundSeed(7, 1)), NONCE);
const PARSED = parseSpec(SPEC.markdown, { path: SPEC_PATH });
const parsedTask = (id: string): Task => {
  const t = PARSED.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
};
/** Four tasks, one of them with a second file, keep each repository small. */
const TASKS: SoakTask[] = [...SPEC.tasks.slice(0, 3), SPEC.tasks.slice(3).find((t) => t.files.length > 1) ?? SPEC.tasks[3]!];

const ALL = new Set(TASKS.map((t) => t.id));
const names = (vs: readonly Violation[]) => vs.map((v) => v.name);
const show = (vs: readonly Violation[]) => JSON.stringify(vs, null, 1);

interface Handmade {
  readonly dir: string;
  readonly worktreesHome: string;
  readonly user: UserLog;
  write(path: string, text: string): void;
  read(path: string): string;
  git(...args: string[]): string;
  commitAll(message: string): void;
}

/** What a correct run leaves: each task's work in one commit named as Ralph names it, tasks.md
 *  checked, notes merged, the state finished, one user line in tasks.md and one user commit. */
function healthyRepo(): Handmade {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'soak-check-')));
  const dir = join(root, 'repo');
  const worktreesHome = join(root, 'worktrees');
  mkdirSync(worktreesHome, { recursive: true });
  mkdirSync(dir);
  const write = (p: string, text: string) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  };
  initRepo(dir, write, { [SPEC_PATH]: SPEC.markdown, [USER_FILE]: 'user notes\n' });
  const r: Handmade = {
    dir,
    worktreesHome,
    user: { taskLines: [], noteLines: [], commits: [], failedCommits: 0, staleSaves: 0 },
    write,
    read: (p) => readFileSync(join(dir, p), 'utf8'),
    git: (...args) => git(dir, ...args),
    commitAll: (message) => {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', message);
    },
  };
  roots.push(root);
  for (const t of TASKS) {
    for (const f of t.files) write(f.path, `${f.line}\n`);
    r.commitAll(singleTaskCommitMessage(parsedTask(t.id)));
  }
  let md = SPEC.markdown;
  for (const t of TASKS) md = md.replace(`- [ ] ${t.id} `, `- [x] ${t.id} `);
  const userLine = `<!-- user note 1 ${NONCE} -->`;
  write(SPEC_PATH, `${md}\n${userLine}\n`);
  r.user.taskLines.push(userLine);
  write(`${SPEC_DIR}/.progress.md`, `## Learnings\n${TASKS.map((t) => `\n### Task ${t.id}\n\n- ${t.note}\n`).join('')}`);
  write(`${SPEC_DIR}/.ralph-state.json`, JSON.stringify({ ralph: { status: 'finished', tasks: Object.fromEntries(TASKS.map((t) => [t.id, { status: 'success' }])) } }));
  r.commitAll('ralph: update tasks.md and progress notes');
  appendFileSync(join(dir, USER_FILE), `user line 2 ${NONCE}\n`);
  git(dir, 'commit', '-q', '-m', `user: note 2 ${NONCE}`, '--', USER_FILE);
  r.user.noteLines.push(`user line 2 ${NONCE}`);
  r.user.commits.push({ hash: git(dir, 'rev-parse', 'HEAD').trim(), message: `user: note 2 ${NONCE}` });
  return r;
}

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const state = (r: Handmade) => JSON.parse(r.read(`${SPEC_DIR}/.ralph-state.json`));
/** Every repository check, as the soak runs them after a round. */
function allChecks(r: Handmade): Violation[] {
  const s = state(r);
  const md = r.read(SPEC_PATH);
  const finished = finishedTasks(s);
  return [
    ...checkWorkInHead(r.dir, TASKS, finished),
    ...checkCommits(r.dir, TASKS),
    ...checkUncommitted(r.dir),
    ...checkState(s, TASKS),
    ...checkCheckboxes(md, TASKS, finished),
    ...checkProgress(r.read(`${SPEC_DIR}/.progress.md`), TASKS, finished),
    ...checkLeftovers(r.dir, r.worktreesHome),
    ...checkUserWork(r.dir, md, r.user),
  ];
}

describe('soak: the generated spec', () => {
  it('is 30 tasks that Ralph plans without errors, with the soak\'s groups and Depends edges (20 rounds)', () => {
    for (let round = 1; round <= 20; round++) {
      const spec = generateSpec(seededRandom(roundSeed(7, round)), NONCE);
      const parsed = parseSpec(spec.markdown, { path: SPEC_PATH });
      const at = `round ${round}`;
      assert.equal(spec.tasks.length, 30, at);
      const plan = planSpec(parsed);
      assert.equal(plan.hasErrors, false, `${at}: ${JSON.stringify(plan.diagnostics)}`);
      assert.deepEqual(parsed.tasks.map((t) => t.id), spec.tasks.map((t) => t.id), at);
      for (const t of spec.tasks) {
        const p = parsed.tasks.find((x) => x.id === t.id)!;
        assert.deepEqual(p.files, t.files.map((f) => f.path), `${at} ${t.id}`);
        assert.equal(p.parallelRequested, t.parallel, `${at} ${t.id}`);
        assert.equal(p.verify, t.verify, `${at} ${t.id}`);
        if (t.depends.length > 0) assert.deepEqual([...(p.declaredDependsOn ?? [])].sort(), [...t.depends].sort(), `${at} ${t.id}`);
      }
      // Ralph's parallel groups are exactly the soak's [P] runs (adjacent runs stay apart).
      const soakGroups = new Map<number, string[]>();
      for (const t of spec.tasks.filter((x) => x.parallel)) soakGroups.set(t.group, [...(soakGroups.get(t.group) ?? []), t.id]);
      const ralphGroups = plan.groups.map((g) => [...g.taskIds]).filter((ids) => ids.length > 1);
      assert.deepEqual(ralphGroups, [...soakGroups.values()], at);
    }
  });

  it('is the same for the same seed and round, and different for another round', () => {
    const again = generateSpec(seededRandom(roundSeed(7, 1)), NONCE);
    assert.equal(again.markdown, SPEC.markdown);
    assert.notEqual(generateSpec(seededRandom(roundSeed(7, 2)), NONCE).markdown, SPEC.markdown);
  });
});

describe('soak checks: each fires on the breakage it is for', function () {
  this.timeout(60_000);

  it('a healthy repository passes every check', () => {
    const r = healthyRepo();
    assert.deepEqual(allChecks(r), []);
  });

  it('reads task ids from the commit messages Ralph writes', () => {
    assert.deepEqual([...taskIdsOfMessage(singleTaskCommitMessage(parsedTask('1.2')))], ['1.2']);
    assert.deepEqual([...taskIdsOfMessage(batchCommitMessage([parsedTask('1.1'), parsedTask('1.3')]))].sort(), ['1.1', '1.3']);
    assert.deepEqual([...taskIdsOfMessage('ralph: update tasks.md and progress notes')], []);
    assert.deepEqual([...taskIdsOfMessage(`user: note 3 ${NONCE}`)], []);
  });

  it('work missing from HEAD, there twice, or in the wrong file', () => {
    const r = healthyRepo();
    const [a, b, c] = TASKS as [SoakTask, SoakTask, SoakTask];
    r.git('rm', '-q', a.files[0]!.path);
    r.write('src/copy.txt', `${b.files[0]!.line}\n`);
    r.git('mv', c.files[0]!.path, 'src/elsewhere.txt');
    r.commitAll('ralph: 9.9 — breakage');
    const vs = checkWorkInHead(r.dir, TASKS, ALL);
    assert.deepEqual(names(vs).sort(), ['line-in-head-twice', 'line-in-wrong-file', 'line-not-in-head'], show(vs));
    assert.match(vs.find((v) => v.name === 'line-not-in-head')!.detail, new RegExp(`^${a.id.replace('.', '\\.')}:`));
    // Work missing for a task that did not finish is that task's failure (checkState), not this.
    const unfinished = new Set([...ALL].filter((id) => id !== a.id));
    assert.deepEqual(names(checkWorkInHead(r.dir, TASKS, unfinished)).sort(), ['line-in-head-twice', 'line-in-wrong-file']);
  });

  it('conflict markers holding a line twice', () => {
    const r = healthyRepo();
    const a = TASKS[0]!;
    const line = a.files[0]!.line;
    r.write(a.files[0]!.path, `<<<<<<< ours\n${line}\n=======\n${line}\n>>>>>>> theirs\n`);
    r.commitAll(singleTaskCommitMessage(parsedTask(a.id)).replace('ralph:', 'fix:'));
    assert.deepEqual(names(checkWorkInHead(r.dir, TASKS, ALL)), ['line-in-head-twice']);
  });

  it('a task committed twice, and work committed under another task\'s name', () => {
    const r = healthyRepo();
    const [a, b, c] = TASKS as [SoakTask, SoakTask, SoakTask];
    r.write(a.files[0]!.path, `${a.files[0]!.line}\nagain\n`);
    r.commitAll(singleTaskCommitMessage(parsedTask(a.id)));
    r.write(b.files[0]!.path, `${b.files[0]!.line}\n\n`);
    r.commitAll(batchCommitMessage([parsedTask(c.id)]));
    const vs = checkCommits(r.dir, TASKS);
    assert.deepEqual(names(vs).sort(), ['committed-twice', 'committed-twice', 'work-in-foreign-commit'], show(vs));
    assert.match(vs.find((v) => v.name === 'work-in-foreign-commit')!.detail, new RegExp(`does not name ${b.id.replace('.', '\\.')}$`));
  });

  it('task work left uncommitted or untracked', () => {
    const r = healthyRepo();
    r.write(TASKS[0]!.files[0]!.path, 'changed by a stale agent\n');
    r.write('src/t-new.txt', 'x\n');
    const vs = checkUncommitted(r.dir);
    assert.deepEqual(names(vs), ['uncommitted-task-work']);
    assert.match(vs[0]!.detail, /t-new\.txt/);
  });

  it('a state file that is missing, not finished, or with a task that did not succeed', () => {
    assert.deepEqual(names(checkState(undefined, TASKS)), ['state-missing']);
    const tasks = Object.fromEntries(TASKS.map((t) => [t.id, { status: 'success' }]));
    tasks[TASKS[1]!.id] = { status: 'failed', reason: 'merge failed' } as { status: string };
    const vs = checkState({ ralph: { status: 'cancelled', tasks } }, TASKS);
    assert.deepEqual(names(vs), ['state-not-finished', 'task-unfinished'], show(vs));
    assert.match(vs[1]!.detail, /is failed: merge failed/);
  });

  it('check-offs that do not match what finished, and a task line lost or doubled', () => {
    const r = healthyRepo();
    const [a, b, c] = TASKS as [SoakTask, SoakTask, SoakTask];
    const finished = new Set(TASKS.map((t) => t.id).filter((id) => id !== b.id));
    let md = r.read(SPEC_PATH).replace(`- [x] ${a.id} `, `- [ ] ${a.id} `);
    const cLine = md.split('\n').find((l) => l.startsWith(`- [x] ${c.id} `))!;
    md = md.replace(cLine, `${cLine}\n${cLine}`);
    const vs = checkCheckboxes(md, TASKS, finished);
    assert.deepEqual(names(vs), ['finished-but-unchecked', 'checked-but-unfinished', 'task-line-count'], show(vs));
  });

  it('a progress note missing or merged twice', () => {
    const r = healthyRepo();
    const [a, b] = TASKS as [SoakTask, SoakTask];
    const text = r.read(`${SPEC_DIR}/.progress.md`).replace(`- ${a.note}\n`, '').replace(`- ${b.note}\n`, `- ${b.note}\n- ${b.note}\n`);
    assert.deepEqual(names(checkProgress(text, TASKS, ALL)), ['progress-note-missing', 'progress-note-duplicated']);
    assert.deepEqual(names(checkProgress(undefined, TASKS, ALL)), ['progress-note-missing']);
    // A task that never finished has no note to miss; a doubled note is wrong whatever the task did.
    assert.deepEqual(names(checkProgress(text, TASKS, new Set([b.id]))), ['progress-note-duplicated']);
  });

  it('leftover worktrees, ralph/* branches, lock files, progress parts, temp files and worktree folders', () => {
    const r = healthyRepo();
    const folder = join(r.worktreesHome, 'repo-0123456789', 'soak', '1.1');
    r.git('worktree', 'add', '-q', '-b', 'ralph/soak/1.1', folder);
    r.write('.git/index.lock', '');
    r.write('.git/refs/heads/main.lock', '');
    r.write(`${SPEC_DIR}/.ralph-run.lock`, '{"pid":1}');
    r.write(`${SPEC_DIR}/.progress-task-1.2.md`, '- note\n');
    r.write(`${SPEC_DIR}/.tasks.md.123.0123456789ab.tmp`, '');
    const vs = checkLeftovers(r.dir, r.worktreesHome);
    assert.deepEqual(names(vs), ['leftover-worktree', 'leftover-branch', 'leftover-lock', 'leftover-progress-part', 'leftover-temp-file', 'leftover-worktree-folder'], show(vs));
    const locks = vs.find((v) => v.name === 'leftover-lock')!.detail;
    for (const l of ['.git/index.lock', '.git/refs/heads/main.lock', `${SPEC_DIR}/.ralph-run.lock`]) assert.ok(locks.includes(l), locks);
    // The worktree and branch of a task that did not finish are kept on purpose (its work).
    const kept = checkLeftovers(r.dir, r.worktreesHome, new Set(['1.1']));
    assert.deepEqual(names(kept), ['leftover-lock', 'leftover-progress-part', 'leftover-temp-file'], show(kept));
  });

  it('the user\'s tasks.md line lost or doubled, notes lost, a commit dropped or its work reverted', () => {
    const r = healthyRepo();
    const [line] = r.user.taskLines as [string];
    r.user.taskLines.push(`<!-- user note 5 ${NONCE} -->`);
    const md = r.read(SPEC_PATH).replace(line, `${line}\n${line}`);
    const kept = r.user.commits[0]!;
    // Ralph "merging" on top of a stale tip: the user's commit is gone from the branch.
    r.git('reset', '-q', '--hard', 'HEAD~1');
    r.user.noteLines.push(`user line 6 ${NONCE}`);
    const vs = checkUserWork(r.dir, md, r.user);
    assert.deepEqual(names(vs), ['user-line-duplicated', 'user-line-lost', 'user-work-lost', 'user-work-lost', 'user-commit-lost'], show(vs));
    assert.match(vs.find((v) => v.name === 'user-commit-lost')!.detail, new RegExp(kept.hash.slice(0, 10)));
  });

  it('a user commit still reachable whose work a later commit reverted', () => {
    const r = healthyRepo();
    r.write(USER_FILE, 'user notes\n');
    r.commitAll('ralph: 9.9 — a merge from a stale tree');
    r.write(USER_FILE, `user notes\nuser line 2 ${NONCE}\n`);
    const vs = checkUserWork(r.dir, r.read(SPEC_PATH), r.user);
    assert.deepEqual(names(vs), ['user-work-reverted'], show(vs));
  });

  it('an agent of a killed run still writing after the next run\'s agents started, or after the last run', () => {
    const e = (what: JournalEvent['what'], id: string, run: number, t: number): JournalEvent => ({ what, id, run, attempt: 1, pid: 100 + run, t });
    const runs = [
      { index: 0, startedAt: 0, endedAt: 1000, killed: 'ralph' },
      { index: 1, startedAt: 1000, endedAt: 5000 },
    ];
    const clean = [e('start', '1.1', 0, 100), e('wrote', '1.1', 0, 900), e('start', '1.1', 1, 1500), e('end', '1.1', 1, 2000)];
    assert.deepEqual(checkJournal(clean, runs), []);
    const late = [...clean, e('wrote', '1.2', 0, 1600), e('end', '1.3', 1, 5200)];
    const vs = checkJournal(late, runs);
    assert.deepEqual(names(vs), ['agent-outlived-kill', 'agent-outlived-run'], show(vs));
    assert.match(vs[0]!.detail, /task 1\.2.*100 ms after run 1's agents started/);
  });

  it('a run killed before it started any agent is no boundary: the old agents are judged against the run after it', () => {
    const e = (what: JournalEvent['what'], id: string, run: number, t: number): JournalEvent => ({ what, id, run, attempt: 1, pid: 100 + run, t });
    const runs = [
      { index: 0, startedAt: 0, endedAt: 1000, killed: 'ralph' },
      { index: 1, startedAt: 1000, endedAt: 1100, killed: 'group' },
      { index: 2, startedAt: 1200, endedAt: 5000 },
    ];
    const ok = [e('start', '1.1', 0, 100), e('end', '1.1', 0, 1150), e('start', '1.1', 2, 1500)];
    assert.deepEqual(checkJournal(ok, runs), [], 'run 1 never started an agent: nothing overlapped');
    const vs = checkJournal([...ok, e('wrote', '1.2', 0, 1600)], runs);
    assert.deepEqual(names(vs), ['agent-outlived-kill'], show(vs));
    assert.match(vs[0]!.detail, /100 ms after run 2's agents started/);
  });

  it('a process of the round still alive, setsid or not; the power-loss kill stops them all', async () => {
    const marker = `check-${process.pid}-${Date.now()}`;
    const child = spawn('sh', ['-c', 'setsid sleep 30 & exec sleep 30'], { env: { ...process.env, [MARKER_VAR]: marker }, stdio: 'ignore' });
    try {
      const until = Date.now() + 5000;
      while (processesWithMarker(marker).length < 2 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
      const vs = checkProcesses(marker);
      assert.deepEqual(names(vs), ['leftover-process', 'leftover-process'], show(vs));
      assert.equal(killAllWithMarker(marker), 2);
      assert.equal(await waitForNoMarker(marker, 5000), true);
      assert.deepEqual(checkProcesses(marker), []);
    } finally {
      killAllWithMarker(marker);
      child.kill('SIGKILL');
    }
  });
});
