// What the injection gives each part of a task, in the three tasks.md formats and the other
// list shapes Ralph reads, tokenized by the real markdown grammar with ours injected.
import { strict as assert } from 'node:assert';
import {
  type Line,
  assertNoRalph,
  assertNoRalphOn,
  assertNotScope,
  assertScope,
  dump,
  lineWith,
  scopesOf,
  tokenize,
  tokenizeFixture,
} from './tokenize';

const ID = 'constant.numeric.task-id.ralph';
const PARALLEL = 'keyword.control.parallel.ralph';
const VERIFY = 'support.function.verify.ralph';
const SEQUENTIAL = 'storage.modifier.sequential.ralph';
const TAG = 'entity.other.attribute-name.tag.ralph';
const LABEL = 'support.type.property-name.field.ralph';
const TASK = 'meta.task.ralph';

/** Asserts the bracket scopes of the `nth` tag `text` on the line. */
function assertTagBrackets(line: Line, text: string, nth = 0): void {
  const open = text.slice(0, 1);
  const close = text.slice(-1);
  const at = nthIndex(line.text, text, nth);
  const openTok = line.tokens.find((t) => t.start === at);
  const closeTok = line.tokens.find((t) => t.end === at + text.length);
  assert.ok(openTok?.text === open && openTok.scopes.includes('punctuation.definition.tag.begin.ralph'), `opening bracket of ${text}\n${dump(line)}`);
  assert.ok(closeTok?.text === close && closeTok.scopes.includes('punctuation.definition.tag.end.ralph'), `closing bracket of ${text}\n${dump(line)}`);
}

function nthIndex(haystack: string, needle: string, nth: number): number {
  let at = -1;
  for (let k = 0; k <= nth; k++) at = haystack.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not found ${nth + 1} times in ${haystack}`);
  return at;
}

describe('grammar: ralph-specum tasks.md', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('specum.md');
  });

  it('scopes the task id, the checkbox and the list item of a task line', () => {
    const line = lineWith(lines, '- [x] 1.1 Add the CSV writer');
    assertScope(line, '1.1', ID);
    assertScope(line, '1.1', TASK);
    assertScope(line, '-', 'punctuation.definition.list.begin.markdown');
    assertScope(line, '-', 'markup.list.unnumbered.markdown');
    assertScope(line, '[x]', 'constant.language.checkbox.ralph');
    assertScope(line, 'x', 'constant.language.checkbox.done.ralph');
    assertScope(line, '[', 'punctuation.definition.checkbox.begin.ralph');
    assertNoRalphOn(line, 'Add the CSV writer module');
    assertScope(line, 'Add the CSV writer module', 'meta.paragraph.markdown');
  });

  it('scopes [P], [VERIFY] and [SEQUENTIAL] right after the id, brackets included', () => {
    const p = lineWith(lines, '1.2 [P] Map invoice');
    assertScope(p, '[P]', PARALLEL);
    assertTagBrackets(p, '[P]');
    assertScope(p, '1.2', ID);
    const v = lineWith(lines, '1.5 [VERIFY] Quality checkpoint');
    assertScope(v, '[VERIFY]', VERIFY);
    assertTagBrackets(v, '[VERIFY]');
    const s = lineWith(lines, '2.1 [SEQUENTIAL] Migrate');
    assertScope(s, '[SEQUENTIAL]', SEQUENTIAL);
    assertTagBrackets(s, '[SEQUENTIAL]');
    // Three different scopes, so every theme that colours them tells them apart.
    assertNotScope(v, '[VERIFY]', PARALLEL);
    assertNotScope(s, '[SEQUENTIAL]', PARALLEL);
  });

  it('scopes the other tags ([RED], [GREEN], [FIX 1.3]) as tags, the argument of [FIX] too', () => {
    const red = lineWith(lines, '1.3 [P] [RED]');
    assertScope(red, '[P]', PARALLEL);
    assertScope(red, '[RED]', TAG);
    assertTagBrackets(red, '[RED]');
    const fix = lineWith(lines, '[FIX 1.3] Make the totals');
    assertScope(fix, '[GREEN]', TAG);
    assertScope(fix, '[FIX 1.3]', TAG);
    assertTagBrackets(fix, '[FIX 1.3]');
    assertScope(fix, '1.3', 'variable.parameter.tag-argument.ralph');
    assertNotScope(fix, '[FIX 1.3]', ID);
  });

  it('leaves a [VERIFY] or a [P] later in the title alone (prose, not a marker)', () => {
    const line = lineWith(lines, 'not a [VERIFY] task');
    assertScope(line, '[P]', PARALLEL);
    assertNoRalphOn(line, '[VERIFY]');
    assertScope(line, '[VERIFY]', 'meta.paragraph.markdown');
    const body = lineWith(lines, 'Tag the docs page [P] too');
    assertNoRalphOn(body, '[P]');
    // markdown still sees the link in the body line
    assertScope(body, 'the design', 'string.other.link.title.markdown');
  });

  it('scopes ids such as VE1 and 1.10', () => {
    assertScope(lineWith(lines, 'VE1 [VERIFY]'), 'VE1', ID);
    assertScope(lineWith(lines, 'VE1 [VERIFY]'), '[VERIFY]', VERIFY);
    assertScope(lineWith(lines, '2.10 Document'), '2.10', ID);
  });

  for (const label of ['Do', 'Files', 'Done when', 'Verify', 'Commit', 'Estimate']) {
    it(`scopes the field label **${label}**: in a task body, keeping markdown bold`, () => {
      const line = lineWith(lines, `**${label}**:`);
      assertScope(line, label, LABEL);
      assertScope(line, `**${label}**`, 'markup.bold.markdown');
      assertScope(line, '**', 'punctuation.definition.bold.markdown');
      assertScope(line, ':', 'punctuation.separator.key-value.ralph', colonIndex(line, `**${label}**:`));
      assertScope(line, `**${label}**:`, 'meta.field.ralph');
      assertScope(line, `**${label}**:`, TASK);
    });
  }

  it('scopes a label whose colon is inside the bold (**Done when:**)', () => {
    const line = lineWith(lines, '**Done when:**');
    assertScope(line, 'Done when', LABEL);
    assertScope(line, 'Done when:', 'markup.bold.markdown');
    assertScope(line, ':', 'punctuation.separator.key-value.ralph', colonIndex(line, '**Done when:**'));
    assertNoRalphOn(line, 'both commands exit 0');
  });

  it('keeps markdown inline scopes in a field value (code spans, links)', () => {
    const verify = lineWith(lines, '**Verify**: `npx vitest run src/csv`');
    assertScope(verify, 'npx vitest run src/csv', 'markup.inline.raw.string.markdown');
    assertNoRalphOn(verify, 'npx vitest run src/csv');
  });

  it('scopes **Depends**: and its task ids', () => {
    const line = lineWith(lines, '**Depends**: 1.1');
    assertScope(line, 'Depends', LABEL);
    assertScope(line, '**Depends**:', 'meta.field.depends.ralph');
    assertScope(line, '1.1', ID);
    const on = lineWith(lines, '**Depends on**: 1.5');
    assertScope(on, 'Depends on', LABEL);
    assertScope(on, '1.5', ID);
  });

  it('scopes _Requirements: …_ and _Design: …_ lines as italic fields with their own scopes', () => {
    const req = lineWith(lines, '_Requirements: FR-1, AC-1.2_');
    assertScope(req, '_Requirements: FR-1, AC-1.2_', 'meta.field.requirements.ralph');
    assertScope(req, '_Requirements: FR-1, AC-1.2_', 'markup.italic.markdown');
    assertScope(req, 'Requirements', LABEL);
    assertScope(req, '_', 'punctuation.definition.italic.markdown');
    assertScope(req, ':', 'punctuation.separator.key-value.ralph');
    assertNotScope(req, 'AC-1.2', LABEL);
    const design = lineWith(lines, '_Design: CSV module_');
    assertScope(design, '_Design: CSV module_', 'meta.field.design.ralph');
    assertScope(design, 'Design', LABEL);
  });

  it('scopes _Depends: …_ lines and the ids they name', () => {
    const line = lineWith(lines, '_Depends: 1.4, 1.5_');
    assertScope(line, '_Depends: 1.4, 1.5_', 'meta.field.depends.ralph');
    assertScope(line, 'Depends', LABEL);
    assertScope(line, '1.4', ID);
    assertScope(line, '1.5', ID);
    assertNotScope(line, ', ', ID);
  });

  it('goes back to plain markdown after a task: headings and paragraphs', () => {
    assertNoRalph(lineWith(lines, '## Phase 2: Make It Complete'));
    assertScope(lineWith(lines, '## Phase 2'), 'Phase 2', 'entity.name.section.markdown');
    assertNoRalph(lineWith(lines, 'Focus: one invoice'));
  });
});

function colonIndex(line: Line, field: string): number {
  // Which ":" occurrence on the line belongs to the field (the first one after the label).
  const at = line.text.indexOf(field);
  const colonAt = line.text.indexOf(':', at);
  return line.text.slice(0, colonAt).split(':').length - 1;
}

describe('grammar: spec-kit tasks.md', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('speckit.md');
  });

  it('scopes T-ids, [X] done, [P] and the user-story tag', () => {
    const t001 = lineWith(lines, 'T001');
    assertScope(t001, 'T001', ID);
    assertScope(t001, 'X', 'constant.language.checkbox.done.ralph');
    const t010 = lineWith(lines, '- [ ] T010');
    assertScope(t010, 'T010', ID);
    assertScope(t010, '[P]', PARALLEL);
    assertScope(t010, '[US1]', TAG);
    assertTagBrackets(t010, '[US1]');
    assertScope(t010, 'Contract test for POST /items', 'meta.paragraph.markdown');
    assertNoRalphOn(t010, 'Contract test for POST /items in tests/contract/test_items.py');
  });

  it('scopes a task without [P] but with a story tag', () => {
    const line = lineWith(lines, 'T011 [US1]');
    assertScope(line, '[US1]', TAG);
    assertNoRalphOn(line, 'Item model in src/models/item.py');
  });

  it('scopes "(depends on …)" in a description and the ids it names', () => {
    const line = lineWith(lines, '(depends on T010, T011)');
    assertScope(line, 'depends on', 'keyword.other.depends.ralph');
    assertScope(line, '(depends on T010, T011)', 'meta.dependency.ralph');
    assertScope(line, 'T010', ID);
    assertScope(line, 'T011', ID);
    const single = lineWith(lines, '(depends on T010)');
    assertScope(single, 'T010', ID);
    assertScope(single, 'T011', ID);
    assertNoRalphOn(single, 'Item model in');
  });

  it('leaves a [P] later in a description alone', () => {
    const line = lineWith(lines, 'mark it [P] only');
    assertScope(line, '[US1]', TAG);
    assertNoRalphOn(line, '[P]');
  });

  it('leaves a bold label outside any task, headings and plain bullets alone', () => {
    const input = lineWith(lines, '**Input**:');
    assertNoRalph(input);
    assertScope(input, 'Input', 'markup.bold.markdown');
    assertNoRalph(lineWith(lines, '## Phase 3: User Story 1'));
    assertNoRalph(lineWith(lines, '- T010 before T011'));
    assertNoRalph(lineWith(lines, '- Setup (T001-T003)'));
  });
});

describe('grammar: Kiro tasks.md', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('kiro.md');
  });

  it('scopes a numbered task "1." with its dot apart from the id', () => {
    const line = lineWith(lines, '- [x] 1. Set up');
    assertScope(line, '1', ID);
    const dot = line.tokens.find((t) => t.text === '.' && t.start === line.text.indexOf('1.') + 1);
    assert.ok(dot?.scopes.includes('punctuation.separator.task-id.ralph'), dump(line));
    assert.ok(!dot?.scopes.includes(ID), dump(line));
  });

  it('scopes the in-progress checkbox [-]', () => {
    const line = lineWith(lines, '- [-] 2. Build');
    assertScope(line, '-', 'constant.language.checkbox.in-progress.ralph', 1);
    assertScope(line, '2', ID);
  });

  it('scopes nested sub-tasks and keeps them inside the parent task', () => {
    const line = lineWith(lines, '  - [x] 2.1 Write the note entity');
    assertScope(line, '2.1', ID);
    const scopes = scopesOf(line, '2.1');
    assert.equal(scopes.filter((s) => s === TASK).length, 2, `2.1 should sit in two tasks: ${scopes.join(' ')}\n${dump(line)}`);
  });

  it('scopes the optional star of [ ]*', () => {
    const line = lineWith(lines, '[ ]* 2.3');
    assertScope(line, '*', 'keyword.other.optional.ralph');
    assertScope(line, '2.3', ID);
  });

  it('scopes _Requirements: …_ in nested task bodies, but not the plain body bullets', () => {
    for (const req of ['_Requirements: 1.1, 1.2_', '_Requirements: 2.1_', '_Requirements: 2.2, 2.3_', '_Requirements: 3.1_']) {
      const line = lineWith(lines, req);
      assertScope(line, req, 'meta.field.requirements.ralph');
      assertScope(line, 'Requirements', LABEL);
    }
    assertNoRalphOn(lineWith(lines, 'Validate that a title is present'), 'Validate that a title is present');
    assertNoRalphOn(lineWith(lines, 'Create the folders'), 'Create the folders');
  });
});

describe('grammar: Kiro tasks written flat', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('kiro-flat.md');
  });

  it('scopes the optional star of a flat [ ]*, [x]* and a numbered 1. [ ]* task', () => {
    for (const [needle, id] of [['- [ ]* 1.2', '1.2'], ['- [x]* 1.3', '1.3'], ['1. [ ]* 2.1', '2.1']] as const) {
      const line = lineWith(lines, needle);
      assertScope(line, '*', 'keyword.other.optional.ralph');
      assertScope(line, id, ID);
    }
  });

  it('keeps a flat sub-task a task of its own, beside its parent rather than inside it', () => {
    const line = lineWith(lines, '- [ ]* 1.2');
    const scopes = scopesOf(line, '1.2');
    assert.equal(scopes.filter((s) => s === TASK).length, 1, `${scopes.join(' ')}\n${dump(line)}`);
  });

  it('does not take a star in the title for the optional mark', () => {
    const line = lineWith(lines, 'Set up the database');
    assertNotScope(line, 'Set', 'keyword.other.optional.ralph');
    assert.ok(!line.tokens.some((t) => t.scopes.includes('keyword.other.optional.ralph')), dump(line));
  });
});

describe('grammar: other list shapes', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('shapes.md');
  });

  it('scopes tasks with * and + bullets and in ordered lists', () => {
    const star = lineWith(lines, '* [ ] 4.1');
    assertScope(star, '4.1', ID);
    assertScope(star, '[P]', PARALLEL);
    assertScope(star, '*', 'punctuation.definition.list.begin.markdown');
    assertScope(lineWith(lines, '+ [ ] 4.2'), '4.2', ID);
    const ordered = lineWith(lines, '1. [ ] 4.3');
    assertScope(ordered, '4.3', ID);
    assertScope(ordered, '[SEQUENTIAL]', SEQUENTIAL);
    assertScope(ordered, '1.', 'markup.list.numbered.markdown');
  });

  it('reads tags the way the parser does: case-blind, with or without a space between them', () => {
    const line = lineWith(lines, '4.4 [p][us2]Tight');
    assertScope(line, '[p]', PARALLEL);
    assertScope(line, '[us2]', TAG);
    assertNoRalphOn(line, 'Tight');
  });

  it('scopes a colon or a dot after the id as punctuation', () => {
    assertScope(lineWith(lines, '4.5:'), ':', 'punctuation.separator.task-id.ralph');
    assertScope(lineWith(lines, '4.5:'), '4.5', ID);
    assertScope(lineWith(lines, '4.6.'), '4.6', ID);
    assertScope(lineWith(lines, '4.6.'), '.', 'punctuation.separator.task-id.ralph', 1);
  });

  it('scopes tasks separated by tabs, placeholder ids and VF', () => {
    const tabs = lineWith(lines, '4.7');
    assertScope(tabs, '4.7', ID);
    assertScope(tabs, '[P]', PARALLEL);
    assertScope(lineWith(lines, '4.X'), '4.X', ID);
    assertScope(lineWith(lines, 'VF [VERIFY]'), 'VF', ID);
    assertScope(lineWith(lines, 'VF [VERIFY]'), '[VERIFY]', VERIFY);
  });

  it('reads a bracket right after the id as a tag even when a link follows, as the parser does', () => {
    const line = lineWith(lines, '4.9 [docs]');
    assertScope(line, '[docs]', TAG);
    assertNoRalphOn(line, 'a link right after the id');
  });

  it('keeps the rest of a task line one paragraph: no nested list, no heading', () => {
    const line = lineWith(lines, '4.10 - not a nested list');
    assertScope(line, '- not a nested list, # nor a heading', 'meta.paragraph.markdown');
    assertNotScope(line, '- not', 'punctuation.definition.list.begin.markdown');
    assertNotScope(line, '# nor', 'markup.heading.markdown');
  });

  it('scopes four tags in a row, each with its own scope', () => {
    const line = lineWith(lines, '4.11');
    assertScope(line, '[P]', PARALLEL);
    assertScope(line, '[GREEN]', TAG);
    assertScope(line, '[FIX 4.9]', TAG);
    assertScope(line, '[US3]', TAG);
    assertNoRalphOn(line, 'Four tags');
  });
});

describe('grammar: task bodies in other shapes', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('bodies.md');
  });

  it('scopes labels that start lines of the task paragraph, without a bullet', () => {
    const doLine = lineWith(lines, '  **Do**: write the parser');
    assertScope(doLine, 'Do', LABEL);
    assertScope(doLine, 'Do', TASK);
    assertNoRalphOn(doLine, 'write the parser');
    const verify = lineWith(lines, '  **Verify**: `npm test -- parse`');
    assertScope(verify, 'Verify', LABEL);
    assertScope(verify, 'npm test -- parse', 'markup.inline.raw.string.markdown');
  });

  it('scopes __Label__:, **Label** : and labels with a slash', () => {
    assertScope(lineWith(lines, '__Files__:'), 'Files', LABEL);
    assertScope(lineWith(lines, '__Files__:'), '__', 'punctuation.definition.bold.markdown');
    const spaced = lineWith(lines, '**Done when** :');
    assertScope(spaced, 'Done when', LABEL);
    assertScope(spaced, ':', 'punctuation.separator.key-value.ralph');
    assertScope(lineWith(lines, '**Inputs/Outputs**:'), 'Inputs/Outputs', LABEL);
  });

  it('scopes an italic field followed by more text, and leaves that text to markdown', () => {
    const line = lineWith(lines, '_Requirements: 2.1_ (the second story)');
    assertScope(line, '_Requirements: 2.1_', 'meta.field.requirements.ralph');
    assertNoRalphOn(line, '(the second story)');
    assertNotScope(line, '(the second story)', 'markup.italic.markdown');
    assertScope(lineWith(lines, '_Design: Reader & writer_'), 'Reader & writer', 'meta.field.design.ralph');
  });

  it('leaves bold without a colon, and a label in the middle of a line, alone', () => {
    assertNoRalphOn(lineWith(lines, '**Note** this bold word'), '**Note** this bold word has no colon');
    assertNoRalphOn(lineWith(lines, 'mentions **Files**: in the middle'), '**Files**: in the middle');
  });

  it('scopes **Dependencies**: with its ids, and **Depends**: none without any', () => {
    const deps = lineWith(lines, '**Dependencies**: 5.1, 5.2');
    assertScope(deps, 'Dependencies', LABEL);
    assertScope(deps, '5.1', ID);
    assertScope(deps, '5.2', ID);
    const none = lineWith(lines, '**Depends**: none');
    assertScope(none, 'Depends', LABEL);
    assertNoRalphOn(none, 'none');
  });
});

describe('grammar: a large tasks.md', () => {
  it('tokenizes 2000 tasks to the end', async function () {
    this.timeout(60_000);
    const parts: string[] = ['# Tasks: generated', ''];
    for (let i = 1; i <= 2000; i++) {
      const id = `${Math.ceil(i / 10)}.${((i - 1) % 10) + 1}`;
      parts.push(
        `- [ ] ${id} ${i % 3 ? '[P] ' : ''}${i % 7 ? '' : '[VERIFY] '}Task number ${i} with \`code\`, a [link](https://example.com/${i}) and a [P] in prose`,
        `  - **Do**: step ${i} ${'word '.repeat(i % 40)}`,
        `  - **Files**: \`src/file${i}.ts\``,
        `  - **Depends**: ${i > 1 ? i - 1 : 'none'}`,
        `  - _Requirements: FR-${i}_`,
        '',
      );
    }
    const lines = await tokenize(parts.join('\n'));
    const last = lineWith(lines, '- [ ] 200.10');
    assertScope(last, '200.10', ID);
    assertScope(last, '[P]', PARALLEL);
    assertNoRalphOn(last, '[P]', 1);
    assertScope(lineWith(lines, '_Requirements: FR-2000_'), 'Requirements', LABEL);
  });
});
