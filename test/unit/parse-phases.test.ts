import { strict as assert } from 'node:assert';
import { parseSpec } from '../../src/core/parse/index';
import { Replanner } from '../../src/core/replan';
import { formatPlanText } from '../../src/core/report';
import { planSpec } from '../../src/core/plan';

const show = (v: unknown) => JSON.stringify(v);

// The sections spec-kit writes around its phases, in a stand-in of our own.
const TASKS = [
  '# Tasks: Photo albums',
  '',
  '## Format: `[ID] [P?] [Story] Description`',
  '',
  '- **[P]**: can run in parallel',
  '',
  '## Phase 1: Setup',
  '',
  '- [ ] T001 Create the project layout in src/',
  '- [ ] T002 [P] Configure the linter in .eslintrc.json',
  '',
  '## Phase 2: Albums',
  '',
  '- [ ] T003 Add the album model in src/models/album.ts',
  '',
  '## Clean-up',
  '',
  '- [ ] T004 Remove the old importer in src/import.ts',
  '',
  '## Phase 3: Sharing (later)',
  '',
  '## Dependencies & Execution Order',
  '',
  '- Setup before Albums',
  '',
  '## Notes',
  '',
  '- Commit after each task',
  '',
].join('\n');

describe('parse: which headings are phases', () => {
  const spec = parseSpec(TASKS, { path: 'tasks.md' });

  it('keeps headings with tasks under them and `Phase N` headings, not the notes around them', () => {
    assert.deepEqual(
      spec.phases.map((p) => p.title),
      ['Phase 1: Setup', 'Phase 2: Albums', 'Clean-up', 'Phase 3: Sharing (later)'],
      show(spec.phases),
    );
    assert.deepEqual(
      spec.tasks.map((t) => [t.id, t.phaseIndex]),
      [['T001', 0], ['T002', 0], ['T003', 1], ['T004', 2]],
      show(spec.tasks.map((t) => [t.id, t.phaseIndex])),
    );
  });

  it('counts those phases in `ralph plan`', () => {
    assert.match(formatPlanText(planSpec(spec)), /^tasks\.md — spec-kit, 4 tasks, 4 phases\n/, formatPlanText(planSpec(spec)));
  });

  it('keeps the same phases when an edit re-reads one task block', () => {
    const replanner = new Replanner({ path: 'tasks.md' });
    replanner.update(TASKS);
    const edited = replanner.update(TASKS.replace('Add the album model', 'Add the album model and its tests'));
    assert.equal(replanner.lastUpdate.parse, 'block', show(replanner.lastUpdate));
    const fresh = parseSpec(TASKS.replace('Add the album model', 'Add the album model and its tests'), { path: 'tasks.md' });
    assert.deepEqual(edited.spec.phases, fresh.phases, show(edited.spec.phases));
    assert.deepEqual(edited.spec.tasks.map((t) => t.phaseIndex), [0, 0, 1, 2], show(edited.spec.tasks.map((t) => t.phaseIndex)));
  });
});
