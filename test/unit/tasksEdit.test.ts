import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkOffTask, matchTaskCheckboxLine } from '../../src/core/tasksEdit';
import { isAtomicTempFile } from '../../src/node/stores/atomic';
import { FileTasksFile } from '../../src/node/stores/tasksFile';

const specum = [
  '# Tasks: Lantern',
  '',
  '## Phase 1: Make It Work',
  '',
  '- [x] 1.1 Sketch the lamp protocol',
  '  - **Do**: write it down',
  '- [ ] 1.2 [P] Wire the dimmer   ',
  '  - **Verify**: `grep -q dim src/lamp.ts`',
  '- [ ] 1.3 [P] Wire the timer',
  '- [ ] 1.10 Count the bulbs',
  '',
].join('\n');

describe('tasksEdit: checkOffTask', () => {
  it('flips only the checkbox of the task with that id', () => {
    const r = checkOffTask(specum, '1.2');
    assert.equal(r.changed, true);
    assert.equal(r.line, 6);
    assert.equal(r.text, specum.replace('- [ ] 1.2 [P] Wire the dimmer   ', '- [x] 1.2 [P] Wire the dimmer   '), r.text);
  });

  it('does not confuse 1.1 with 1.10', () => {
    const r = checkOffTask(specum, '1.10');
    assert.equal(r.line, 9, JSON.stringify(r));
    assert.ok(r.text.includes('- [x] 1.10 Count'), r.text);
    assert.ok(r.text.includes('- [x] 1.1 Sketch'), r.text);
  });

  it('leaves a done task and an unknown id unchanged', () => {
    const done = checkOffTask(specum, '1.1');
    assert.deepEqual({ changed: done.changed, line: done.line, same: done.text === specum }, { changed: false, line: 4, same: true });
    const unknown = checkOffTask(specum, '9.9');
    assert.deepEqual(unknown, { text: specum, changed: false }, JSON.stringify(unknown));
  });

  it('keeps CRLF line endings and every other byte', () => {
    const crlf = specum.replace(/\n/g, '\r\n');
    const r = checkOffTask(crlf, '1.3');
    assert.equal(r.text, crlf.replace('- [ ] 1.3', '- [x] 1.3'), JSON.stringify(r.text));
    assert.equal(r.text.length, crlf.length);
  });

  it('ignores task-like lines inside fenced code blocks', () => {
    const text = ['Example:', '```markdown', '- [ ] 2.1 Not a task', '```', '~~~', '- [ ] 2.1 Nor this', '~~~', '- [ ] 2.1 The real one', ''].join('\n');
    const r = checkOffTask(text, '2.1');
    assert.equal(r.line, 7, JSON.stringify(r));
    assert.equal(r.text.split('\n').filter((l) => l.includes('[x]')).length, 1, r.text);
  });

  it('uses [X] in spec-kit files, also before anything is done', () => {
    const kit = '## Phase 3.1: Setup\n- [X] T001 Create project\n- [ ] T002 [P] Configure linting in .eslintrc\n';
    assert.equal(checkOffTask(kit, 'T002').text, kit.replace('- [ ] T002', '- [X] T002'));
    const fresh = '- [ ] T001 Create project\n- [ ] T002 Lint\n';
    assert.equal(checkOffTask(fresh, 'T001').text, '- [X] T001 Create project\n- [ ] T002 Lint\n');
    const lower = '- [x] T001 Create project\n- [ ] T002 Lint\n';
    assert.equal(checkOffTask(lower, 'T002').text, '- [x] T001 Create project\n- [x] T002 Lint\n');
  });

  it('handles Kiro: numbered parents, nested sub-tasks, in-progress and optional tasks', () => {
    const kiro = ['- [-] 1. Set up the store', '  - [ ] 1.1 Create the schema', '  - [ ]* 1.2 Write property tests', '- [ ] 2. Wire the API', ''].join('\n');
    assert.ok(checkOffTask(kiro, '1').text.startsWith('- [x] 1. Set up'), checkOffTask(kiro, '1').text);
    assert.ok(checkOffTask(kiro, '1.2').text.includes('  - [x]* 1.2 Write'), checkOffTask(kiro, '1.2').text);
    assert.equal(checkOffTask(kiro, '2').line, 3);
  });

  it('keeps a byte order mark and matches the first line after it', () => {
    const r = checkOffTask('\uFEFF- [ ] 1.1 First\n', '1.1');
    assert.equal(r.text, '\uFEFF- [x] 1.1 First\n', JSON.stringify(r.text));
  });

  it('finds ids the way the parser does, with other list bullets', () => {
    assert.equal(matchTaskCheckboxLine('* [ ] 3.4 Star bullet')?.id, '3.4');
    assert.equal(matchTaskCheckboxLine('1. [ ] VE1 [VERIFY] check')?.id, 'VE1');
    assert.equal(matchTaskCheckboxLine('- [ ] 3 apples'), undefined);
    assert.equal(matchTaskCheckboxLine('- [ ]no space'), undefined);
    assert.equal(matchTaskCheckboxLine('- [ ] '), undefined);
  });

  it('skips front matter and HTML comments', () => {
    const text = ['---', 'note: "- [ ] 1.1 in yaml"', '- [ ] 1.1 yaml list', '---', '<!--', '- [ ] 1.1 retired', '-->', '<!-- - [ ] 1.1 inline -->', '- [ ] 1.1 Real', ''].join('\n');
    const r = checkOffTask(text, '1.1');
    assert.equal(r.line, 8, JSON.stringify(r));
    assert.equal(r.text, text.replace('- [ ] 1.1 Real', '- [x] 1.1 Real'), r.text);
  });
});

describe('tasksEdit: FileTasksFile', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-tasks-'));
    file = path.join(dir, 'tasks.md');
    fs.writeFileSync(file, specum);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps an edit the user made to another line between two check-offs', async () => {
    const tasks = new FileTasksFile(file);
    await tasks.markDone('1.2');
    const edited = fs.readFileSync(file, 'utf8').replace('Wire the timer', 'Wire the timer (and the alarm)');
    fs.writeFileSync(file, edited);
    await tasks.markDone('1.3');
    const now = fs.readFileSync(file, 'utf8');
    assert.equal(now, edited.replace('- [ ] 1.3', '- [x] 1.3'), now);
  });

  it('writes only the checkbox byte: a line the user appends meanwhile stays, in the same file', async () => {
    const inode = fs.statSync(file).ino;
    let interfered = 0;
    const tasks = new FileTasksFile(file, {
      beforeCompare: async () => {
        if (interfered++ === 0) fs.appendFileSync(file, '- [ ] 1.11 Added by the user meanwhile\n');
      },
    });
    const r = await tasks.checkOff('1.3');
    const now = fs.readFileSync(file, 'utf8');
    assert.equal(interfered, 1, 'one try: the append did not move the task');
    assert.equal(r.changed, true);
    assert.equal(now, specum.replace('- [ ] 1.3', '- [x] 1.3') + '- [ ] 1.11 Added by the user meanwhile\n');
    assert.equal(fs.statSync(file).ino, inode, 'edited in place, never replaced');
    assert.deepEqual(fs.readdirSync(dir).filter(isAtomicTempFile), []);
  });

  it('a line inserted above the task meanwhile: nothing is written at the old offset, the edit is redone', async () => {
    let interfered = 0;
    const tasks = new FileTasksFile(file, {
      beforeCompare: async () => {
        if (interfered++ === 0) fs.writeFileSync(file, '<!-- note -->\n' + fs.readFileSync(file, 'utf8'));
      },
    });
    await tasks.markDone('1.3');
    const now = fs.readFileSync(file, 'utf8');
    assert.equal(interfered, 2, 'one try lost to the edit, one that landed');
    assert.equal(now, '<!-- note -->\n' + specum.replace('- [ ] 1.3', '- [x] 1.3'), now);
  });

  it('an editor that saves its old copy over the check-off: the mark is put back once the file settles', async () => {
    const original = fs.readFileSync(file, 'utf8');
    let saves = 0;
    const tasks = new FileTasksFile(file, {
      beforeCompare: async () => {
        // A save by rename right after the read: the mark goes into the file that was replaced.
        if (saves++ < 2) setTimeout(() => {
          fs.writeFileSync(file + '.new', original + `<!-- save ${saves} -->\n`);
          fs.renameSync(file + '.new', file);
        }, 0);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await tasks.markDone('1.2');
    const now = fs.readFileSync(file, 'utf8');
    assert.ok(now.includes('- [x] 1.2') && now.endsWith('<!-- save 2 -->\n'), now);
    assert.ok(saves >= 3, `tries: ${saves}`);
  });

  it('under constant appends (every few ms) every check-off lands and no user line is lost', async function () {
    this.timeout(20_000);
    const ids = ['1.2', '1.3', '1.10'];
    let appended = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        fs.appendFileSync(file, `user line ${appended++}\n`);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    for (let round = 0; round < 30; round++) {
      const id = ids[round % ids.length] as string;
      await new FileTasksFile(file).markDone(id);
      await new FileTasksFile(file).unmark(id);
    }
    await Promise.all(ids.map((id) => new FileTasksFile(file).markDone(id)));
    stop = true;
    await writer;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const users = lines.filter((l) => l.startsWith('user line '));
    assert.equal(users.length, appended, 'every appended line is there');
    users.forEach((l, i) => assert.equal(l, `user line ${i}`));
    for (const id of ids) assert.ok(lines.some((l) => l.startsWith(`- [x] ${id} `)), `${id} checked`);
  });

  it('takes a check-off back, leaving every other byte', async () => {
    const tasks = new FileTasksFile(file);
    await tasks.markDone('1.3');
    await tasks.unmark('1.3');
    assert.equal(fs.readFileSync(file, 'utf8'), specum);
    await tasks.unmark('nope');
    assert.equal(fs.readFileSync(file, 'utf8'), specum);
  });

  it('lands concurrent check-offs of different tasks', async () => {
    await Promise.all(['1.2', '1.3', '1.10'].map((id) => new FileTasksFile(file).markDone(id)));
    const now = fs.readFileSync(file, 'utf8');
    assert.equal(now, specum.replace(/- \[ \]/g, '- [x]'), now);
    assert.deepEqual(fs.readdirSync(dir), ['tasks.md']);
  });

  it('does not rewrite the file for an unknown or done task', async () => {
    const before = fs.statSync(file).ino;
    const r = await new FileTasksFile(file).checkOff('nope');
    await new FileTasksFile(file).markDone('1.1');
    assert.equal(r.changed, false);
    assert.equal(fs.statSync(file).ino, before, 'same inode: never replaced');
  });

  it('refuses to edit a file that is not UTF-8, naming it', async () => {
    fs.writeFileSync(file, Buffer.concat([Buffer.from('- [ ] 1.1 caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    await assert.rejects(new FileTasksFile(file).markDone('1.1'), (e: Error) => e.message.includes(file) && /UTF-8/.test(e.message));
  });
});
