import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseBodyWithRemark, readFieldList } from '../../src/core/parse/blockBody';

const show = (v: unknown) => JSON.stringify(v);

const label = fc.constantFrom('Do', 'Files', 'Done when', 'Verify', 'Commit', 'Depends', "Don't", 'In/Out', 'A-1', 'R&D', 'Do ', ' Do', 'x'.repeat(41), 'Label-');
const value = fc.oneof(
  fc.constantFrom(
    '', ' ', ' plain value', ' `src/a.ts`, `test/b_c.test.ts`', ' `npm test | tee x` exits 0', ' **bold** and *em*', ' a_b_c', ' <b>html</b>',
    ' \\*escaped', ' [link](x) www.x.com me@x.org', ' ~~gone~~', ' trailing  ', ' ends with \\', '  `` a ` b ``', ' *', ' **', ' _x_',
    ' 1.2, 1.3', ' none', '\u00a0nbsp\u00a0',
  ),
  fc.string({ unit: fc.constantFrom('a', ' ', '*', '_', '`', '[', ']', '<', '>', '\\', '|', '~', '@', ':', '-', '\t'), maxLength: 12 }),
);
const emphasisInner = fc.constantFrom(
  'Requirements: FR-1, AC-2.3', 'Design: Component 5 - State', 'Design: x', 'Design:x', 'Design : x', 'Design', ' Design: x', 'Design: x ',
  'Design: a_b', 'Design: *x*', 'Design: (note)', 'Design: x.', '', 'R: ', 'Depends: 1.2',
);
const line = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(label, value).map(([l, v]) => `- **${l}**:${v}`) },
  { weight: 2, arbitrary: emphasisInner.map((inner) => `- _${inner}_`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', '   ', '- **Do:** x', '- **Do** : x', '-  **Do**: x', '* **Do**: x', '- **Do**:x', '  - **Nested**: x', '  continuation', '    1. step',
      '- plain item', '- _Design: x_ ', '- _Design: x_y', '**Do**: para', '- **Do**', '- ***Do***: x', '- **Do***: x', '- [ ] **Do**: x', '```',
      '> - **Do**: x', '- **Do**: `open', 'close` end', '---', '- **Do**: x\r',
    ),
  },
  {
    // Lines under a field: steps, continued text, and what could change the field's paragraph.
    weight: 3,
    arbitrary: fc.constantFrom(
      '  1. Read the code', '  2. Wire it', '  more text', '  ===', '  ---', '  -|-', '  :-', '  a | b', '  `code_span`', '  > quote',
      '      indented', '  # heading', '  ```', '  <div>', '  2. x_y', '  - [ ] 9.9 task', '  [^1]: note', '   three', '  \ttab', '  **Step**: x',
      '  - - -', '  www.example.com', '  <!-- c', '  ~~~', '  ````js', '  <pre>', '  <script>',
    ),
  },
);
const bodyArb = fc.array(line, { minLength: 1, maxLength: 8 }).map((lines) => lines.join('\n'));

describe('parse: field lists read without remark', () => {
  it('reads exactly what remark reads, whenever it reads a body at all', () => {
    let read = 0;
    fc.assert(
      fc.property(bodyArb, (body) => {
        const quick = readFieldList(body);
        if (!quick) return;
        read++;
        const remark = parseBodyWithRemark(body);
        assert.deepEqual(quick, remark, `${show(body)}\nquick: ${show(quick)}\nremark: ${show(remark)}`);
      }),
      { numRuns: 4000, seed: 31337 },
    );
    assert.ok(read > 250, `only ${read} bodies were read without remark`);
  });

  it('reads a ralph-specum body and leaves anything else to remark', () => {
    const body = [
      '- **Do**: Extend the schema',
      '- **Files**: `schemas/spec.schema.json`',
      '- **Verify**: `cat a.json | grep -q "x"` exits 0',
      '- _Requirements: FR-012, FR-013_',
    ].join('\n');
    const quick = readFieldList(body);
    assert.deepEqual(
      quick?.fields.map((f) => [f.label, f.value, f.start.line, f.end.character]),
      [
        ['do', 'Extend the schema', 0, 27],
        ['files', '`schemas/spec.schema.json`', 1, 39],
        ['verify', '`cat a.json | grep -q "x"` exits 0', 2, 48],
        ['requirements', 'FR-012, FR-013', 3, 31],
      ],
      show(quick),
    );
    assert.deepEqual(quick, parseBodyWithRemark(body));
    const steps = '- **Do**:\n  1. Read\n  2. Wire\n\n- **Files**: `a.ts`';
    assert.deepEqual(readFieldList(steps), parseBodyWithRemark(steps), show(readFieldList(steps)));
    assert.equal(readFieldList(steps)?.fields[0]?.value, '1. Read\n2. Wire', show(readFieldList(steps)));
    for (const other of ['- **Do**:\n  ===', 'Intro\n- **Do**: x', '- **Do:** x', '- _Design: *x*_', '- _Design: x_\n  more']) {
      assert.equal(readFieldList(other), undefined, show(other));
    }
  });
});
