import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { neverCancelled, runPlan } from '../../src/core/run';
import { flush, plan, rig } from './fakes';

// Random DAGs, conflicts, exclusive tasks, failures and finishing orders: whatever happens, the
// scheduler keeps its promises, and it never leaves a slot idle that a ready task could use.

const scenario = fc
  .integer({ min: 1, max: 9 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 14 }),
      conflicts: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 4 }),
      exclusive: fc.array(fc.nat(n - 1), { maxLength: 2 }),
      failing: fc.array(fc.nat(n - 1), { maxLength: 2 }),
      maxConcurrent: fc.integer({ min: 1, max: 4 }),
      choices: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    }),
  );

describe('scheduler: properties over random DAGs', () => {
  it('respects dependencies, maxConcurrent, conflicts and exclusivity, and wastes no slot', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const ids = Array.from({ length: s.n }, (_, i) => `t${i}`);
        const id = (i: number) => ids[i] ?? 'none';
        const dependsOn: Record<string, string[]> = {};
        for (const [a, b] of s.edges) {
          if (a === b) continue;
          const [from, to] = a < b ? [a, b] : [b, a];
          (dependsOn[id(to)] ??= []).includes(id(from)) || dependsOn[id(to)]?.push(id(from));
        }
        const conflicts = [...new Set(s.conflicts.filter(([a, b]) => a !== b).map(([a, b]) => (a < b ? `${a},${b}` : `${b},${a}`)))].map(
          (k) => k.split(',').map((x) => id(Number(x))) as [string, string],
        );
        const exclusive = [...new Set(s.exclusive.map(id))];
        const failing = new Set(s.failing.map(id));
        const p = plan({ tasks: ids, dependsOn, conflicts, exclusive });
        const r = rig();
        const run = runPlan(
          p,
          r.ports,
          { maxConcurrent: s.maxConcurrent, mode: 'dag', commit: 'batch', scope: { kind: 'spec' }, maxTaskIterations: 1 },
          neverCancelled,
          (e) => r.events.push(e),
        );

        // Ready tasks get slots longest-remaining-chain first (all tasks weigh the same here), ties in file order.
        const rank = new Map<string, number>();
        const rankOf = (t: string): number => {
          if (!rank.has(t)) {
            const next = ids.filter((x) => (dependsOn[x] ?? []).includes(t));
            rank.set(t, 1 + Math.max(0, ...next.map(rankOf)));
          }
          return rank.get(t)!;
        };
        const priority = [...ids].sort((a, b) => rankOf(b) - rankOf(a) || ids.indexOf(a) - ids.indexOf(b));
        const ended = new Map<string, 'ok' | 'failed'>();
        const startedBefore = new Set<string>();
        for (let step = 0; ; step++) {
          await flush();
          const running = r.executor.running();
          // No idle slot while a ready task could use it (priority order; an exclusive task that
          // waits for the running ones to drain holds back the tasks after it).
          if (running.length < s.maxConcurrent && !running.some((x) => exclusive.includes(x))) {
            for (const t of priority) {
              const started = r.executor.order.includes(`start ${t}`);
              const ready = !started && (dependsOn[t] ?? []).every((d) => ended.get(d) === 'ok');
              if (!ready) continue;
              if (exclusive.includes(t)) {
                assert.ok(running.length > 0, `exclusive ${t} ready with nothing running but not started: ${r.executor.order}`);
                break;
              }
              const conflicting = conflicts.some(([a, b]) => (a === t && running.includes(b)) || (b === t && running.includes(a)));
              assert.ok(conflicting, `${t} ready and a slot free but not started: ${r.executor.order}`);
            }
          }
          if (running.length === 0) break;
          const pick = running[(s.choices[step % s.choices.length] ?? 0) % running.length] ?? 'none';
          startedBefore.add(pick);
          ended.set(pick, failing.has(pick) ? 'failed' : 'ok');
          r.executor.resolve(pick, failing.has(pick) ? 'failed' : 'succeeded');
        }
        const summary = await run;

        assert.ok(r.executor.maxRunning <= s.maxConcurrent, `${r.executor.maxRunning} > ${s.maxConcurrent}: ${r.executor.order}`);
        const running = new Set<string>();
        const succeeded = new Set<string>();
        for (const entry of r.executor.order) {
          const [kind, t = ''] = entry.split(' ');
          if (kind === 'end') {
            running.delete(t);
            if (ended.get(t) === 'ok') succeeded.add(t);
            continue;
          }
          for (const d of dependsOn[t] ?? []) assert.ok(succeeded.has(d), `${t} started before ${d} succeeded: ${r.executor.order}`);
          for (const [a, b] of conflicts) {
            assert.ok(!((a === t && running.has(b)) || (b === t && running.has(a))), `${a} and ${b} overlapped: ${r.executor.order}`);
          }
          if (exclusive.includes(t)) assert.equal(running.size, 0, `exclusive ${t} started beside others: ${r.executor.order}`);
          assert.ok(![...running].some((x) => exclusive.includes(x)), `${t} started beside an exclusive task: ${r.executor.order}`);
          running.add(t);
        }
        // Blocked exactly when some ancestor failed; everything else ran once.
        const failedAncestor = (t: string, seen = new Set<string>()): boolean =>
          (dependsOn[t] ?? []).some((d) => !seen.has(d) && (seen.add(d), ended.get(d) === 'failed' || failedAncestor(d, seen)));
        const expectedBlocked = ids.filter((t) => failedAncestor(t)).length;
        const ran = ids.filter((t) => r.executor.order.includes(`start ${t}`));
        assert.equal(ran.length + expectedBlocked, s.n, `ran ${ran} blocked ${expectedBlocked}: ${r.executor.order}`);
        assert.deepEqual(
          [summary.succeeded + summary.failed, summary.blocked, summary.failed],
          [ran.length, expectedBlocked, ran.filter((t) => failing.has(t)).length],
          JSON.stringify(summary),
        );
        assert.equal(r.state.current.ralph?.status, 'finished', JSON.stringify(r.state.current.ralph));
      }),
      { numRuns: 150 },
    );
  });
});
