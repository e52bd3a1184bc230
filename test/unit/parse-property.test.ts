import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Range, Spec } from '../../src/core/model';
import { BlockCache, parseAny, parseSpec } from '../../src/core/parse/index';

const fragment = fc.oneof(
  fc.constantFrom(
    '- [ ] 1.1 Task', '- [x] 1.2 [P] Done', '  - [ ] 2.1 [FIX 1.2] Nested', '- [-] 3. Kiro', '- [ ]* 3.1 Optional',
    '- [ ] T001 [P] [US1] Make src/a.py (depends on T000)', '- [ ] VE1 [VERIFY] check', '\t- [ ] 4.1 tabbed',
    '  - **Do**: something', '  - **Files**: `a.ts`, b.ts', '  - **Verify**: `npm test` exits 0', '  - **Depends**: 1.1, 9.9',
    '  - **Depends**:', '  - **Estimate**: 1.5h', '  - **Estimate**: ??', '  - _Requirements: FR-1_', '    1. step',
    '```', '````md', '~~~', '<!--', '-->', '<!-- x -->', '# Tasks: T', '## Phase 1: Go', '### Sub', '---', '***',
    'plain text', '', '    indented code', '> quote', '- plain item', '---\ntitle: [x\n---', '**Do**: para field',
    'naïve ünïcödé ✓ 🚀', '- [ ] 1.1 🚀 emoji title', '| a | b |\n| - | - |', '[link]: http://x', '- [ ] 1.1 [P',
  ),
  fc.string({ maxLength: 20 }),
);

const documentArb = fc
  .tuple(fc.array(fragment, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([parts, eol, trailing]) => parts.join(eol) + (trailing ? eol : ''));

/** `idIsVerbatim`: in markdown the id range shows the id as is; in JSON it shows the string's
 *  source, escapes included. */
function assertRangesInside(text: string, spec: Spec, idIsVerbatim = true): void {
  const lines = text.split(/\r?\n/);
  assert.equal(spec.lineCount, lines.length, `lineCount ${spec.lineCount} vs ${lines.length}`);
  const check = (r: Range, what: string) => {
    for (const p of [r.start, r.end]) {
      assert.ok(p.line >= 0 && p.line < spec.lineCount, `${what} line ${JSON.stringify(r)} of ${spec.lineCount}`);
      assert.ok(p.character >= 0 && p.character <= (lines[p.line] ?? '').length, `${what} char ${JSON.stringify(r)} in ${JSON.stringify(lines[p.line])}`);
    }
    assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what} reversed ${JSON.stringify(r)}`);
  };
  for (const t of spec.tasks) {
    check(t.ranges.line, `${t.id} line`);
    check(t.ranges.checkbox, `${t.id} checkbox`);
    check(t.ranges.id, `${t.id} id`);
    check(t.ranges.block, `${t.id} block`);
    for (const m of t.markers) check(m.range, `${t.id} marker`);
    const idText = (lines[t.ranges.id.start.line] ?? '').slice(t.ranges.id.start.character, t.ranges.id.end.character);
    if (idIsVerbatim) assert.equal(idText, t.id, `id range of ${t.id} shows ${JSON.stringify(idText)}`);
  }
  for (const d of spec.diagnostics) check(d.range, `diagnostic ${d.message}`);
  for (const p of spec.phases) check(p.range, `phase ${p.title}`);
}

describe('parse: never throws, ranges always inside the document', () => {
  it('holds for markdown-ish documents, and a shared cache changes nothing', () => {
    // Shared across runs, so blocks come back from the cache at other places in other documents.
    const shared = new BlockCache();
    fc.assert(
      fc.property(documentArb, (text) => {
        const spec = parseSpec(text, { path: 'p.md', cache: shared });
        assertRangesInside(text, spec);
        assert.deepEqual(spec, parseSpec(text, { path: 'p.md' }));
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });

  it('holds for JSON-ish text given to parseAny', () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.constantFrom('{"tasks": [{"task_id": "A", "risk": 3}, 7, {"task_id": ""}]}', '[{"task_id": "x\\ny"}]', '{', '[]'),
    );
    fc.assert(
      fc.property(jsonish, fc.constantFrom('\n', '\r\n'), (raw, eol) => {
        const text = raw.replace(/\n/g, eol);
        assertRangesInside(text, parseAny(text, { path: 'm.json' }), false);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
