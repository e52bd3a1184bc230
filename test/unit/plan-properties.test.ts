// Random flat specs against a brute-force reading of the rules: who must finish before whom,
// and what the schedule estimate may and may not claim.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Plan } from '../../src/core/model';
import { planSpec } from '../../src/core/plan';
import { spec, task, text, type SpecItem } from './builders';

interface Row {
  marker: 'none' | 'P' | 'VERIFY' | 'P+VERIFY';
  breakBefore: boolean;
  deps: number[] | undefined;
  file: number | undefined;
  minutes: number;
  done: boolean;
}

const rowArb = fc.record({
  marker: fc.constantFrom<Row['marker']>('none', 'P', 'P', 'P', 'VERIFY', 'P+VERIFY'),
  breakBefore: fc.boolean(),
  deps: fc.option(fc.array(fc.nat(20), { maxLength: 2 }), { nil: undefined, freq: 4 }),
  file: fc.option(fc.nat(3), { nil: undefined }),
  minutes: fc.integer({ min: 1, max: 30 }),
  done: fc.constantFrom(false, false, false, true),
});

function build(rows: readonly Row[]): SpecItem[] {
  const items: SpecItem[] = [];
  rows.forEach((r, i) => {
    if (r.breakBefore) items.push(text());
    const markers = r.marker === 'none' ? [] : r.marker === 'P+VERIFY' ? ['P', 'VERIFY'] : [r.marker];
    // Only backward references, so the reference reading below has no cycles to worry about.
    const deps = r.deps?.filter((d) => d < i).map((d) => `T${d}`);
    items.push(
      task(`T${i}`, {
        markers,
        minutes: r.minutes,
        done: r.done,
        ...(deps ? { dependsOn: deps } : {}),
        ...(r.file !== undefined ? { files: [`src/f${r.file}.ts`] } : {}),
      }),
    );
  });
  return items;
}

function ancestors(plan: Plan): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const level of plan.levels) {
    for (const id of level) {
      const set = new Set<string>();
      for (const p of plan.dependsOn[id] ?? []) {
        set.add(p);
        for (const a of result.get(p) ?? []) set.add(a);
      }
      result.set(id, set);
    }
  }
  return result;
}

describe('planSpec properties', () => {
  it('orders every pair of tasks as the rules say (no Depends)', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 25 }), (rows) => {
        const plain = rows.map((r) => ({ ...r, deps: undefined }));
        const plan = planSpec(spec(build(plain)));
        const anc = ancestors(plan);
        const group = new Map<string, number>();
        plan.groups.forEach((g) => g.taskIds.forEach((id) => group.set(id, g.index)));
        for (let j = 0; j < rows.length; j++) {
          for (let i = 0; i < j; i++) {
            const sameGroup = group.has(`T${i}`) && group.get(`T${i}`) === group.get(`T${j}`);
            const waits = anc.get(`T${j}`)?.has(`T${i}`) ?? false;
            assert.equal(waits, !sameGroup, `T${j} waits for T${i}: ${waits}; ${JSON.stringify(plan.dependsOn)}`);
          }
        }
        for (const g of plan.groups) {
          assert.ok(g.taskIds.length >= 2, JSON.stringify(plan.groups));
          for (const id of g.taskIds) assert.ok(!plan.spec.tasks.find((t) => t.id === id)?.markers.some((m) => m.name === 'VERIFY'), id);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps declared dependencies, barriers and the everything-above rule (with Depends)', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 25 }), (rows) => {
        const plan = planSpec(spec(build(rows)));
        assert.equal(plan.hasErrors, false, JSON.stringify(plan.diagnostics));
        const anc = ancestors(plan);
        const group = new Map<string, number>();
        plan.groups.forEach((g) => g.taskIds.forEach((id) => group.set(id, g.index)));
        const isBarrier = (i: number): boolean => rows[i]?.marker === 'VERIFY' || rows[i]?.marker === 'P+VERIFY';
        for (let j = 0; j < rows.length; j++) {
          const declared = rows[j]?.deps?.filter((d) => d < j);
          const mine = anc.get(`T${j}`) ?? new Set();
          for (let i = 0; i < j; i++) {
            const sameGroup = group.has(`T${i}`) && group.get(`T${i}`) === group.get(`T${j}`);
            let must: boolean;
            if (isBarrier(j)) must = true;
            else if (declared) must = declared.includes(i) || isBarrier(i);
            else must = !sameGroup;
            if (must) assert.ok(mine.has(`T${i}`), `T${j} must wait for T${i}: ${JSON.stringify(plan.dependsOn)}`);
          }
          // Nothing waits for a task below it.
          for (const a of mine) assert.ok(Number(a.slice(1)) < j, `T${j} waits for ${a}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('estimates between the critical path and the serial sum; one slot or one shared file is serial', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 20 }), fc.integer({ min: 1, max: 4 }), (rows, slots) => {
        const e = planSpec(spec(build(rows)), { maxConcurrent: slots }).estimate;
        assert.ok(e.criticalPathMinutes <= e.scheduleMinutes && e.scheduleMinutes <= e.serialMinutes, JSON.stringify(e));
        assert.ok(e.scheduleMinutes * slots >= e.serialMinutes, JSON.stringify(e));
        const serial = planSpec(spec(build(rows)), { maxConcurrent: 1 }).estimate;
        assert.equal(serial.scheduleMinutes, serial.serialMinutes, JSON.stringify(serial));
        const shared = planSpec(spec(build(rows.map((r) => ({ ...r, file: 0 })))), { maxConcurrent: slots }).estimate;
        assert.equal(shared.scheduleMinutes, shared.serialMinutes, JSON.stringify(shared));
      }),
      { numRuns: 300 },
    );
  });

  it('lists conflict pairs once, in file order, never between a task and its ancestor', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 25 }), (rows) => {
        const plan = planSpec(spec(build(rows)));
        const anc = ancestors(plan);
        const seen = new Set<string>();
        for (const [a, b] of plan.conflicts) {
          assert.ok(Number(a.slice(1)) < Number(b.slice(1)), `${a} ${b}`);
          assert.ok(!seen.has(`${a} ${b}`), `${a} ${b} twice`);
          seen.add(`${a} ${b}`);
          assert.ok(!anc.get(b)?.has(a) && !anc.get(a)?.has(b), `${a} ${b} are ordered`);
        }
        // Every pair that shares a file and is not ordered is listed.
        for (let j = 0; j < rows.length; j++)
          for (let i = 0; i < j; i++) {
            const sharing = rows[i]?.file !== undefined && rows[i]?.file === rows[j]?.file;
            const ordered = anc.get(`T${j}`)?.has(`T${i}`) ?? false;
            if (sharing && !ordered) assert.ok(seen.has(`T${i} T${j}`), `T${i} T${j} missing: ${JSON.stringify(plan.conflicts)}`);
          }
      }),
      { numRuns: 300 },
    );
  });
});

describe('planSpec at scale', () => {
  it('plans 10 000 tasks with groups, Depends and shared files in seconds, not minutes', () => {
    const items: SpecItem[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 40 === 0) items.push(text());
      const marker = i % 7 === 6 ? ['VERIFY'] : i % 3 !== 0 ? ['P'] : [];
      items.push(
        task(`T${i}`, {
          markers: marker,
          files: [`src/area${i % 5}/file${i % 97}.ts`, `test/unit/shared${i % 10}.test.ts`],
          ...(i % 11 === 5 ? { dependsOn: [`T${i - 3}`, `T${Math.floor(i / 2)}`] } : {}),
        }),
      );
    }
    const s = spec(items);
    const started = process.hrtime.bigint();
    const plan = planSpec(s);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(plan.taskIds.length, 10_000);
    assert.equal(plan.hasErrors, false, JSON.stringify(plan.diagnostics.slice(0, 3)));
    // Generous: about 0.3 s on a loaded 2-core machine; quadratic work would take minutes.
    assert.ok(ms < 8000, `planning took ${ms.toFixed(0)} ms`);
  });
});
