// Where the injection must not act: code, quotes, comments, headings, plain lists, checkboxes
// without a task id, bold labels outside a task.
import { strict as assert } from 'node:assert';
import { type Line, assertNoHighlight, assertNoRalph, assertScope, dump, lineWith, ralphScopes, tokenize, tokenizeFixture } from './tokenize';

describe('grammar: what is not a task', () => {
  let lines: Line[];
  before(async () => {
    lines = await tokenizeFixture('negatives.md');
  });

  const untouched: Array<[string, string]> = [
    ['a bold label outside any task', '**Note**: a bold label'],
    ['an italic field outside any task', '_Requirements: 1.1_ outside'],
    ['a field label in a plain list', '- **Do**: a field label in a plain list'],
    ['an italic field in a plain list', '- _Design: a plain list item_'],
    ['a list item without a checkbox', '- 9.1 [P] A list item without a checkbox'],
    ['a checkbox without a task id', '- [ ] Buy milk [P]'],
    ['a checkbox with a bare number (not an id)', '- [ ] 3 apples [P]'],
    ['a list item that is inline code', '- `[ ] 9.2 [P]` in inline code'],
    ['a task line in inline code', '`- [ ] 9.3 [P]` in inline code'],
    ['a heading', '## - [ ] 9.4 [P] A heading'],
    ['an HTML comment', '<!-- - [ ] 9.5 [P] in a comment -->'],
    ['a block quote', '> - [ ] 9.13 [P] in a block quote'],
    ['a plain fence', '- [ ] 9.6 [P] In a plain fence'],
    ['the body of a task in a fence', '  - **Do**: nothing'],
    ['a markdown fence', '- [ ] 9.7 [VERIFY] In a markdown fence'],
    ['a field in a markdown fence', '  - _Requirements: 1.1_'],
    ['a tilde fence', '* [ ] 9.8 [SEQUENTIAL] In a tilde fence'],
    ['an indented code block', '    - [ ] 9.9 [P] In an indented code block'],
    ['a lazy continuation line of a paragraph', '    - [ ] 9.10 [P] a lazy continuation'],
    ['a paragraph after the task list', 'Back to a paragraph: **Files**: not a field.'],
  ];

  for (const [what, text] of untouched) {
    it(`gives no .ralph scope to ${what}`, () => {
      assertNoRalph(lineWith(lines, text));
    });
  }

  // Inside a task's body: the lines are in meta.task.ralph, but nothing on them is coloured.
  const inTaskBody: Array<[string, string]> = [
    ['a task line in a fence inside a task body', '    - [ ] 9.12 [P] fenced in the body'],
    ['a field in a fence inside a task body', '    - **Files**: nope'],
  ];
  for (const [what, text] of inTaskBody) {
    it(`colours nothing in ${what}`, () => {
      assertNoHighlight(lineWith(lines, text));
    });
  }

  it('leaves the markdown scopes of those lines as they were', () => {
    assertScope(lineWith(lines, '- [ ] 9.6 [P] In a plain fence'), '- [ ] 9.6', 'markup.fenced_code.block.markdown');
    assertScope(lineWith(lines, '- [ ] 9.7 [VERIFY]'), '[VERIFY]', 'meta.embedded.block.markdown');
    assertScope(lineWith(lines, '* [ ] 9.8'), '9.8', 'markup.fenced_code.block.markdown');
    assertScope(lineWith(lines, '    - [ ] 9.9'), '9.9', 'markup.raw.block.markdown');
    assertScope(lineWith(lines, '    - [ ] 9.12'), '9.12', 'markup.fenced_code.block.markdown');
    assertScope(lineWith(lines, '[ ] 9.2 [P]'), '[P]', 'markup.inline.raw.string.markdown');
    assertScope(lineWith(lines, '- [ ] Buy milk [P]'), '[P]', 'meta.link.reference.markdown');
    assertScope(lineWith(lines, '- 9.1 [P]'), '[P]', 'meta.link.reference.markdown');
    assertScope(lineWith(lines, '> - [ ] 9.13'), '9.13', 'markup.quote.markdown');
    assertScope(lineWith(lines, '**Note**:'), 'Note', 'markup.bold.markdown');
  });

  it('still scopes the task around a fence, and its fields after the fence', () => {
    const task = lineWith(lines, '- [ ] 9.11 A task whose body holds a fence');
    assertScope(task, '9.11', 'constant.numeric.task-id.ralph');
    const after = lineWith(lines, '**Files**: `after-the-fence.ts`');
    assertScope(after, 'Files', 'support.type.property-name.field.ralph');
    assertScope(after, 'after-the-fence.ts', 'markup.inline.raw.string.markdown');
  });

  it('has no .ralph scope anywhere in the file except on task 9.11 and its body', () => {
    const start = lineWith(lines, '- [ ] 9.11').index;
    const end = lineWith(lines, 'after-the-fence.ts').index;
    const stray = lines.filter((l) => (l.index < start || l.index > end) && l.text.trim() !== '' && l.tokens.some((t) => ralphScopes(t.scopes).length > 0));
    assert.deepEqual(stray.map((l) => l.index + 1), [], stray.map(dump).join('\n'));
  });
});

describe('grammar: snippets that are not tasks', () => {
  it('a task line in a fence that opens inside a plain list stays code', async () => {
    const lines = await tokenize(['- Example:', '', '  ```md', '  - [ ] 1.1 [P] Example task', '  ```'].join('\n'));
    assertNoRalph(lineWith(lines, '[P] Example task'));
  });

  it('a task line inside emphasis in a paragraph is prose', async () => {
    const lines = await tokenize(['Prose **- [ ] 1.1 [P] in bold** and _- [ ] 1.2 [P] in italics_.', '', '**- [ ] 1.3 [P] bold paragraph**'].join('\n'));
    for (const line of lines) assertNoRalph(line);
    assertScope(lines[2]!, '1.3', 'markup.bold.markdown');
  });

  it('a checkbox with an id-like word is not a task unless the id has the shapes the parser reads', async () => {
    const lines = await tokenize(['- [ ] A1B [P] no', '- [ ] 1.2x [P] no', '- [ ] ABCD1 [P] no', '- [y] 1.2 [P] no'].join('\n'));
    for (const line of lines) assertNoRalph(line);
  });
});
