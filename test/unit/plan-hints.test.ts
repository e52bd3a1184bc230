import { strict as assert } from 'node:assert';
import type { Plan, Range } from '../../src/core/model';
import { parallelMarkerFixes, type TextEdit } from '../../src/core/parallelFixes';
import { parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan';
import { formatPlanText, toPlanJson } from '../../src/core/report';
import { spec, task } from './builders';

const show = (v: unknown) => JSON.stringify(v);
const plan = (lines: readonly string[]): Plan => planSpec(parseSpec(lines.join('\n'), { path: 'tasks.md' }));
const hints = (p: Plan) => p.diagnostics.filter((d) => d.code === 'parallel-no-effect');
const textAt = (text: string, r: Range) => (text.split('\n')[r.start.line] ?? '').slice(r.start.character, r.end.character);

function apply(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  for (const e of [...edits].sort((a, b) => b.range.start.character - a.range.start.character)) {
    const line = lines[e.range.start.line] ?? '';
    lines[e.range.start.line] = line.slice(0, e.range.start.character) + e.newText + line.slice(e.range.end.character);
  }
  return lines.join('\n');
}

const LONE = [
  '## Phase 3: Albums',
  '',
  '- [ ] T011 [US1] Add the album model in src/models/album.ts',
  '- [ ] T012 [P] [US1] Add the photo model in src/models/photo.ts',
  '- [ ] T013 Add the album service in src/services/albums.ts',
];

describe('plan: a [P] with no effect', () => {
  it('is a hint on the [P] marker that names the neighbours and what would make it run in parallel', () => {
    const p = plan(LONE);
    const found = hints(p);
    assert.equal(found.length, 1, show(p.diagnostics));
    const [h] = found;
    assert.ok(h);
    assert.deepEqual([h.severity, h.taskId, textAt(LONE.join('\n'), h.range)], ['hint', 'T012', '[P]'], show(h));
    assert.match(h.message, /\[P\] has no effect on T012: no task next to it \(T011, T013\) is \[P\]/, h.message);
    assert.match(h.message, /Mark T011 or T013 \[P\] too/, h.message);
    assert.deepEqual(p.parallelHints?.joinable, { T012: ['T011', 'T013'] }, show(p.parallelHints));
    // It changes nothing: T012 still waits for T011 and T013 for T012.
    assert.deepEqual([p.dependsOn['T012'], p.dependsOn['T013'], p.groups.length], [['T011'], ['T012'], 0], show(p.dependsOn));
  });

  it('offers to mark a neighbour [P] too, or to remove the [P], as edits of that marker only', () => {
    const text = LONE.join('\n');
    const p = planSpec(parseSpec(text, { path: 'tasks.md' }));
    const fixes = parallelMarkerFixes(p, 'T012');
    assert.deepEqual(fixes.map((f) => [f.title, f.preferred]), [
      ['Mark T011 [P] too, to run it beside T012', false],
      ['Mark T013 [P] too, to run it beside T012', false],
      ['Remove the [P] of T012 (it has no effect)', true],
    ], show(fixes));
    const [before, after, remove] = fixes.map((f) => apply(text, f.edits).split('\n'));
    assert.equal(before?.[2], '- [ ] T011 [P] [US1] Add the album model in src/models/album.ts', show(before));
    assert.equal(after?.[4], '- [ ] T013 [P] Add the album service in src/services/albums.ts', show(after));
    assert.equal(remove?.[3], '- [ ] T012 [US1] Add the photo model in src/models/photo.ts', show(remove));
    // Each fix leaves one line changed, and a plan with no hint left.
    for (const lines of [before, after, remove]) {
      assert.equal(lines?.filter((l, i) => l !== LONE[i]).length, 1, show(lines));
      assert.deepEqual(hints(plan(lines ?? [])), [], show(lines));
    }
    assert.deepEqual(plan(after ?? []).groups.map((g) => g.taskIds), [['T012', 'T013']]);
  });

  it('marks a ralph-specum task after its id, and a Kiro `2.` after the dot', () => {
    const specum = ['- [ ] 1.1 Write the parser', '  - **Files**: src/parse.ts', '- [ ] 1.2 [P] Write the printer', '  - **Files**: src/print.ts'];
    const fixes = parallelMarkerFixes(plan(specum), '1.2');
    assert.equal(apply(specum.join('\n'), fixes[0]?.edits ?? []).split('\n')[0], '- [ ] 1.1 [P] Write the parser', show(fixes));
    const kiro = ['- [ ] 1. Parser', '  - **Files**: src/parse.ts', '- [ ] 2. [P] Printer', '  - **Files**: src/print.ts'];
    const kiroFixes = parallelMarkerFixes(plan(kiro), '2');
    assert.equal(apply(kiro.join('\n'), kiroFixes[0]?.edits ?? []).split('\n')[0], '- [ ] 1. [P] Parser', show(kiroFixes));
  });

  it('offers no neighbour that shares a file, depends on it, has no files or is a checkpoint', () => {
    const p = plan([
      '- [ ] T020 Add the album routes in src/api/albums.ts',
      '- [ ] T021 [P] Add the album views in src/api/albums.ts',
      '- [ ] T022 Wire the views (depends on T021) in src/app.ts',
      '',
      '- [ ] T030 Write the docs',
      '- [ ] T031 [P] Add the share button in src/share.ts',
      '- [ ] T032 [VERIFY] Run the checks in src/check.ts',
    ]);
    assert.deepEqual(p.parallelHints?.joinable, { T021: [], T031: [] }, show(p.parallelHints));
    assert.match(hints(p)[0]?.message ?? '', /A \[P\] task runs beside the \[P\] tasks right next to it/, show(hints(p)));
    assert.deepEqual(parallelMarkerFixes(p, 'T031').map((f) => f.title), ['Remove the [P] of T031 (it has no effect)']);
  });

  it('says when a heading or text cuts it off from a [P] neighbour', () => {
    const p = plan([
      '- [ ] T040 [P] Add the cache in src/cache.ts',
      '',
      'Then the second part.',
      '',
      '- [ ] T041 [P] Add the queue in src/queue.ts',
    ]);
    const messages = hints(p).map((d) => d.message);
    assert.equal(messages.length, 2, show(messages));
    assert.match(messages[0] ?? '', /the heading or text between it and T041 ends the \[P\] run/, show(messages));
    assert.match(messages[1] ?? '', /between it and T040/, show(messages));
  });

  it('says nothing of [P] groups, done tasks or JSON task lists', () => {
    const p = plan([
      '- [ ] T050 [P] Add a in src/a.ts',
      '- [ ] T051 [P] Add b in src/b.ts',
      '- [ ] T052 Add c in src/c.ts',
      '- [X] T053 [P] Add d in src/d.ts',
      '- [ ] T054 Add e in src/c.ts',
    ]);
    assert.deepEqual(hints(p), [], show(hints(p)));
    assert.deepEqual(parallelMarkerFixes(p, 'T050'), []);
    const manifest = planSpec(spec([task('a', { parallel: true, files: ['a.ts'] }), task('b', { parallel: false, files: ['b.ts'] })], { format: 'manifest' }));
    assert.deepEqual([hints(manifest), manifest.parallelHints?.opportunities], [[], []], show(manifest.parallelHints));
  });
});

describe('plan: tasks that could run together if marked [P]', () => {
  const LIST = [
    '- [ ] T001 Add the album model in src/models/album.ts',
    '- [ ] T002 Add the photo model in src/models/photo.ts',
    '- [ ] T003 Add the album service in src/models/album.ts',
    '- [ ] T004 Add the photo service in src/services/photo.ts',
    '- [ ] T005 Add the share service in src/services/share.ts',
    '- [ ] T006 Check the models [VERIFY] in src/check.ts',
    '- [ ] T007 [VERIFY] Check everything',
    '- [ ] T008 Add the upload page in src/pages/upload.ts',
    '- [ ] T009 Write the release notes',
    '- [ ] T010 Add the share page in src/pages/share.ts',
  ];

  it('groups adjacent unmarked tasks with no file in common, cut where one shares a file or a checkpoint stands', () => {
    const p = plan(LIST);
    assert.deepEqual(p.parallelHints?.opportunities, [['T001', 'T002'], ['T003', 'T004', 'T005', 'T006']], show(p.parallelHints));
  });

  it('lists them in `ralph plan` text, capped, and all of them in --json', () => {
    const many = Array.from({ length: 12 }, (_, k) => [`- [ ] T1${k}0 Add a in src/a${k}.ts`, `- [ ] T1${k}1 Add b in src/b${k}.ts`, '', `Part ${k}.`, '']).flat();
    const p = plan(many);
    const text = formatPlanText(p);
    assert.match(text, /\nCould run together if marked \[P\] \(next to each other, no file in common, no dependency\)\n {2}T100, T101\n/, text);
    assert.match(text, /\n {2}… and 4 more \(ralph plan --json lists them all\)\n/, text);
    assert.equal(toPlanJson(p).parallelOpportunities.length, 12, show(toPlanJson(p).parallelOpportunities));
    assert.deepEqual(toPlanJson(plan(LIST)).parallelOpportunities[0], ['T001', 'T002']);
    assert.doesNotMatch(formatPlanText(plan(['- [ ] T1 Add a in src/a.ts'])), /Could run together/);
  });
});
