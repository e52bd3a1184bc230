// Which tasks a run covers and what they wait for, decided once (src/core/run/scope.ts) for the
// scheduler, the CLI's live view and the extension's "run what it waits for first?" question.
import { strict as assert } from 'node:assert';
import { parseSpec } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import type { RunScope } from '../../src/core/ports';
import { resolveScope, RunRelations, ScopeError, unfinishedDependencies } from '../../src/core/run/scope';

const KIRO = `# Tasks

- [ ] 1. Set up
  - [x] 1.1 Create the repository
  - [ ] 1.2 Add the config
- [ ] 2. Build the feature
  - [ ] 2.1 Write the model
  - [ ] 2.2 Write the API
  - [ ]* 2.3 Write unit tests
- [ ] 3. Document it
`;

describe('run scope: one resolver', () => {
  const plan = planSpec(parseSpec(KIRO, { path: 'tasks.md' }));
  const isDone = (id: string) => plan.spec.tasks.find((t) => t.id === id)?.done === true;
  const facts = { isDone, failedBefore: (id: string) => id === '2.1', awaitsMerge: () => false };
  const scoped = (scope: RunScope) => resolveScope(new RunRelations(plan, scope), scope, facts, 'tasks.md');

  it('a sub-task with its dependencies runs what its parent waits for first, done tasks left out', () => {
    assert.deepEqual(scoped({ kind: 'task', taskId: '2.1', withDependencies: true }), ['1', '1.2', '2.1']);
  });

  it('a parent runs with its sub-tasks, its optional one included when it is named', () => {
    assert.deepEqual(scoped({ kind: 'task', taskId: '2' }), ['2', '2.1', '2.2', '2.3']);
  });

  it('a task after the parent waits for the parent\'s sub-tasks, not for a skipped optional one', () => {
    assert.deepEqual(scoped({ kind: 'task', taskId: '3', withDependencies: true }), ['1', '1.2', '2', '2.1', '2.2', '3']);
  });

  it('a retry covers the failed task and everything that waits on it', () => {
    assert.deepEqual(scoped({ kind: 'retryFailed' }), ['2', '2.1', '2.2', '2.3', '3']);
  });

  it('names a missing task or group with the spec', () => {
    assert.throws(() => scoped({ kind: 'task', taskId: '9' }), (e: unknown) => e instanceof ScopeError && /tasks\.md: there is no task 9/.test(e.message));
    assert.throws(() => scoped({ kind: 'group', groupIndex: 4 }), /there is no parallel group 4/);
  });

  it('the extension\'s question lists exactly what the scheduler would run first (the old copy missed a parent\'s dependencies)', () => {
    for (const taskId of ['2.1', '2.2', '3']) {
      const scope = { kind: 'task', taskId, withDependencies: true } as const;
      const run = scoped(scope);
      assert.deepEqual(unfinishedDependencies(plan, scope, isDone), run.filter((id) => id !== taskId), taskId);
    }
    // The relation the extension used to walk (the plan's dependsOn alone) says 2.1 waits for
    // nothing unfinished: a run of it alone would then be reported blocked by 1.2.
    assert.deepEqual(unfinishedDependencies(plan, { kind: 'task', taskId: '2.1' }, isDone), ['1', '1.2']);
  });
});
