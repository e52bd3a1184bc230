import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import { needsGfm, parseBody } from '../../src/core/parse/blockBody';

const gfm = unified().use(remarkParse).use(remarkGfm).freeze();
const plain = unified().use(remarkParse).freeze();
const show = (v: unknown) => JSON.stringify(v);

// Body lines as authors write them, plus markdown that comes close to GFM without using it.
const bodyLine = fc.oneof(
  fc.constantFrom(
    '- **Do**: Extend the schema with parallelGroup', '- **Files**: `src/a.ts`, `test/b.test.ts`', '- **Done when**: it works',
    '- **Verify**: `npm test` exits 0', '- **Commit**: `feat(core): x`', '- _Requirements: FR-1, AC-2.3_', '- _Design: Component 5_',
    '- **Do**:', '  1. step one', '  2. step *two*', '**Do:** para', '_Depends: 1.2_', 'text with ** stars **', '* bullet',
    '> quoted **Verify**: x', '```', '```sh', '    code', '', '---', '- [link](x.md) and [ref]', '[ref]: /url', 'a\\\nb',
    '<div>', '&amp; entity', '`a` `` b ``', '- a\n- b', 'Setext\n===', '1) one', 'x-y z:a', 'ww.x', 'h t t p', 'mail at host',
  ),
  fc.string({ unit: fc.constantFrom('a', ' ', '-', ':', '*', '_', '`', '[', ']', '(', ')', '.', '\n', '#', '>', '1', 'w', 'h', 'x', '|', '~'), maxLength: 30 }),
);
const bodyArb = fc.array(bodyLine, { maxLength: 12 }).map((lines) => lines.join('\n'));

describe('parse: GFM only where it can matter', () => {
  it('gives the same mdast without remark-gfm for every body that has no GFM trigger', () => {
    let compared = 0;
    fc.assert(
      fc.property(bodyArb, (body) => {
        if (needsGfm(body)) return;
        compared++;
        const withGfm = gfm.parse(body);
        const without = plain.parse(body);
        assert.deepEqual(without, withGfm, `${show(body)}\nplain: ${show(without)}\ngfm: ${show(withGfm)}`);
      }),
      { numRuns: 600, seed: 424242 },
    );
    assert.ok(compared > 200, `only ${compared} bodies without triggers were compared`);
  });

  it('sends each GFM construct to remark-gfm, where the trees differ', () => {
    const triggers = [
      '| a | b |\n| - | - |',
      'a\n:-',
      'a ~~gone~~ b',
      'see www.example.com',
      'see HTTPS://example.com/x',
      'mail me@example.com',
      '- [ ] **Do**: x',
      '- [x] **Do**: x',
      'text[^1]\n\n[^1]: note',
    ];
    for (const body of triggers) {
      assert.ok(needsGfm(body), `no trigger found in ${show(body)}`);
      assert.notDeepEqual(plain.parse(body), gfm.parse(body), `GFM changes nothing in ${show(body)}`);
    }
  });

  it('reads the same fields with and without triggers around them', () => {
    const without = parseBody('- **Do**: build it\n- **Verify**: `npm test` exits 0');
    const withPipe = parseBody('- **Do**: build it\n- **Verify**: `npm test | tee log` exits 0');
    assert.deepEqual(
      [without.fields.map((f) => [f.label, f.value]), withPipe.fields.map((f) => [f.label, f.value])],
      [
        [['do', 'build it'], ['verify', '`npm test` exits 0']],
        [['do', 'build it'], ['verify', '`npm test | tee log` exits 0']],
      ],
      show([without, withPipe]),
    );
  });
});
