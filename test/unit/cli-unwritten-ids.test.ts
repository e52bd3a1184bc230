// `ralph plan` and `ralph run` on task lists without the formats' ids, through the real bundled
// CLI: a checklist, task headings, and a file where Ralph finds no task.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentSetup, ensureBuilt, makeRepo, readJournal, ROOT, runCli, type Repo } from './e2e-helpers';

const FIX = join(ROOT, 'test', 'fixtures', 'empty');
const fixture = (name: string): string => readFileSync(join(FIX, name), 'utf8');

describe('ralph plan / run: task lists without ids (CLI)', function () {
  this.timeout(120_000);
  const repos: Repo[] = [];
  before(() => ensureBuilt());
  after(() => repos.forEach((r) => r.cleanup()));

  it('plans a checklist with the slug ids it can be run by', async () => {
    const res = await runCli(['plan', 'test/fixtures/empty/checklist.md'], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /checklist\.md — kiro, 7 tasks \(1 done, 1 optional skipped\), 2 phases/, res.stdout);
    assert.match(res.stdout, / 0: create-the-user-model\n +1: hash-passwords\n/, res.stdout);
    const json = JSON.parse((await runCli(['plan', 'test/fixtures/empty/checklist.md', '--json'], ROOT)).stdout);
    const hash = json.tasks.find((t: { id: string }) => t.id === 'hash-passwords');
    assert.deepEqual([hash?.line, hash?.title], [7, 'hash passwords'], JSON.stringify(hash));
  });

  it('plans task headings by their ids and warns about those it cannot check off', async () => {
    const res = await runCli(['plan', 'test/fixtures/empty/headings.md'], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /headings\.md — \S+, 6 tasks \(2 done\), 2 phases/, res.stdout);
    assert.match(res.stdout, /headings\.md:19: warning: Tasks 2\.1, 3, 3\.1 are headings without a "- \[ \] Done" line/, res.stdout);
  });

  it('exits 1 on a file without tasks, saying why at its line, and a run refuses instead of being done', async () => {
    const plan = await runCli(['plan', 'test/fixtures/empty/prose.md'], ROOT);
    assert.equal(plan.code, 1, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /prose\.md:5: error: No tasks found\. This list item has no checkbox: write "- \[ \] " in front of each task/, plan.stdout);
    const r = makeRepo({ 'tasks.md': fixture('prose.md') });
    repos.push(r);
    const run = await runCli(['run', 'tasks.md', '--agent', 'demo'], r.dir);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /tasks\.md:5: error: No tasks found/, run.stderr);
    assert.match(run.stderr, /the plan has errors; fix them before running/, run.stderr);
  });

  it('runs a checklist task by its slug and ticks its own line, in a worktree merged back', async () => {
    const r = makeRepo({ 'specs/login/tasks.md': fixture('checklist.md'), 'README.md': 'hello\n' });
    repos.push(r);
    const a = agentSetup({ '*': { sleepMs: 20 } });
    const res = await runCli(['run', 'specs/login/tasks.md', '--task', 'hash-passwords', '--with-dependencies', '--agent', a.agentArg], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.deepEqual(
      readJournal(a.journal).filter((e) => e.what === 'start').map((e) => e.id),
      ['create-the-user-model', 'hash-passwords'],
    );
    assert.equal(
      r.read('specs/login/tasks.md'),
      fixture('checklist.md').replace('- [ ] Create the user', '- [x] Create the user').replace('- [ ] hash passwords', '- [x] hash passwords'),
    );
    assert.match(r.git('show', 'HEAD:specs/login/tasks.md'), /- \[x\] hash passwords/);
  });

  it('runs a heading task without a Done line, merges its work and says it could not check it off', async () => {
    const r = makeRepo({ 'specs/login/tasks.md': fixture('headings.md'), 'README.md': 'hello\n' });
    repos.push(r);
    const a = agentSetup({ '*': { sleepMs: 20 } });
    const res = await runCli(['run', 'specs/login/tasks.md', '--task', '3.1', '--agent', a.agentArg], r.dir, a.env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout + res.stderr, /could not check off 3\.1 in tasks\.md: task 3\.1 is a heading without a "- \[ \] Done" line/, res.stdout + res.stderr);
    assert.equal(r.read('specs/login/tasks.md'), fixture('headings.md'));
    assert.match(r.git('log', '--format=%s', '-3'), /3\.1/);
  });
});
