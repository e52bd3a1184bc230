import { strict as assert } from 'node:assert';
import { parseSpec } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, rig } from './fakes';

// The scheduler on plans made by the real parser and planner from tasks.md text, so the two
// agree on what a group, a barrier and a Kiro parent mean.

const SPECUM = `# Tasks

## Phase 1: Make It Work

- [x] 1.1 Add the schema
  - **Files**: \`schema.json\`

- [ ] 1.2 [P] Add the parameter
  - **Files**: \`agent.md\`
  - **Commit**: \`feat(agent): add the parameter\`

- [ ] 1.3 [P] Parse the markers
  - **Files**: \`implement.md\`

- [ ] 1.4 [VERIFY] Checkpoint
  - **Verify**: \`npm test\` passes

- [ ] 1.5 Wrap up
`;

const KIRO = `# Implementation Plan

- [ ] 1. Set up the store
  - _Requirements: 1.1_

- [ ] 2. Build the API
  - [ ] 2.1 Write the handlers
  - [ ] 2.2 Write the routes

- [ ] 3. Wire it up
`;

describe('scheduler: plans from tasks.md', () => {
  for (const mode of ['dag', 'waves'] as const) {
    it(`runs a ralph-specum spec group by group with a barrier (${mode})`, async () => {
      const r = rig();
      const p = planSpec(parseSpec(SPECUM, { path: '/repo/specs/demo/tasks.md' }));
      const run = runPlan(p, r.ports, { maxConcurrent: 3, mode, commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 1 }, neverCancelled, (e) => r.events.push(e));
      await flush();
      assert.deepEqual(r.executor.running(), ['1.2', '1.3'], JSON.stringify(r.executor.order));
      r.git.dirty.push('agent.md', 'implement.md');
      r.executor.resolve('1.3');
      r.executor.resolve('1.2');
      await flush();
      assert.deepEqual(r.executor.running(), ['1.4'], JSON.stringify(r.journal.entries));
      r.executor.resolve('1.4');
      await flush();
      r.git.dirty.push('notes.md');
      r.executor.resolve('1.5');
      const summary = await run;
      assert.deepEqual([summary.skipped, summary.succeeded], [1, 4], JSON.stringify(summary));
      assert.deepEqual(r.verifier.calls, ['npm test'], JSON.stringify(r.verifier.calls));
      const subjects = r.git.commits.map((c) => c.message.split('\n')[0]);
      // 1.4 changed nothing, so its quiescent point had nothing to commit.
      assert.deepEqual(subjects, ['ralph: 1.2, 1.3 — Add the parameter; Parse the markers', 'ralph: 1.5 — Wrap up'], JSON.stringify(subjects));
      assert.equal(r.state.current.taskIndex, 5, JSON.stringify(r.state.current));
    });
  }

  it('never executes a Kiro parent and checks it off after its sub-tasks', async () => {
    const r = rig();
    const p = planSpec(parseSpec(KIRO, { path: '/repo/specs/demo/tasks.md' }));
    const run = runPlan(p, r.ports, { maxConcurrent: 3, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 }, neverCancelled, (e) => r.events.push(e));
    for (const id of ['1', '2.1', '2.2', '3']) {
      await flush();
      assert.deepEqual(r.executor.running(), [id], JSON.stringify(r.executor.order));
      r.executor.resolve(id);
    }
    const summary = await run;
    assert.deepEqual(r.tasksFile.done, ['1', '2.1', '2.2', '2', '3'], JSON.stringify(r.tasksFile.done));
    assert.equal(summary.succeeded, 5, JSON.stringify(summary));
  });

  it('blocks a Kiro parent and what follows when a sub-task fails', async () => {
    const r = rig();
    const p = planSpec(parseSpec(KIRO, { path: '/repo/specs/demo/tasks.md' }));
    const run = runPlan(p, r.ports, { maxConcurrent: 3, mode: 'dag', commit: 'none', scope: { kind: 'spec' }, maxTaskIterations: 1 }, neverCancelled, (e) => r.events.push(e));
    await flush();
    r.executor.resolve('1');
    await flush();
    r.executor.resolve('2.1', 'failed');
    const summary = await run;
    const blocked = r.events.flatMap((e) => (e.type === 'taskFinished' && e.status === 'blocked' ? [`${e.taskId}: ${e.reason}`] : []));
    assert.deepEqual(blocked, ['2: blocked by 2.1 (failed)', '2.2: blocked by 2.1 (failed)', '3: blocked by 2.1 (failed)'], JSON.stringify(blocked));
    assert.deepEqual([summary.succeeded, summary.failed, summary.blocked], [1, 1, 3], JSON.stringify(summary));
  });
});
