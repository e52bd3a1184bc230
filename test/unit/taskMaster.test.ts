// Task Master's .taskmaster/tasks/tasks.json: reading it (tagged and untagged), planning it
// (subtasks as sub-tasks of a container), checking a task off by rewriting one status value, and
// `ralph plan` on a repository that uses Task Master.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCheckedOffIn } from '../../src/core/checkOff';
import { parseAny, parseTaskMaster } from '../../src/core/parse';
import { planSpec } from '../../src/core/plan';
import { checkOffTaskMaster } from '../../src/core/taskMasterEdit';
import { main } from '../../src/node/cli/main';
import { loadSpec } from '../../src/node/specFiles';
import { TaskMasterTasksFile } from '../../src/node/stores/taskMasterFile';

const FIXTURE = join(__dirname, '..', 'fixtures', 'cli', 'taskmaster');

const STATUSES: Record<number, string> = { 0: 'done', 4: 'in-progress', 6: 'review', 7: 'cancelled', 8: 'deferred' };

interface GeneratedTask {
  id: number;
  title: string;
  description: string;
  status: string;
  dependencies: number[];
  priority: string;
  details: string;
  testStrategy: string;
  subtasks: { id: number; title: string; description: string; status: string; dependencies: (number | string)[]; details: string }[];
}

/** 200 tasks; each one after the first waits for the one before, except every fifth, which
 *  starts a new chain; every third has three subtasks: .1 (no deps), .2 (after .1), .3 (after .2
 *  and, by a bare number, the top-level task two before its parent). */
function generatedTasks(count = 200): GeneratedTask[] {
  const tasks: GeneratedTask[] = [];
  for (let i = 1; i <= count; i++) {
    const status = STATUSES[i % 10] ?? 'pending';
    tasks.push({
      id: i,
      title: `Task number ${i}`,
      description: `Does part ${i} of the work.`,
      status,
      dependencies: i > 1 && i % 5 !== 1 ? [i - 1] : [],
      priority: i % 2 ? 'high' : 'medium',
      details: `Details of ${i}.`,
      testStrategy: `Check part ${i}.`,
      subtasks:
        i % 3 === 0
          ? [
              { id: 1, title: `First step of ${i}`, description: '', status: 'pending', dependencies: [], details: '' },
              { id: 2, title: `Second step of ${i}`, description: '', status: 'pending', dependencies: [1], details: '' },
              { id: 3, title: `Third step of ${i}`, description: '', status: 'pending', dependencies: i > 6 ? [2, i - 2] : [2], details: '' },
            ]
          : [],
    });
  }
  return tasks;
}

const tagged = (tasks: unknown[]): string =>
  JSON.stringify({ master: { tasks, metadata: { created: '2026-11-01T00:00:00.000Z', description: 'Tasks for master context' } } }, null, 2) + '\n';

describe('Task Master tasks.json', () => {
  describe('reading', () => {
    const text = tagged(generatedTasks());
    const spec = parseTaskMaster(text, { path: '.taskmaster/tasks/tasks.json' });
    const plan = planSpec(spec);

    it('reads 200 tasks and their subtasks, with ids 3 and 3.1', () => {
      assert.equal(spec.format, 'taskmaster');
      assert.equal(spec.tag, 'master');
      assert.equal(spec.tasks.length, 200 + 66 * 3, `${spec.tasks.length} tasks`);
      assert.deepEqual(spec.diagnostics, [], JSON.stringify(spec.diagnostics));
      assert.deepEqual(plan.diagnostics, [], JSON.stringify(plan.diagnostics.slice(0, 3)));
      const ids = spec.tasks.slice(0, 7).map((t) => t.id);
      assert.deepEqual(ids, ['1', '2', '3', '3.1', '3.2', '3.3', '4'], ids.join(' '));
      const t6 = spec.tasks.find((t) => t.id === '6');
      assert.deepEqual(t6?.childIds, ['6.1', '6.2', '6.3']);
      assert.equal(spec.tasks.find((t) => t.id === '6.2')?.parentId, '6');
      assert.equal(t6?.doneWhen, 'Check part 6.', 'testStrategy is the done-when guidance');
      assert.equal(t6?.verify, undefined, 'testStrategy is prose, never a Verify command');
      assert.match(t6?.text ?? '', /Test strategy .*\nCheck part 6\./, t6?.text);
    });

    it('makes every task with subtasks a container that waits for them', () => {
      assert.equal(plan.containers?.length, 66, JSON.stringify(plan.containers?.slice(0, 5)));
      assert.ok(plan.containers?.every((id) => Number(id) % 3 === 0), JSON.stringify(plan.containers));
      assert.deepEqual(plan.dependsOn['9'], ['9.3'], 'the container waits for the subtask no sibling waits for');
    });

    it('turns dependencies into edges: top-level ids, sibling subtasks, inherited from the parent', () => {
      assert.deepEqual(plan.dependsOn['2'], ['1']);
      assert.deepEqual(plan.dependsOn['6'], ['6.3']);
      assert.deepEqual(plan.dependsOn['11'], [], 'every fifth starts a chain');
      assert.deepEqual(plan.dependsOn['9.1'], ['8'], 'a subtask without sibling deps waits for what its parent waits for');
      assert.deepEqual(plan.dependsOn['9.2'], ['9.1'], 'a bare number in a subtask is a sibling');
      assert.deepEqual(plan.dependsOn['9.3'], ['7', '9.2'], 'a bare number with no such sibling is a top-level task');
      assert.deepEqual(plan.dependsOn['10'], ['9'], 'waiting for a container is waiting for all its subtasks');
      assert.equal(plan.hasErrors, false);
    });

    it('maps statuses: done, cancelled and deferred are done (skipped by a run); in-progress and review are in progress', () => {
      const byId = new Map(spec.tasks.map((t) => [t.id, t]));
      assert.equal(byId.get('10')?.check, 'done');
      assert.equal(byId.get('17')?.done, true, 'cancelled');
      assert.equal(byId.get('18')?.done, true, 'deferred');
      assert.equal(byId.get('14')?.check, 'in-progress');
      assert.equal(byId.get('16')?.check, 'in-progress', 'review');
      assert.equal(byId.get('11')?.check, 'todo');
      assert.equal(byId.get('17')?.fields.status, 'cancelled', 'the status as written is kept');
      assert.equal(spec.tasks.filter((t) => t.done).length, 60, '20 each of done, cancelled, deferred');
    });

    it('points each task at the line of its object', () => {
      const lines = text.split('\n');
      for (const id of ['1', '150', '150.3']) {
        const t = spec.tasks.find((x) => x.id === id);
        const line = t?.ranges.line.start.line ?? -1;
        assert.equal(lines[line]?.trim(), '{', `${id}: line ${line + 1}`);
        assert.match(lines[line + 1] ?? '', new RegExp(`"id": ${id.split('.').pop()},`), `${id}: line ${line + 2}`);
      }
    });

    it('reads the untagged shape the same way', () => {
      const untagged = parseTaskMaster(JSON.stringify({ tasks: generatedTasks() }, null, 2), { path: 'tasks.json' });
      assert.equal(untagged.tag, undefined);
      assert.equal(untagged.tasks.length, spec.tasks.length);
      assert.deepEqual(planSpec(untagged).dependsOn, plan.dependsOn);
    });

    it('picks master among several tags, the only tag, or the tag asked for; several without master is an error', () => {
      const feature = [{ id: 1, title: 'Feature work', status: 'pending', dependencies: [] }];
      const main = [{ id: 1, title: 'Main work', status: 'pending', dependencies: [] }];
      const both = JSON.stringify({ feature: { tasks: feature }, master: { tasks: main } }, null, 2);
      assert.equal(parseTaskMaster(both, { path: 't.json' }).tasks[0]?.title, 'Main work');
      assert.equal(parseTaskMaster(both, { path: 't.json', tag: 'feature' }).tasks[0]?.title, 'Feature work');
      const only = parseTaskMaster(JSON.stringify({ feature: { tasks: feature } }), { path: 't.json' });
      assert.equal(only.tag, 'feature');
      assert.equal(only.tasks.length, 1);
      const two = parseTaskMaster(JSON.stringify({ a: { tasks: feature }, b: { tasks: main } }), { path: 't.json' });
      assert.equal(two.tasks.length, 0);
      assert.match(two.diagnostics[0]?.message ?? '', /Several Task Master tags and no "master"; its tags: a, b; choose one with --tag/);
      const missing = parseTaskMaster(both, { path: 't.json', tag: 'nope' });
      assert.match(missing.diagnostics[0]?.message ?? '', /No tag "nope"/);
    });

    it('is told apart from a task manifest by its shape', () => {
      assert.equal(parseAny(JSON.stringify({ tasks: generatedTasks(3) }), { path: 'tasks.json' }).format, 'taskmaster');
      assert.equal(parseAny(tagged(generatedTasks(3)), { path: 'x/tasks.json' }).format, 'taskmaster');
      assert.equal(parseAny(JSON.stringify({ tasks: [{ task_id: 'A', depends_on_tasks: [] }] }), { path: 'tasks.json' }).format, 'manifest');
    });
  });

  describe('diagnostics', () => {
    const text = [
      '{', //                                              1
      '  "tasks": [', //                                   2
      '    { "id": 1, "title": "One", "status": "pending", "dependencies": [] },', // 3
      '    {', //                                          4
      '      "id": 2,', //                                 5
      '      "title": "Two",', //                          6
      '      "dependencies": [', //                        7
      '        1,', //                                     8
      '        42', //                                     9
      '      ],', //                                       10
      '      "subtasks": [', //                            11
      '        { "id": 1, "title": "Two a", "dependencies": [7] },', // 12
      '        { "id": 2, "title": "Two b", "dependencies": ["1.5", 2] }', // 13
      '      ]', //                                        14
      '    },', //                                         15
      '    "not a task",', //                              16
      '    { "title": "No id" },', //                      17
      '    { "id": 1, "title": "One again", "subtasks": "none" },', // 18
      '    { "id": 5, "title": "Five", "dependencies": [1, {"id": 2}], "subtasks": [{ "id": 1, "dependencies": [5] }] }', // 19
      '  ]', //                                            20
      '}', //                                              21
    ].join('\n');
    const spec = parseTaskMaster(text, { path: 'tasks.json' });
    const plan = planSpec(spec);
    const said = plan.diagnostics.map((d) => `${d.range.start.line + 1} ${d.severity} ${d.code}: ${d.message}`);

    it('says each problem with the line it is on', () => {
      const expected = [
        /^9 error unknown-dependency: Task 2 depends on 42, but no task has that id\.$/,
        /^12 error unknown-dependency: Task 2\.1 depends on 7 \(neither subtask 2\.7 nor task 7\)/,
        /^13 error unknown-dependency: Task 2\.2 depends on 1\.5,/,
        /^13 warning malformed-field: Task 2\.2 depends on itself; that dependency is left out$/,
        /^16 warning malformed-field: Task entry at line 16 should be an object, found string/,
        /^17 warning malformed-field: Task at line 17 has no "id"/,
        /^18 error duplicate-id: Task id 1 is already used on line 3/,
        /^18 warning malformed-field: Task 1: "subtasks" should be an array/,
        /^19 warning malformed-field: Task 5: a dependency should be a task id such as 3 or "3\.1", found object/,
        /^19 warning malformed-field: Task 5\.1 depends on its own parent task 5; that dependency is left out$/,
      ];
      for (const re of expected) assert.ok(said.some((s) => re.test(s)), `${re}\n${said.join('\n')}`);
      assert.equal(said.length, expected.length, said.join('\n'));
      assert.equal(plan.hasErrors, true);
    });

    it('still plans what it could read', () => {
      assert.deepEqual(plan.dependsOn['2.1'], ['1'], JSON.stringify(plan.dependsOn));
      assert.deepEqual(plan.dependsOn['5'], ['5.1']);
      assert.deepEqual(plan.dependsOn['5.1'], ['1'], 'inherited from its parent');
    });

    it('refuses a file that is not JSON or has no tasks, with the line', () => {
      const bad = parseTaskMaster('{\n  "master": {\n    "tasks": [\n', { path: 'tasks.json' });
      assert.equal(bad.diagnostics[0]?.code, 'malformed-input');
      assert.match(bad.diagnostics[0]?.message ?? '', /^Invalid JSON at line 4/, bad.diagnostics[0]?.message);
    });
  });

  describe('check-off', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ralph-tm-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('rewrites only the status value of that subtask, every other byte stays', async () => {
      const original = Buffer.from(tagged(generatedTasks()), 'utf8');
      const file = join(dir, 'tasks.json');
      writeFileSync(file, original);
      await new TaskMasterTasksFile(file, 'master').markDone('150.2');
      const after = readFileSync(file);
      const at = original.indexOf('"Second step of 150"');
      const valueAt = original.indexOf('"status": "pending"', at) + '"status": '.length;
      const expected = Buffer.concat([original.subarray(0, valueAt), Buffer.from('"done"'), original.subarray(valueAt + '"pending"'.length)]);
      assert.ok(after.equals(expected), 'exactly one value changed');
      const reread = parseTaskMaster(after.toString('utf8'), { path: 'tasks.json' });
      assert.deepEqual(
        reread.tasks.filter((t) => t.done).map((t) => t.id).length,
        61,
        'one more task is done',
      );
      assert.equal(reread.tasks.find((t) => t.id === '150.2')?.check, 'done');
      assert.equal(isCheckedOffIn(reread, after.toString('utf8'), '150.2'), true);
      assert.equal(isCheckedOffIn(reread, original.toString('utf8'), '150.2'), false);
    });

    it('keeps odd whitespace, comments, CRLF and key order; a task that is done, cancelled or unknown is left alone', async () => {
      const text =
        '// Task Master file\r\n{ "tasks" : [\r\n\t{"status" :"in-progress",  "id":7 , "title":"Seven",\r\n' +
        '\t "subtasks":[ {"id":1,"status":"pending"} ] },\r\n  {"id": 8, "status": "cancelled"}, {"id": 9, "status": "done"} ]}\r\n';
      const file = join(dir, 'tasks.json');
      writeFileSync(file, text);
      const store = new TaskMasterTasksFile(file);
      await store.markDone('7');
      assert.equal(readFileSync(file, 'utf8'), text.replace('"in-progress"', '"done"'));
      await store.markDone('7.1');
      const both = text.replace('"in-progress"', '"done"').replace('"status":"pending"', '"status":"done"');
      assert.equal(readFileSync(file, 'utf8'), both);
      for (const id of ['8', '9', '12', '7.4']) await store.markDone(id);
      assert.equal(readFileSync(file, 'utf8'), both, 'nothing else was written');
      await store.unmark('7.1');
      assert.equal(readFileSync(file, 'utf8'), both.replace('"status":"done"', '"status":"pending"'));
    });

    it('edits the tag the tasks were read from, not a same id in another tag', () => {
      const text = JSON.stringify({ feature: { tasks: [{ id: 1, status: 'pending' }] }, master: { tasks: [{ id: 1, status: 'pending' }] } }, null, 2);
      const edit = checkOffTaskMaster(text, '1', 'feature');
      assert.equal(edit.changed, true);
      assert.equal(JSON.parse(edit.text).feature.tasks[0].status, 'done');
      assert.equal(JSON.parse(edit.text).master.tasks[0].status, 'pending');
    });

    it('refuses to add a status that is not there', () => {
      assert.throws(() => checkOffTaskMaster('{"tasks":[{"id":1,"title":"x"}]}', '1'), /task 1 has no "status" string to set/);
    });
  });

  describe('the CLI', () => {
    const run = async (args: string[], cwd: string) => {
      let out = '';
      let err = '';
      const code = await main(args, {
        stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
        stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
        cwd,
        env: process.env,
      });
      return { code, out, err };
    };

    it('`ralph plan .` in a repository that uses Task Master shows its tasks, subtasks and order', async () => {
      const res = await run(['plan', '.'], FIXTURE);
      assert.equal(res.code, 0, res.out + res.err);
      assert.match(res.out, /^\.taskmaster\/tasks\/tasks\.json — taskmaster, 6 tasks \(2 done\), tag master\n/, res.out);
      assert.match(res.out, /DAG levels.*\n\s+0: 1\n\s+1: 2\.1 3\n\s+2: 2\.2\n\s+3: 2\n\s+4: 4\n/, res.out);
      assert.match(res.out, /Diagnostics\n\s+\(none\)/, res.out);
      assert.match(res.out, /critical path\s+2\.1 → 2\.2 → 4/, res.out);
    });

    it('`ralph plan` takes the tasks.json path too, and --json lists the subtasks under their parent', async () => {
      const res = await run(['plan', '.taskmaster/tasks/tasks.json', '--json'], FIXTURE);
      assert.equal(res.code, 0, res.out + res.err);
      const plan = JSON.parse(res.out);
      assert.equal(plan.spec.format, 'taskmaster');
      const t2 = plan.tasks.find((t: { id: string }) => t.id === '2');
      assert.deepEqual(t2.dependsOn, ['2.2'], JSON.stringify(t2));
    });

    it('--tag reads another tag; an unknown tag is exit 2 with the file', async () => {
      const res = await run(['plan', '.', '--tag', 'nope'], FIXTURE);
      assert.equal(res.code, 2, res.out + res.err);
      assert.match(res.err, /tasks\.json:1: No tag "nope" in this Task Master file; its tags: master/, res.err);
    });

    /** The four statuses the fixture has pending, each replaced where it stands. */
    const allDone = (original: string): string => {
      let expected = original;
      for (const title of ['"Store books"', '"Create the schema"', '"Write the repository functions"', '"Serve the shelf page"']) {
        const at = expected.indexOf('"status": "pending"', expected.indexOf(title));
        expected = expected.slice(0, at) + '"status": "done"' + expected.slice(at + '"status": "pending"'.length);
      }
      return expected;
    };

    it('`ralph run` in worktrees merges each task with its own check-off in tasks.json', async function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'ralph-tm-git-'));
      const speed = process.env.RALPH_DEMO_SPEED;
      process.env.RALPH_DEMO_SPEED = '0';
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
      try {
        const file = join(dir, '.taskmaster', 'tasks', 'tasks.json');
        mkdirSync(join(dir, '.taskmaster', 'tasks'), { recursive: true });
        const original = readFileSync(join(FIXTURE, '.taskmaster', 'tasks', 'tasks.json'), 'utf8');
        writeFileSync(file, original);
        git('init', '-q');
        git('config', 'user.email', 'tests@example.com');
        git('config', 'user.name', 'Tests');
        git('add', '-A');
        git('commit', '-qm', 'init');
        const res = await run(['run', '.', '--agent', 'demo', '--isolation', 'worktree', '--commit', 'individual'], dir);
        assert.equal(res.code, 0, res.out + res.err);
        assert.equal(readFileSync(file, 'utf8'), allDone(original));
        const subjects = git('log', '--format=%s').trim().split('\n');
        assert.deepEqual(subjects.slice(0, 3), ['ralph: 4 — Serve the shelf page', 'ralph: 2.2 — Write the repository functions', 'ralph: 2.1 — Create the schema'], subjects.join('\n'));
        const first = git('show', 'HEAD~2', '--format=', '--', '.taskmaster/tasks/tasks.json');
        assert.equal(first.split('\n').filter((l) => /^[-+] /.test(l)).length, 2, first);
      } finally {
        if (speed === undefined) delete process.env.RALPH_DEMO_SPEED;
        else process.env.RALPH_DEMO_SPEED = speed;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('`ralph run .` sets "done" on each task it finished, its parent once all subtasks are, and nothing else', async function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'ralph-tm-run-'));
      const speed = process.env.RALPH_DEMO_SPEED;
      process.env.RALPH_DEMO_SPEED = '0';
      try {
        const file = join(dir, '.taskmaster', 'tasks', 'tasks.json');
        mkdirSync(join(dir, '.taskmaster', 'tasks'), { recursive: true });
        const original = readFileSync(join(FIXTURE, '.taskmaster', 'tasks', 'tasks.json'), 'utf8');
        writeFileSync(file, original);
        const res = await run(['run', '.', '--agent', 'demo', '--isolation', 'none', '--commit', 'none'], dir);
        assert.equal(res.code, 0, res.out + res.err);
        assert.equal(readFileSync(file, 'utf8'), allDone(original));
      } finally {
        if (speed === undefined) delete process.env.RALPH_DEMO_SPEED;
        else process.env.RALPH_DEMO_SPEED = speed;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('each tag runs on its own: `--tag` on run and status, Task Master\'s current tag by default, state apart from master\'s', async function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'ralph-tm-tags-'));
      const speed = process.env.RALPH_DEMO_SPEED;
      process.env.RALPH_DEMO_SPEED = '0';
      try {
        const tasksDir = join(dir, '.taskmaster', 'tasks');
        mkdirSync(tasksDir, { recursive: true });
        const task = (id: number, title: string, status = 'pending') => ({ id, title, description: title, status, dependencies: id > 1 ? [id - 1] : [], priority: 'medium', details: '', testStrategy: '', subtasks: [] });
        const file = join(tasksDir, 'tasks.json');
        const original = JSON.stringify(
          { master: { tasks: [task(1, 'Master one'), task(2, 'Master two')] }, feature: { tasks: [task(1, 'Feature one'), task(2, 'Feature two')] } },
          null,
          2,
        );
        writeFileSync(file, original);
        const ran = await run(['run', '.', '--agent', 'demo', '--isolation', 'none', '--commit', 'none', '--tag', 'feature'], dir);
        assert.equal(ran.code, 0, ran.out + ran.err);
        const after = JSON.parse(readFileSync(file, 'utf8'));
        assert.deepEqual(after.feature.tasks.map((t: { status: string }) => t.status), ['done', 'done']);
        assert.deepEqual(after.master.tasks.map((t: { status: string }) => t.status), ['pending', 'pending'], 'the master tag, whose ids are the same, is untouched');
        // The tag's state is its own: master has not run, the feature tag has.
        assert.ok(readFileSync(join(tasksDir, 'ralph-tags', 'feature', '.ralph-state.json'), 'utf8').includes('"success"'));
        const master = await run(['status', '.'], dir);
        assert.match(master.out, /no run yet/, master.out);
        const feature = await run(['status', '.', '--tag', 'feature'], dir);
        assert.match(feature.out, /✔ 1\s+success\s+Feature one/, feature.out);
        // `task-master use-tag feature` makes it the tag read when none is named.
        writeFileSync(join(dir, '.taskmaster', 'state.json'), JSON.stringify({ currentTag: 'feature', lastSwitched: '2026-11-29T00:00:00.000Z' }));
        const current = await run(['status', '.'], dir);
        assert.match(current.out, /✔ 2\s+success\s+Feature two/, current.out);
        const plan = JSON.parse((await run(['plan', '.', '--json', '--tag', 'master'], dir)).out);
        assert.deepEqual(plan.tasks.map((t: { title: string }) => t.title), ['Master one', 'Master two']);
        // A current tag that is not in the file says where it came from.
        writeFileSync(join(dir, '.taskmaster', 'state.json'), JSON.stringify({ currentTag: 'gone' }));
        const gone = await run(['plan', '.'], dir);
        assert.equal(gone.code, 2, gone.out + gone.err);
        assert.match(gone.err, /No tag "gone".*current tag of \.taskmaster\/state\.json; choose another with --tag/, gone.err);
      } finally {
        if (speed === undefined) delete process.env.RALPH_DEMO_SPEED;
        else process.env.RALPH_DEMO_SPEED = speed;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('loadSpec finds .taskmaster/tasks/tasks.json in a folder with no tasks.md', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ralph-tm-'));
      try {
        mkdirSync(join(dir, '.taskmaster', 'tasks'), { recursive: true });
        writeFileSync(join(dir, '.taskmaster', 'tasks', 'tasks.json'), JSON.stringify({ tasks: generatedTasks(4) }));
        const loaded = loadSpec(dir);
        assert.equal(loaded.spec.format, 'taskmaster');
        assert.equal(loaded.spec.tasks.length, 4 + 3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
