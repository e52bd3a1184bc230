import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { mergeProgress } from '../../src/core/progress';
import { isAtomicTempFile } from '../../src/node/stores/atomic';
import { FileProgressStore, safeTaskId } from '../../src/node/stores/progress';

const main = [
  '# Lantern',
  '',
  '## Goal',
  '',
  'Make the lamp dimmable.',
  '',
  '## Completed Tasks',
  '- [x] 1.1 Sketch the lamp protocol',
  '',
  '## Learnings',
  '',
  '### Research',
  '- PWM at 1 kHz flickers on camera',
  '',
  '## Next',
  'Wire the dimmer.',
  '',
].join('\n');

const part12 = [
  '# Progress: 1.2',
  '',
  '## Completed Tasks',
  '- [x] 1.2 Wire the dimmer',
  '  - commit abc123',
  '',
  '## Learnings',
  '- the dimmer needs a 10k pull-down',
  '',
].join('\n');

const part13 = ['## Completed Tasks', '- [x] 1.3 Wire the timer', '', '## Learnings', '- timers drift 2s/day', ''].join('\n');

describe('progress: mergeProgress', () => {
  it('appends completed tasks and learnings in part order, keeping the rest of main', () => {
    const out = mergeProgress(main, [
      { taskId: '1.2', text: part12 },
      { taskId: '1.3', text: part13 },
    ]);
    const expected = [
      '# Lantern',
      '',
      '## Goal',
      '',
      'Make the lamp dimmable.',
      '',
      '## Completed Tasks',
      '- [x] 1.1 Sketch the lamp protocol',
      '- [x] 1.2 Wire the dimmer',
      '  - commit abc123',
      '- [x] 1.3 Wire the timer',
      '',
      '## Learnings',
      '',
      '### Research',
      '- PWM at 1 kHz flickers on camera',
      '',
      '### Task 1.2',
      '',
      '- the dimmer needs a 10k pull-down',
      '',
      '### Task 1.3',
      '',
      '- timers drift 2s/day',
      '',
      '## Next',
      'Wire the dimmer.',
      '',
    ].join('\n');
    assert.equal(out, expected, out);
  });

  it('is idempotent: merging the same parts again changes nothing', () => {
    const parts = [
      { taskId: '1.2', text: part12 },
      { taskId: '1.3', text: part13 },
    ];
    const once = mergeProgress(main, parts);
    assert.equal(mergeProgress(once, parts), once);
    assert.equal(mergeProgress(once, [parts[1]!]), once);
  });

  it('creates the sections when main lacks them, and starts from nothing when main is missing', () => {
    const out = mergeProgress('# Lantern\n\nNotes.', [{ taskId: '1.2', text: part12 }]);
    assert.equal(
      out,
      '# Lantern\n\nNotes.\n\n## Completed Tasks\n- [x] 1.2 Wire the dimmer\n  - commit abc123\n\n## Learnings\n\n### Task 1.2\n\n- the dimmer needs a 10k pull-down\n',
      out,
    );
    const fromNothing = mergeProgress(undefined, [{ taskId: '1.3', text: part13 }]);
    assert.ok(fromNothing.startsWith('## Completed Tasks\n- [x] 1.3 Wire the timer\n\n## Learnings\n'), fromNothing);
  });

  it('puts a missing Completed Tasks section before an existing Learnings section', () => {
    const out = mergeProgress('# L\n## Learnings\n- old\n', [{ taskId: '2', text: '## Completed Tasks\n- [x] 2 Done\n' }]);
    assert.equal(out, '# L\n\n## Completed Tasks\n- [x] 2 Done\n\n## Learnings\n- old\n', out);
  });

  it('tolerates missing parts, empty parts, parts without sections and a truncated last line', () => {
    const out = mergeProgress(main, [
      { taskId: '1.2', text: undefined },
      { taskId: '1.3', text: '' },
      { taskId: '1.4', text: '## Completed Tasks\n- [x] 1.4 Half-writ' },
      { taskId: '1.5', text: 'The agent ignored the format\nbut said something useful' },
    ]);
    assert.ok(out.includes('- [x] 1.1 Sketch the lamp protocol\n- [x] 1.4 Half-writ\n\n## Learnings'), out);
    assert.ok(out.includes('### Task 1.5\n\nThe agent ignored the format\nbut said something useful\n\n## Next'), out);
    assert.ok(!out.includes('Task 1.2') && !out.includes('Task 1.3') && !out.includes('Task 1.4'), out);
  });

  it('returns main byte for byte when there is nothing to add', () => {
    const odd = '## Completed Tasks  \r\n- [x] 1.1 a\r\n\r\n\r\n';
    assert.equal(mergeProgress(odd, [{ taskId: '9', text: undefined }]), odd);
    assert.equal(mergeProgress(undefined, []), '');
  });

  it('keeps CRLF line endings of main', () => {
    const out = mergeProgress('## Completed Tasks\r\n- [x] 1.1 a\r\n', [{ taskId: '1.2', text: '## Completed Tasks\n- [x] 1.2 b\n' }]);
    assert.equal(out, '## Completed Tasks\r\n- [x] 1.1 a\r\n- [x] 1.2 b\r\n', JSON.stringify(out));
  });

  it('ignores section headings inside fenced code, in main and in parts', () => {
    const withFence = '## Notes\n```\n## Learnings\n```\n';
    const out = mergeProgress(withFence, [{ taskId: '3', text: '## Learnings\n```md\n## Completed Tasks\n```\n' }]);
    assert.equal(out, '## Notes\n```\n## Learnings\n```\n\n## Learnings\n\n### Task 3\n\n```md\n## Completed Tasks\n```\n', out);
  });

  it('does not repeat completed items a part copied from main', () => {
    const merged = mergeProgress(main, [{ taskId: '1.2', text: part12 }]);
    const copycat = '## Completed Tasks\n- [x] 1.1 Sketch the lamp protocol\n- [x] 1.3 Wire the timer\n';
    const out = mergeProgress(merged, [{ taskId: '1.3', text: copycat }]);
    assert.equal(out.split('1.1 Sketch').length - 1, 1, out);
    assert.ok(out.includes('  - commit abc123\n- [x] 1.3 Wire the timer\n'), out);
  });

  it('property: merging twice equals merging once, and main\'s other lines survive', () => {
    const line = fc.constantFrom('- [x] 1.1 a', '- note', '  - sub', '', '### Sub', 'text', '```', '## Other', '## Learnings', '## Completed Tasks');
    const doc = fc.array(line, { maxLength: 12 }).map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(doc, fc.array(fc.tuple(fc.constantFrom('1', '2', '3'), fc.option(doc, { nil: undefined })), { maxLength: 4 }), (m, ps) => {
        const parts = ps.map(([taskId, text]) => ({ taskId, text }));
        const once = mergeProgress(m, parts);
        assert.equal(mergeProgress(once, parts), once);
        // Nothing of main is lost: its non-blank lines appear in order in the result.
        const out = once.split('\n');
        let at = 0;
        for (const l of m.split('\n').filter((x) => x.trim() !== '')) {
          at = out.indexOf(l, at);
          assert.ok(at >= 0, `lost ${JSON.stringify(l)} from ${JSON.stringify(m)} → ${JSON.stringify(once)}`);
          at++;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('progress: FileProgressStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-progress-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names part files by a safe form of the id', () => {
    const store = new FileProgressStore(dir);
    assert.equal(store.pathFor('1.2'), path.join(dir, '.progress-task-1.2.md'));
    assert.equal(store.pathFor('CONTENT_HASH--T01'), path.join(dir, '.progress-task-CONTENT_HASH--T01.md'));
    assert.equal(safeTaskId('../x y'), '..%2Fx%20y');
    assert.notEqual(safeTaskId('a/b'), safeTaskId('a_b'));
  });

  it('merges parts into .progress.md in the given order and removes them', async () => {
    fs.writeFileSync(path.join(dir, '.progress.md'), main);
    const store = new FileProgressStore(dir);
    fs.writeFileSync(store.pathFor('1.3'), part13);
    fs.writeFileSync(store.pathFor('1.2'), part12);
    await store.merge(['1.2', '1.3', '1.4']);
    const out = fs.readFileSync(path.join(dir, '.progress.md'), 'utf8');
    assert.ok(out.indexOf('### Task 1.2') < out.indexOf('### Task 1.3') && out.indexOf('### Task 1.2') > 0, out);
    assert.deepEqual(fs.readdirSync(dir), ['.progress.md'], JSON.stringify(fs.readdirSync(dir)));
    // Re-running the same merge (parts written again, as after a crash before the delete) adds nothing.
    fs.writeFileSync(store.pathFor('1.2'), part12);
    await store.merge(['1.2']);
    assert.equal(fs.readFileSync(path.join(dir, '.progress.md'), 'utf8'), out);
    assert.deepEqual(fs.readdirSync(dir).filter(isAtomicTempFile), []);
  });

  it('creates .progress.md when missing, and does not create it when there is nothing to merge', async () => {
    const store = new FileProgressStore(dir);
    await store.merge(['1']);
    assert.deepEqual(fs.readdirSync(dir), []);
    fs.writeFileSync(store.pathFor('1'), '## Learnings\n- first\n');
    await store.merge(['1']);
    assert.equal(fs.readFileSync(path.join(dir, '.progress.md'), 'utf8'), '## Learnings\n\n### Task 1\n\n- first\n');
  });

  it('serializes concurrent merges so no part is lost', async () => {
    const store = new FileProgressStore(dir);
    const ids = ['1', '2', '3', '4', '5', '6'];
    for (const id of ids) fs.writeFileSync(store.pathFor(id), `## Completed Tasks\n- [x] ${id} done\n`);
    await Promise.all(ids.map((id) => new FileProgressStore(dir).merge([id])));
    const out = fs.readFileSync(path.join(dir, '.progress.md'), 'utf8');
    for (const id of ids) assert.ok(out.includes(`- [x] ${id} done`), out);
    assert.deepEqual(fs.readdirSync(dir), ['.progress.md']);
  });
});
