import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Range, Spec, Task } from '../../src/core/model';
import { parseAny, parseSpec, specReaderFor } from '../../src/core/parse/index';
import { loadSpec } from '../../src/node/specFiles';
import { tmpdir } from 'node:os';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/parse', name), 'utf8');
const show = (v: unknown) => JSON.stringify(v);
const task = (spec: Spec, id: string): Task => {
  const found = spec.tasks.find((t) => t.id === id);
  assert.ok(found, `no task ${id} in ${show(spec.tasks.map((t) => t.id))}`);
  return found;
};
const textAt = (text: string, r: Range) => {
  const lines = text.split(/\r?\n/);
  if (r.start.line === r.end.line) return (lines[r.start.line] ?? '').slice(r.start.character, r.end.character);
  return [
    (lines[r.start.line] ?? '').slice(r.start.character),
    ...lines.slice(r.start.line + 1, r.end.line),
    (lines[r.end.line] ?? '').slice(0, r.end.character),
  ].join('\n');
};

describe('parse: ralph-specum tasks.md', () => {
  const text = fixture('specum.md');
  const spec = parseSpec(text, { path: 'specs/inventory/tasks.md' });

  it('reads title, front matter, phases and the format', () => {
    assert.deepEqual(
      [spec.format, spec.title, spec.frontMatter, spec.phases.map((p) => [p.title, p.number, p.range.start.line])],
      ['ralph-specum', 'Inventory sync', { spec: 'inventory-sync', owner: 'ops' }, [['Phase 1: Make It Work', '1', 7], ['Phase 2: Polish', '2', 38]]],
      show([spec.format, spec.title, spec.frontMatter, spec.phases]),
    );
    assert.deepEqual(spec.tasks.map((t) => [t.id, t.index, t.phaseIndex]), [['1.1', 0, 0], ['1.2', 1, 0], ['1.3', 2, 0], ['1.4', 3, 0], ['2.1', 4, 1]], show(spec.tasks.map((t) => [t.id, t.phaseIndex])));
  });

  it('reads every field of a task', () => {
    const t = task(spec, '1.1');
    assert.deepEqual(
      { title: t.title, check: t.check, done: t.done, files: t.files, verify: t.verify, doText: t.doText, doneWhen: t.doneWhen, commit: t.commit, requirements: t.requirements, design: t.design, depends: t.declaredDependsOn },
      {
        title: 'Create the stock table', check: 'done', done: true,
        files: ['db/migrations/001_stock.sql', 'db/schema.ts'],
        verify: 'grep -q stock db/schema.ts',
        doText: 'Add a migration for the stock table', doneWhen: 'The table exists', commit: 'feat(db): stock table',
        requirements: ['FR-1', 'FR-2'], design: 'Storage layer', depends: undefined,
      },
      show(t),
    );
    assert.equal(t.fields.verify, '`grep -q stock db/schema.ts` exits 0', show(t.fields));
  });

  it('keeps a Do that continues over a nested numbered list, and unquoted Files', () => {
    const t = task(spec, '1.2');
    assert.deepEqual([t.doText, t.files], ['1. Download the feed\n2. Validate its header', ['src/feed/fetch.ts']], show(t));
  });

  it('takes markers only right after the id, each with its range', () => {
    const t13 = task(spec, '1.3');
    assert.deepEqual(t13.markers.map((m) => [m.name, m.arg, textAt(text, m.range)]), [['P', undefined, '[P]'], ['FIX', '1.2', '[FIX 1.2]']], show(t13.markers));
    assert.equal(t13.title, 'Parse supplier feed', t13.title);
    const t21 = task(spec, '2.1');
    assert.deepEqual([t21.markers, t21.parallelRequested, t21.title], [[], false, 'Add [P] marker detection to the report'], show(t21));
    assert.deepEqual(spec.tasks.map((t) => t.parallelRequested), [false, true, true, false, false], show(spec.tasks.map((t) => t.parallelRequested)));
  });

  it('has no command for a prose Verify, and keeps the raw text', () => {
    const t = task(spec, '1.3');
    assert.deepEqual([t.verify, t.fields.verify], [undefined, 'Manual check of the output'], show(t.fields));
  });

  it('reads Depends and Estimate, and warns on malformed ones with the field range', () => {
    assert.deepEqual([task(spec, '1.2').declaredDependsOn, task(spec, '1.2').estimateMinutes], [['1.1'], 90], show(task(spec, '1.2')));
    assert.deepEqual(task(spec, '1.4').declaredDependsOn, [], show(task(spec, '1.4')));
    assert.equal(task(spec, '1.1').declaredDependsOn, undefined);
    const t21 = task(spec, '2.1');
    assert.deepEqual([t21.estimateMinutes, t21.declaredDependsOn], [undefined, undefined], show(t21));
    const found = spec.diagnostics.map((d) => [d.code, d.severity, d.taskId, textAt(text, d.range)]);
    assert.deepEqual(found, [['malformed-field', 'warning', '2.1', '**Estimate**: soon'], ['malformed-field', 'warning', '2.1', '**Depends**:']], show(spec.diagnostics));
  });

  it('separates tasks only by non-task content, not by blank lines', () => {
    assert.deepEqual(spec.tasks.map((t) => [t.id, t.separatedFromPrevious]), [['1.1', false], ['1.2', false], ['1.3', false], ['1.4', true], ['2.1', true]], show(spec.tasks.map((t) => t.separatedFromPrevious)));
  });

  it('gives exact line, checkbox, id and block ranges', () => {
    const t = task(spec, '1.2');
    assert.deepEqual(
      [textAt(text, t.ranges.line), textAt(text, t.ranges.checkbox), textAt(text, t.ranges.id)],
      ['- [ ] 1.2 [P] Fetch supplier feed', '[ ]', '1.2'],
      show(t.ranges),
    );
    assert.equal(textAt(text, t.ranges.block), t.text, show(t.ranges.block));
    assert.ok(t.text.endsWith('  - **Estimate**: 1.5h'), t.text);
    assert.equal(t.ranges.block.end.line, t.ranges.block.start.line + 6, show(t.ranges.block));
  });

  it('reads the real ralph-specum tasks.md of the seeds', function () {
    const seed = '/work/shared/seeds/001_026f240d80e853fc.txt';
    let seedText: string;
    try {
      seedText = readFileSync(seed, 'utf8');
    } catch {
      this.skip();
      return;
    }
    const s = parseSpec(seedText, { path: 'tasks.md' });
    assert.equal(s.tasks.length, 24, show(s.tasks.map((t) => t.id)));
    assert.equal(s.diagnostics.length, 0, show(s.diagnostics));
    assert.ok(s.tasks.every((t) => t.fields.commit !== undefined), show(s.tasks.filter((t) => !t.fields.commit).map((t) => t.id)));
  });
});

describe('parse: spec-kit tasks.md', () => {
  const spec = parseSpec(fixture('speckit.md'), { path: 'tasks.md' });

  it('detects the format and reads [X] as done', () => {
    assert.deepEqual([spec.format, spec.tasks.map((t) => [t.id, t.done])], ['spec-kit', [['T001', true], ['T002', false], ['T003', false], ['T004', true]]], show(spec.tasks.map((t) => t.check)));
    assert.deepEqual(spec.phases.map((p) => p.number), ['3.1', '3.2'], show(spec.phases));
  });

  it('takes file paths named in the description, not URLs, abbreviations, versions or product names', () => {
    assert.deepEqual(
      spec.tasks.map((t) => t.files),
      [[], ['package.json', 'tsconfig.json'], ['src/models/album.py'], ['tests/contract/test_albums.py']],
      show(spec.tasks.map((t) => t.files)),
    );
  });

  it('reads (depends on …) and story markers', () => {
    const t3 = task(spec, 'T003');
    assert.deepEqual([t3.declaredDependsOn, t3.markers.map((m) => m.name)], [['T001', 'T002'], ['P', 'US1']], show(t3));
    assert.equal(task(spec, 'T002').declaredDependsOn, undefined);
  });
});

describe('parse: Kiro tasks.md', () => {
  const spec = parseSpec(fixture('kiro.md'), { path: 'tasks.md' });

  it('nests sub-tasks with parent, children and depth', () => {
    assert.equal(spec.format, 'kiro');
    assert.deepEqual(
      spec.tasks.map((t) => [t.id, t.depth, t.parentId, t.childIds]),
      [['1', 0, undefined, []], ['2', 0, undefined, ['2.1', '2.2']], ['2.1', 1, '2', []], ['2.2', 1, '2', []], ['3', 0, undefined, []]],
      show(spec.tasks.map((t) => [t.id, t.depth, t.parentId, t.childIds])),
    );
  });

  it('reads in-progress and optional, requirements and detail bullets', () => {
    assert.deepEqual(
      spec.tasks.map((t) => [t.id, t.check, t.optional, t.requirements]),
      [['1', 'done', false, ['1.1']], ['2', 'in-progress', false, []], ['2.1', 'todo', false, ['2.1', '2.3']], ['2.2', 'todo', true, ['2.4']], ['3', 'todo', false, []]],
      show(spec.tasks.map((t) => [t.id, t.check, t.optional, t.requirements])),
    );
    assert.equal(task(spec, '2.1').doText, '- Validate titles', show(task(spec, '2.1')));
  });

  it('makes a parent block span its sub-tasks', () => {
    const parent = task(spec, '2');
    assert.deepEqual([parent.ranges.block.start.line, parent.ranges.block.end.line], [6, 11], show(parent.ranges.block));
  });
});

describe('parse: hidden and separating content', () => {
  it('does not see tasks inside fences, HTML comments or indented code', () => {
    const text = [
      '- [ ] 1.1 Real',
      '',
      '````md',
      '- [ ] 9.1 In a backtick fence',
      '```',
      '- [ ] 9.2 Still inside: a shorter fence does not close it',
      '````',
      '~~~~',
      '- [ ] 9.3 In a tilde fence',
      '```',
      '~~~~',
      '<!--',
      '- [ ] 9.4 In a comment',
      '-->',
      '<!-- - [ ] 9.5 one-line comment -->',
      '',
      'Paragraph',
      '',
      '    - [ ] 9.6 indented code',
      '',
      '- [ ] 1.2 Real again',
    ].join('\n');
    const spec = parseSpec(text, { path: 't.md' });
    assert.deepEqual(spec.tasks.map((t) => t.id), ['1.1', '1.2'], show(spec.tasks.map((t) => t.id)));
  });

  it('keeps a fence inside a task body in that task, hiding what is in it', () => {
    const text = ['- [ ] 1.1 With code', '  ```', '  - [ ] 9.9 not a task', '  ```', '  - **Files**: `a.ts`', '- [ ] 1.2 Next'].join('\n');
    const spec = parseSpec(text, { path: 't.md' });
    assert.deepEqual(spec.tasks.map((t) => [t.id, t.files, t.ranges.block.end.line, t.separatedFromPrevious]), [['1.1', ['a.ts'], 4, false], ['1.2', [], 5, false]], show(spec.tasks));
  });

  it('ignores checklist lines without ids (a pasted Test Plan)', () => {
    const text = ['- [ ] 1.1 Task', '', '## Test Plan', '- [ ] run the tests', '- [x] A quick check', '- [ ] 1.2 Task'].join('\n');
    const spec = parseSpec(text, { path: 't.md' });
    assert.deepEqual(spec.tasks.map((t) => [t.id, t.separatedFromPrevious]), [['1.1', false], ['1.2', true]], show(spec.tasks));
  });

  it('separates by heading, paragraph, non-task item, thematic break and fence, not by a blank line', () => {
    const separators = ['## Heading', 'A paragraph.', '- a plain item', '***', '```\ncode\n```'];
    for (const separator of separators) {
      const spec = parseSpec(`- [ ] 1.1 [P] A\n\n${separator}\n\n- [ ] 1.2 [P] B\n`, { path: 't.md' });
      assert.deepEqual(spec.tasks.map((t) => t.separatedFromPrevious), [false, true], `${separator} → ${show(spec.tasks)}`);
    }
    const blank = parseSpec('- [ ] 1.1 [P] A\n\n\n- [ ] 1.2 [P] B\n', { path: 't.md' });
    assert.deepEqual(blank.tasks.map((t) => t.separatedFromPrevious), [false, false], show(blank.tasks));
  });

  it('reads fields written as paragraphs under the task line', () => {
    const text = '- [ ] 1.1 Title\n  **Do**: write it\n  **Files**: `x.ts`, y.ts\n  _Requirements: FR-9_\n';
    const t = parseSpec(text, { path: 't.md' }).tasks[0];
    assert.deepEqual([t?.doText, t?.files, t?.requirements], ['write it', ['x.ts', 'y.ts'], ['FR-9']], show(t));
  });
});

describe('parse: front matter, CRLF, tabs', () => {
  it('reports bad YAML front matter with its line instead of throwing', () => {
    const text = '---\ntitle: ok\nbad: [unclosed\n---\n- [ ] 1.1 Task\n';
    const spec = parseSpec(text, { path: 't.md' });
    assert.equal(spec.frontMatter, undefined);
    assert.deepEqual(spec.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]), [['malformed-field', 'warning', 2]], show(spec.diagnostics));
    assert.deepEqual(spec.tasks.map((t) => t.id), ['1.1'], show(spec.tasks));
  });

  it('gives exact ranges in a CRLF file', () => {
    const text = fixture('crlf.md');
    assert.ok(text.includes('\r\n'), 'fixture must keep CRLF');
    const spec = parseSpec(text, { path: 't.md' });
    const [first, second] = spec.tasks;
    assert.deepEqual(
      [textAt(text, first!.ranges.line), textAt(text, first!.ranges.id), first!.ranges.block.end, first!.files, first!.declaredDependsOn],
      ['- [ ] 1.1 First task', '1.1', { line: 2, character: 20 }, ['a.ts'], ['1.0']],
      show(first),
    );
    assert.deepEqual([textAt(text, second!.ranges.checkbox), second!.markers.map((m) => textAt(text, m.range))], ['[ ]', ['[P]']], show(second));
    assert.equal(spec.lineCount, 6);
  });

  it('handles tab indentation and gives field ranges in tabbed lines', () => {
    const text = '- [ ] 1.1 Tabbed\n\t- **Estimate**: a while\n- [ ] 1.2 Next\n';
    const spec = parseSpec(text, { path: 't.md' });
    assert.deepEqual(spec.tasks.map((t) => t.id), ['1.1', '1.2'], show(spec.tasks));
    assert.deepEqual(spec.diagnostics.map((d) => textAt(text, d.range)), ['**Estimate**: a while'], show(spec.diagnostics));
  });
});

describe('parse: parseAny', () => {
  it('chooses the manifest reader by extension or content, markdown otherwise', () => {
    assert.equal(parseAny(fixture('manifest.json'), { path: 'vtm.json' }).format, 'manifest');
    assert.equal(parseAny('{"tasks": []}', { path: 'tasks' }).format, 'manifest');
    assert.equal(parseAny('[ ] 1.1 not json\n', { path: 'tasks.md' }).format, 'ralph-specum');
    assert.equal(parseAny(fixture('kiro.md'), { path: 'tasks.md' }).format, 'kiro');
  });

  it('a .md is markdown whatever it starts with; loadSpec reads a file as parseAny does', () => {
    const text = '{"tasks": []}\n\n- [ ] 1.1 Task\n';
    assert.equal(specReaderFor(text, 'specs/x/tasks.md'), 'markdown');
    assert.equal(specReaderFor('{"master": {"tasks": []}}', 'tasks'), 'taskmaster');
    assert.equal(specReaderFor('- [ ] 1.1 Task\n', 'x.json'), 'manifest', 'the extension says JSON: a JSON error, not a markdown guess');
    const dir = mkdtempSync(path.join(tmpdir(), 'ralph-reader-'));
    try {
      writeFileSync(path.join(dir, 'tasks'), '{"tasks": [{"task_id": "1"}]}');
      assert.equal(loadSpec(path.join(dir, 'tasks')).spec.format, parseAny('{"tasks": [{"task_id": "1"}]}', { path: 'tasks' }).format);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
