// Task lists people write without the formats' ids: checklists (`- [ ] Create the user model`)
// and task headings (`### Task 1.1: Title`); and a file where Ralph finds no task at all.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSpec } from '../../src/core/parse';
import { slugOf } from '../../src/core/parse/idless';
import { planSpec } from '../../src/core/plan';
import type { Spec } from '../../src/core/model';
import { isCheckedOffIn } from '../../src/core/checkOff';
import { checkOffTask, taskIsChecked, uncheckTask } from '../../src/core/tasksEdit';
import { FileTasksFile } from '../../src/node/stores/tasksFile';

const FIX = path.join(__dirname, '..', 'fixtures', 'empty');
const show = (v: unknown) => JSON.stringify(v, null, 1);
const read = (name: string): string => fs.readFileSync(path.join(FIX, name), 'utf8');
const parse = (text: string): Spec => parseSpec(text, { path: 'tasks.md' });
const summary = (spec: Spec) => spec.tasks.map((t) => [t.id, t.check, t.title, t.parentId ?? null]);
const diagnostics = (spec: Spec) => spec.diagnostics.map((d) => [d.range.start.line + 1, d.severity, d.code]);

describe('parse: checklists without ids', () => {
  it('reads each checkbox item as a task whose id is its title slug, nested items as sub-tasks', () => {
    const spec = parse(read('checklist.md'));
    assert.deepEqual(
      summary(spec),
      [
        ['create-the-user-model', 'todo', 'Create the user model', null],
        ['add-the-login-route-post-login', 'done', 'Add the login route (POST /login)', null],
        ['hash-passwords', 'todo', 'hash passwords', 'add-the-login-route-post-login'],
        ['rate-limit-attempts', 'todo', 'rate-limit attempts', 'add-the-login-route-post-login'],
        ['build-the-login-form', 'todo', 'Build the login form', null],
        ['write-tests', 'todo', 'Write tests', null],
        ['write-tests-2', 'todo', 'Write tests', null],
      ],
      show(summary(spec)),
    );
    assert.deepEqual(diagnostics(spec), [], show(spec.diagnostics));
    const form = spec.tasks.find((t) => t.id === 'build-the-login-form');
    assert.deepEqual([form?.parallelRequested, form?.phaseIndex, spec.tasks[5]?.optional], [true, 1, true], show(form));
    // The phase headings still group them; the container waits for its sub-tasks.
    const plan = planSpec(spec);
    assert.deepEqual(plan.taskIds.slice(0, 3), ['create-the-user-model', 'add-the-login-route-post-login', 'hash-passwords'], show(plan.taskIds));
    assert.equal(plan.hasErrors, false, show(plan.diagnostics));
  });

  it('keeps every id when a line is inserted above, a section moves or another title changes', () => {
    const before = parse(read('checklist.md'));
    const idOf = (spec: Spec, title: string) => spec.tasks.find((t) => t.title === title)?.id;
    const edited = read('checklist.md')
      .replace('## Backend\n', '## Backend\n\n- [ ] Set up the database\n')
      .replace('- [ ] Create the user model', '- [ ] Create the user model\n  Some notes under it.')
      .replace('Build the login form', 'Build the sign-in form');
    const after = parse(edited);
    for (const title of ['Create the user model', 'Add the login route (POST /login)', 'hash passwords', 'Write tests']) {
      assert.equal(idOf(after, title), idOf(before, title), title);
    }
    assert.equal(idOf(after, 'Set up the database'), 'set-up-the-database');
  });

  it('makes short typable slugs: accents dropped, markup and punctuation gone, cut at a word end', () => {
    assert.equal(slugOf('Add the **login** route'), 'add-the-login-route');
    assert.equal(slugOf('Créer le modèle `User`'), 'creer-le-modele-user');
    assert.equal(slugOf('Make the very long title of a task that goes on and on and on'), 'make-the-very-long-title-of-a-task-that');
    assert.equal(slugOf('✅ ???'), 'task');
  });

  it('numbers ten thousand equal titles in one pass (each once looked through all before it: 40 s for 20 000)', () => {
    const started = Date.now();
    const spec = parse(Array.from({ length: 10_000 }, () => '- [ ] Write tests').join('\n'));
    const ms = Date.now() - started;
    assert.deepEqual([spec.tasks[0]?.id, spec.tasks[1]?.id, spec.tasks[9_999]?.id], ['write-tests', 'write-tests-2', 'write-tests-10000']);
    assert.ok(ms < 4000, `${ms} ms`);
    // A title that reads like a numbered copy takes its own slug; the copy after it skips it.
    assert.deepEqual(parse('- [ ] A\n- [ ] A 2\n- [ ] A\n').tasks.map((t) => t.id), ['a', 'a-2', 'a-3']);
  });

  it('reads no id-less checkbox in a file with id\'d tasks, and warns about those outside every task', () => {
    const spec = parse(read('mixed.md'));
    assert.deepEqual(summary(spec), [['1.1', 'todo', 'Create the user model', null]], show(summary(spec)));
    assert.deepEqual(diagnostics(spec), [[8, 'warning', 'ignored-checkbox']], show(spec.diagnostics));
    assert.match(spec.diagnostics[0]?.message ?? '', /no task id.*`- \[ \] 3\.1 Title`/);
  });
});

describe('parse: task headings', () => {
  it('reads `### Task 1.1: Title` and `### 2.1 Title` headings with their bodies and states', () => {
    const spec = parse(read('headings.md'));
    assert.deepEqual(
      summary(spec),
      [
        ['1.1', 'todo', 'Create the user model', null],
        ['1.2', 'done', 'Add the login route', null],
        ['2.1', 'in-progress', 'Build the login form', null],
        ['2.2', 'done', 'Write tests', null],
        ['3', 'todo', 'Deploy', null],
        ['3.1', 'todo', 'Build the image', '3'],
      ],
      show(summary(spec)),
    );
    const t11 = spec.tasks[0];
    assert.deepEqual(
      [t11?.files, t11?.verify, t11?.doText, t11?.phaseIndex, t11?.ranges.id.start],
      [['src/models/user.ts'], 'npm test -- user', 'add `src/models/user.ts` with email and password hash.', 0, { line: 4, character: 9 }],
      show(t11),
    );
    assert.deepEqual(spec.phases.map((p) => p.title), ['Phase 1: Backend', 'Phase 2: Frontend'], show(spec.phases));
    // 2.1, 3 (a container, ticked when 3.1 is) and 3.1 have no `- [ ] Done` line: they run, and
    // the author is told before the run that their check-offs cannot be written.
    assert.deepEqual(diagnostics(spec), [[19, 'warning', 'cannot-check-off']], show(spec.diagnostics));
    assert.match(spec.diagnostics[0]?.message ?? '', /^Tasks 2\.1, 3, 3\.1 are headings without a "- \[ \] Done" line: Ralph runs them but cannot/);
  });

  it('reads done from a glyph in the heading, a Done box, a Status field or all steps ticked', () => {
    const states = (text: string) => parse(text).tasks.map((t) => t.check);
    assert.deepEqual(states('### Task 1: A ✅\n\n### Task 2: B (done)\n\n### Task 3: C\n\n- [x] Done\n'), ['done', 'done', 'done']);
    assert.deepEqual(states('### Task 1: A\n\n**Status**: Complete\n\n### Task 2: B\n\nStatus: not started\n'), ['done', 'todo']);
    assert.deepEqual(states('### Task 1: A\n\n- [x] one\n- [x] two\n\n### Task 2: B\n\n- [x] one\n- [ ] two\n'), ['done', 'todo']);
    // `### 1.1 Backend` over checkbox items numbers a section of a checklist; beside a `### Task`
    // heading it is a task, and its items are steps.
    const sections = parse('## 1. Login\n\n### 1.1 Backend\n\n- [ ] Create the user model\n- [ ] Add the route\n\n### 1.2 Frontend\n\n- [ ] Build the form\n');
    assert.deepEqual(sections.tasks.map((t) => t.id), ['create-the-user-model', 'add-the-route', 'build-the-form'], show(summary(sections)));
    const steps = parse('### Task 1.1: Backend\n\n- [ ] Create the user model\n\n### 1.2 Frontend\n\n- [ ] Build the form\n');
    assert.deepEqual(steps.tasks.map((t) => t.id), ['1.1', '1.2'], show(summary(steps)));
    // A heading is a section, not a task, without "Task" or a dotted id; `## 1. Intro` neither.
    assert.deepEqual(parse('## 1. Intro\n\n### Overview\n\nText.\n').tasks.length, 0);
  });
});

describe('parse: no tasks', () => {
  it('is an error that says what Ralph reads, at the line that looks like a task without a checkbox', () => {
    const spec = parse(read('prose.md'));
    assert.deepEqual(diagnostics(spec), [[5, 'error', 'no-tasks']], show(spec.diagnostics));
    assert.match(spec.diagnostics[0]?.message ?? '', /no checkbox: write "- \[ \] " in front of each task.*`### Task 1\.1: Title`/);
    // The plan carries it, so `ralph plan` exits 1, a run refuses, and the Problems panel shows it.
    assert.equal(planSpec(spec).hasErrors, true);
  });

  it('names an empty file, and a heading that is not a task heading', () => {
    assert.match(parse('\n\n').diagnostics[0]?.message ?? '', /the file is empty/);
    const headings = parse('# Tasks\n\n## Backend\n\nWrite the model.\n');
    assert.deepEqual(diagnostics(headings), [[3, 'error', 'no-tasks']], show(headings.diagnostics));
    assert.match(headings.diagnostics[0]?.message ?? '', /"Task <id>: Title"/);
    // A list in a code block is an example, not a hint.
    const fenced = parse('# Tasks\n\n```\n- not a hint\n```\n\nText.\n');
    assert.deepEqual(diagnostics(fenced), [[1, 'error', 'no-tasks']], show(fenced.diagnostics));
  });
});

describe('check-off of tasks whose ids are not written in the file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-unwritten-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ticks the box of a checklist task by its slug, on its line as the file is now', async () => {
    const file = path.join(dir, 'tasks.md');
    fs.writeFileSync(file, read('checklist.md'));
    const tasks = new FileTasksFile(file);
    // The author inserts a task above while the run goes on: the slug still finds the right line.
    fs.writeFileSync(file, read('checklist.md').replace('## Backend\n', '## Backend\n\n- [ ] Set up the database\n'));
    const r = await tasks.checkOff('hash-passwords');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.deepEqual([r.changed, r.line, lines[r.line ?? -1]], [true, 8, '  - [x] hash passwords'], show(lines));
    assert.equal(fs.readFileSync(file, 'utf8'), read('checklist.md').replace('## Backend\n', '## Backend\n\n- [ ] Set up the database\n').replace('- [ ] hash', '- [x] hash'));
    const again = await tasks.checkOff('hash-passwords');
    assert.equal(again.changed, false);
    await tasks.unmark('hash-passwords');
    assert.match(fs.readFileSync(file, 'utf8'), /^ {2}- \[ \] hash passwords$/m);
    // The second of two equal titles is the second line.
    await tasks.markDone('write-tests-2');
    assert.match(fs.readFileSync(file, 'utf8'), /- \[ \]\* Write tests\n- \[x\] Write tests\n$/);
  });

  it('ticks a heading task\'s Done line, and says why it cannot tick one without', async () => {
    const file = path.join(dir, 'tasks.md');
    fs.writeFileSync(file, read('headings.md'));
    const tasks = new FileTasksFile(file);
    const r = await tasks.checkOff('1.1');
    assert.deepEqual([r.changed, r.line], [true, 4]);
    assert.equal(fs.readFileSync(file, 'utf8'), read('headings.md').replace('- [ ] Done', '- [x] Done'));
    await assert.rejects(tasks.markDone('3.1'), /task 3\.1 is a heading without a "- \[ \] Done" line under it, so Ralph cannot check it off/);
    assert.equal(fs.readFileSync(file, 'utf8'), read('headings.md').replace('- [ ] Done', '- [x] Done'));
    // A merge does not wait for a tick that cannot be written; it does for one that can.
    const text = fs.readFileSync(file, 'utf8');
    assert.deepEqual([isCheckedOffIn({ format: 'kiro' }, text, '3.1'), taskIsChecked(text, '3.1'), isCheckedOffIn({ format: 'kiro' }, read('headings.md'), '1.1')], [true, false, false]);
    // Done already (glyph, status): nothing to write; a glyph is never taken back.
    assert.deepEqual([checkOffTask(text, '1.2').changed, uncheckTask(text, '1.2').changed], [false, false]);
  });
});
