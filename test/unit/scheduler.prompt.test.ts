import { strict as assert } from 'node:assert';
import { batchCommitMessage, buildPrompt, CancellationSource, verifyCommandOf } from '../../src/core/run';
import { declaredFileMatcher, relativeTo } from '../../src/core/run/commits';
import { makeTask, plan } from './fakes';
import { parseTaskMaster } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';

describe('scheduler: the prompt', () => {
  const p = plan({
    tasks: ['1.2'],
    task: { '1.2': { title: 'Add the progress file parameter', verify: '`grep -q progressFile agent.md` exits 0', files: ['agents/agent.md'] } },
    path: '/repo/specs/parallel/tasks.md',
  });
  const task = p.spec.tasks[0] ?? makeTask('x', 0);
  const ctx = { specDir: '/repo/specs/parallel', progressFile: '/repo/specs/parallel/.progress-task-1.2.md', attempt: 1 };

  it('holds the task block, the spec paths, the progress file and its sections, and the Verify command', () => {
    const prompt = buildPrompt(p, task, ctx);
    for (const expected of [
      task.text,
      '/repo/specs/parallel/requirements.md',
      '/repo/specs/parallel/design.md',
      '/repo/specs/parallel/tasks.md',
      '/repo/specs/parallel/.progress-task-1.2.md',
      '## Completed Tasks',
      '## Learnings',
      'grep -q progressFile agent.md',
      'agents/agent.md',
    ]) {
      assert.ok(prompt.includes(expected), `missing ${JSON.stringify(expected)} in:\n${prompt}`);
    }
    assert.ok(!/Attempt|failed/i.test(prompt), prompt);
  });

  it('names the tasks file as the agent\'s worktree has it; a Task Master task by its tag and id, with no tasks.md in sight', () => {
    const inWorktree = buildPrompt(p, task, { ...ctx, specDir: '/wt/1.2/specs/parallel', specFile: '/wt/1.2/specs/parallel/tasks.md' });
    assert.match(inWorktree, /- Tasks: \/wt\/1\.2\/specs\/parallel\/tasks\.md$/m, inWorktree);
    const spec = parseTaskMaster(JSON.stringify({ feature: { tasks: [{ id: 1, title: 'Store books', status: 'pending', dependencies: [] }] } }), { path: '.taskmaster/tasks/tasks.json', tag: 'feature' });
    const tm = planSpec(spec);
    const prompt = buildPrompt(tm, spec.tasks[0] ?? makeTask('x', 0), { ...ctx, specFile: '/wt/1/.taskmaster/tasks/tasks.json' });
    assert.match(prompt, /- Tasks: \/wt\/1\/\.taskmaster\/tasks\/tasks\.json \(Task Master, tag "feature"; this task is id 1\)/, prompt);
    assert.doesNotMatch(prompt, /tasks\.md|requirements\.md|design\.md/, prompt);
    assert.match(prompt, /Do not change the task's status in tasks\.json/, prompt);
  });

  it('tells a retry what went wrong last time', () => {
    const prompt = buildPrompt(p, task, { ...ctx, attempt: 2, lastFailure: 'verify failed: `npm test` exited 1' });
    assert.match(prompt, /## Attempt 2[\s\S]*verify failed: `npm test` exited 1/, prompt);
  });

  it('takes the command out of a Verify field written as prose', () => {
    const cases = [
      ['`npm test` exits 0', 'npm test'],
      ['npm run lint', 'npm run lint'],
      ['test "`date +%Y`" != 1999', 'test "`date +%Y`" != 1999'],
      ['  ', undefined],
    ] as const;
    const actual = cases.map(([verify]) => verifyCommandOf(makeTask('1', 0, { verify })));
    assert.deepEqual(actual, cases.map(([, command]) => command), JSON.stringify(actual));
  });
});

describe('scheduler: commit helpers', () => {
  it('names every task of a batch in the subject and the body', () => {
    const message = batchCommitMessage([makeTask('1.2', 0, { commit: '`feat: a`' }), makeTask('1.3', 1, { title: 'B' })]);
    assert.equal(message, 'ralph: 1.2, 1.3 — Task 1.2; B\n\n- 1.2 feat: a\n- 1.3 B', JSON.stringify(message));
  });

  it('matches changed paths to declared files, folders and globs', () => {
    const owns = declaredFileMatcher(['`src/a.ts`', 'lib/', 'test/**/*.test.ts']);
    const paths = ['src/a.ts', 'src/a.tsx', 'lib/x/y.js', 'test/unit/q.test.ts', 'test/q.ts'];
    const matched = paths.filter(owns);
    assert.deepEqual(matched, ['src/a.ts', 'lib/x/y.js', 'test/unit/q.test.ts'], JSON.stringify(matched));
  });

  it('matches a route folder by its name, not as a character class', () => {
    const owns = declaredFileMatcher(['app/api/items/[id]/route.ts', 'app/(auth)/**', 'src/*.[jt]s']);
    const paths = ['app/api/items/[id]/route.ts', 'app/api/items/i/route.ts', 'app/(auth)/login/page.tsx', 'app/auth/x.ts', 'src/a.js', 'src/a.cs'];
    const matched = paths.filter(owns);
    assert.deepEqual(matched, ['app/api/items/[id]/route.ts', 'app/(auth)/login/page.tsx', 'src/a.js'], JSON.stringify(matched));
  });

  it('makes paths relative to the repository', () => {
    const actual = [relativeTo('/repo', '/repo/specs/x/.ralph-state.json'), relativeTo('/repo/', '/other/x'), relativeTo('C:\\repo', 'C:\\repo\\a\\b.md')];
    assert.deepEqual(actual, ['specs/x/.ralph-state.json', undefined, 'a/b.md'], JSON.stringify(actual));
  });
});

describe('scheduler: CancellationSource', () => {
  it('tells listeners once, follows its parent, and stops after dispose', async () => {
    const parent = new CancellationSource();
    const child = new CancellationSource(parent.token);
    const heard: string[] = [];
    child.token.onCancellationRequested(() => heard.push('a'));
    const sub = child.token.onCancellationRequested(() => heard.push('b'));
    sub.dispose();
    parent.cancel();
    parent.cancel();
    assert.deepEqual([heard, child.token.isCancellationRequested], [['a'], true], JSON.stringify(heard));
    child.token.onCancellationRequested(() => heard.push('late'));
    await Promise.resolve();
    assert.deepEqual(heard, ['a', 'late'], JSON.stringify(heard));
    const detached = new CancellationSource(parent.token);
    assert.ok(detached.token.isCancellationRequested, 'a child of a cancelled parent starts cancelled');
    child.dispose();
    parent.dispose();
  });
});
