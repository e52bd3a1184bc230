import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Plan } from '../../src/core/model';
import { BlockCache, parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import { Replanner } from '../../src/core/replan';
import { generateTasksMd } from '../../bench/generate';

const show = (v: unknown) => JSON.stringify(v);

/** The first place two values differ, as a path, for failure messages that fit on a screen. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path}: ${show(a)} vs ${show(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

const freshCache = new BlockCache();
function fullPlan(text: string, maxConcurrent?: number): Plan {
  return planSpec(parseSpec(text, { path: 'tasks.md', cache: freshCache }), maxConcurrent === undefined ? {} : { maxConcurrent });
}

function assertSamePlan(got: Plan, text: string, maxConcurrent?: number): void {
  const expected = fullPlan(text, maxConcurrent);
  const diff = firstDifference(got, expected);
  assert.deepEqual(got, expected, `replanned plan differs at ${diff}\n--- text ---\n${text}`);
}

const KIRO = [
  '# Tasks',
  '',
  '- [ ] 1. Set up',
  '  - [ ] 1.1 Create the store',
  '    - **Files**: `src/store.ts`',
  '    - _Requirements: 1.1_',
  '  - [x] 1.2 Wire it',
  '    - **Depends**: 1.1',
  '- [-] 2. Build',
  '  - detail line',
  '  - [ ]* 2.1 Optional part',
  '',
  '- [ ] 3. Ship',
  '  - **Files**: `src/store.ts`',
  '',
].join('\n');

const TRICKY = [
  '---',
  'spec: tricky',
  '---',
  '## Phase 1: Go',
  '- [ ] 1.1 [P] First',
  '  - **Files**: `a.ts`',
  '  - **Estimate**: soon',
  '  ```sh',
  '  echo "- [ ] 9.9 not a task"',
  '  ```',
  '- [ ] 1.2 [P] Second',
  '  - **Files**: `a.ts`',
  '  <!-- a comment',
  '  - [ ] 8.8 hidden -->',
  '- [ ] 1.2 Duplicate',
  '  - **Depends**: 1.3',
  '- [ ] 1.3 Third',
  '  - **Depends**: 1.2',
  '  lazy continuation',
  'more lazy text',
  '',
  'A paragraph between tasks.',
  '- [ ] 1.4 [VERIFY] [P] Check',
  '  - **Verify**: `npm test`',
].join('\n');

// A first `---` line with no closing one: a `---` typed into a body turns all above it into
// front matter.
const UNCLOSED_FRONT_MATTER = ['---', '# Tasks', '- [ ] 1.1 A', '  - **Do**: x', '  - **Files**: `a.ts`', '- [ ] 1.2 B', '  - **Files**: `a.ts`'].join('\n');

// Every task carries planner diagnostics that point into its task line (repeated ids, [P] with
// [VERIFY], overlapping files in a group), so keystrokes on task lines must move them.
const DIAGNOSED = [
  '- [ ] 1.1 [P] [VERIFY] A',
  '  - **Files**: `a.ts`',
  '- [ ] 1.1 [P] [VERIFY] B',
  '  - **Files**: `a.ts`',
  '- [ ] 1.2 [P] C',
  '  - **Files**: `a.ts`',
  '- [ ] 1.3 [P] D',
  '  - **Files**: `a.ts`',
  '- [ ] 1.2 [VERIFY] [P] E',
  '  - **Depends**: 1.9',
].join('\n');

const baseArb = fc.oneof(
  fc.constant(DIAGNOSED),
  fc.integer({ min: 3, max: 14 }).chain((n) => fc.integer({ min: 1, max: 1000 }).map((seed) => generateTasksMd(n, seed))),
  fc.constant(KIRO),
  fc.constant(TRICKY),
  fc.constant(UNCLOSED_FRONT_MATTER),
);

const poolLine = fc.constantFrom(
  '  - **Depends**: 1.1',
  '  - **Depends**: 1.2, 9.9',
  '  - **Depends**: none',
  '  - **Depends**: ???',
  '  - **Files**: `src/core/parser-1.ts`',
  '  - **Files**: `a.ts`, `src/`',
  '  - **Estimate**: 2h',
  '  - **Estimate**: soon',
  '  - **Do**: something else',
  '  - **Verify**: `npm test` exits 0',
  '  - _Requirements: FR-1_',
  '  - **Do**:',
  '    1. step',
  '```',
  '  ```',
  '  ~~~',
  '<!--',
  '  <!-- open',
  '-->',
  '## Phase 9: New',
  '# Title',
  '---',
  '***',
  '- [ ] 1.1 Repeated id',
  '- [ ] 7.7 [P] New task',
  '- [x] 7.8 [VERIFY] Check',
  '  - [ ] 7.9 Nested',
  '    - [ ] 7.9.1 Deeper',
  '- plain item',
  '  - plain nested item',
  'plain paragraph',
  '  continuation',
  '    indented code',
  '        deeper code',
  '> quote',
  '',
  '',
);

const edit = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), line: poolLine }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), line: poolLine }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('append' as const), at: fc.nat(), text: fc.constantFrom(' more', ' `b.ts`', ', 1.3', ' [P]', '**', ' -->', '```', '  ') }),
  fc.record({ kind: fc.constant('type' as const), at: fc.nat(), column: fc.nat(), text: fc.constantFrom('x', ' ', '-', '[', ']', '`', '#', '*', '>', '1.', '\t') }),
  // Keystrokes on task lines: titles, markers, the space before the id, the checkbox.
  fc.record({
    kind: fc.constant('task' as const),
    at: fc.nat(),
    column: fc.nat({ max: 16 }),
    text: fc.constantFrom(' ', 'x', '[P] ', '[VERIFY] ', 'src/a.py ', '(depends on 1.1) ', 'T1 ', '*'),
  }),
  fc.record({ kind: fc.constant('check' as const), at: fc.nat(), box: fc.constantFrom(' ', 'x', 'X', '-') }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

/** Edits aimed at the lines that matter more often than chance would: most keystrokes land in
 *  bodies, and the generated specs are mostly bodies. */
function applyEdit(lines: string[], e: Edit): string[] {
  const out = [...lines];
  if (e.kind === 'task' || e.kind === 'check') {
    const taskLines = out.flatMap((l, i) => (/^\s*(?:[-*+]|\d+[.)])\s+\[.\]/.test(l) ? [i] : []));
    const i = taskLines[e.at % (taskLines.length || 1)];
    if (i === undefined) return out;
    const line = out[i] ?? '';
    if (e.kind === 'check') {
      out[i] = line.replace(/\[.\]/, `[${e.box}]`);
    } else {
      const column = e.column % (line.length + 1);
      out[i] = line.slice(0, column) + e.text + line.slice(column);
    }
    return out;
  }
  const at = e.at % (out.length + (e.kind === 'insert' ? 1 : 0) || 1);
  switch (e.kind) {
    case 'replace':
      out[at] = e.line;
      break;
    case 'insert':
      out.splice(at, 0, e.line);
      break;
    case 'delete':
      out.splice(at, e.count);
      break;
    case 'append':
      out[at] = `${out[at] ?? ''}${e.text}`;
      break;
    case 'type': {
      const line = out[at] ?? '';
      const column = e.column % (line.length + 1);
      out[at] = line.slice(0, column) + e.text + line.slice(column);
      break;
    }
  }
  return out;
}

describe('Replanner', () => {
  it('equals a fresh parse and plan after every random edit', () => {
    const seen = { block: 0, full: 0, reused: 0, planned: 0 };
    fc.assert(
      fc.property(baseArb, fc.array(edit, { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (base, edits, eol) => {
        const replanner = new Replanner({ path: 'tasks.md', maxConcurrent: 2 });
        let lines = base.split('\n');
        assertSamePlan(replanner.update(lines.join(eol)), lines.join(eol), 2);
        for (const e of edits) {
          lines = applyEdit(lines, e);
          const text = lines.join(eol);
          assertSamePlan(replanner.update(text), text, 2);
          const kind = replanner.lastUpdate;
          if (kind.parse === 'block') seen.block++;
          if (kind.parse === 'full') seen.full++;
          if (kind.plan === 'reused') seen.reused++;
          else seen.planned++;
        }
      }),
      { numRuns: 300, seed: 8128 },
    );
    // The property must have gone through every path, or it proves less than it claims.
    assert.ok(seen.block > 100 && seen.full > 100 && seen.reused > 100 && seen.planned > 100, show(seen));
  });

  it('estimates for the slots it is given, and for new ones when the setting changes', () => {
    const text = generateTasksMd(40, 6);
    const replanner = new Replanner({ path: 'tasks.md', maxConcurrent: 5 });
    const five = replanner.update(text);
    assert.equal(five.estimate.maxConcurrent, 5);
    assertSamePlan(five, text, 5);
    // The 40 tasks have room for more than 3 at once: 5 slots give a shorter schedule.
    assert.ok(five.estimate.scheduleMinutes < fullPlan(text, 3).estimate.scheduleMinutes, show([five.estimate, fullPlan(text, 3).estimate]));

    assert.equal(replanner.setPlanOptions({ maxConcurrent: 5 }), undefined, 'the same setting plans nothing again');
    const two = replanner.setPlanOptions({ maxConcurrent: 2 });
    assert.ok(two !== undefined && two !== five);
    assertSamePlan(two, text, 2);
    assert.deepEqual(replanner.lastUpdate, { parse: 'unchanged', plan: 'full' });
    // Edits after the change keep planning for 2, on the path that reuses the plan too.
    assert.equal(replanner.update(text), two);
    const lines = text.split('\n');
    const target = lines.findIndex((l) => l.includes('**Done when**'));
    lines[target] = `${lines[target]} and more`;
    const edited = lines.join('\n');
    assertSamePlan(replanner.update(edited), edited, 2);
    assert.deepEqual(replanner.lastUpdate, { parse: 'block', plan: 'reused' });
  });

  it('takes a setting given before any text for the first plan', () => {
    const replanner = new Replanner({ path: 'tasks.md' });
    assert.equal(replanner.setPlanOptions({ maxConcurrent: 4 }), undefined);
    const text = generateTasksMd(12, 2);
    assertSamePlan(replanner.update(text), text, 4);
  });

  it('returns the same plan object for the same text', () => {
    const text = generateTasksMd(20, 5);
    const replanner = new Replanner({ path: 'tasks.md' });
    const first = replanner.update(text);
    assert.equal(replanner.update(text), first);
    assert.deepEqual(replanner.lastUpdate, { parse: 'unchanged', plan: 'reused' });
  });

  it('re-reads one block and keeps the plan after a one-line edit of a body', () => {
    const cache = new BlockCache();
    const text = generateTasksMd(200, 3);
    const replanner = new Replanner({ path: 'tasks.md', cache });
    replanner.update(text);
    const misses = cache.misses;
    const lines = text.split('\n');
    const target = lines.findIndex((l, i) => i > lines.length / 2 && l.includes('**Done when**'));
    lines[target] = `${lines[target]} and more`;
    const edited = lines.join('\n');
    const plan = replanner.update(edited);
    assert.deepEqual([replanner.lastUpdate, cache.misses - misses], [{ parse: 'block', plan: 'reused' }, 1], show(replanner.lastUpdate));
    assertSamePlan(plan, edited);
  });

  it('shifts everything below when a body line is inserted, and re-plans when Depends changes', () => {
    const text = generateTasksMd(60, 4);
    const replanner = new Replanner({ path: 'tasks.md' });
    replanner.update(text);
    const lines = text.split('\n');
    const doLine = lines.findIndex((l, i) => i > 20 && l.includes('**Do**: '));
    lines.splice(doLine + 1, 0, '  - **Design**: a new field');
    const inserted = lines.join('\n');
    assertSamePlan(replanner.update(inserted), inserted);
    assert.deepEqual(replanner.lastUpdate, { parse: 'block', plan: 'reused' });

    lines.splice(doLine + 1, 1, '  - **Depends**: 1.1');
    const depends = lines.join('\n');
    assertSamePlan(replanner.update(depends), depends);
    assert.deepEqual(replanner.lastUpdate, { parse: 'block', plan: 'full' });
  });

  it('parses the whole text when an edit opens a fence that runs past the block', () => {
    const replanner = new Replanner({ path: 'tasks.md' });
    replanner.update(TRICKY);
    const lines = TRICKY.split('\n');
    lines.splice(5, 0, '  ~~~');
    const fenced = lines.join('\n');
    const plan = replanner.update(fenced);
    assert.equal(replanner.lastUpdate.parse, 'full');
    assertSamePlan(plan, fenced);
    assert.ok(!plan.spec.tasks.some((t) => t.id === '1.3'), show(plan.spec.tasks.map((t) => t.id)));
  });
});
