// Start order among ready tasks (src/core/run/ordering.ts): longest remaining chain first, ties
// in file order, containers weighing nothing.
import { strict as assert } from 'node:assert';
import type { Task } from '../../src/core/model';
import { byRemainingPath, dependentsOf } from '../../src/core/run/ordering';

interface Stub {
  readonly task: Task;
  readonly isContainer: boolean;
  readonly deps: readonly string[];
}

function runsOf(rows: readonly [id: string, deps: string[], minutes?: number, container?: boolean][]): Map<string, Stub> {
  const runs = new Map<string, Stub>();
  rows.forEach(([id, deps, minutes, container], index) => {
    const task = { id, index, ...(minutes !== undefined ? { estimateMinutes: minutes } : {}) } as unknown as Task;
    runs.set(id, { task, isContainer: container === true, deps });
  });
  return runs;
}

const order = (runs: Map<string, Stub>, fallback = 10): string[] => byRemainingPath(runs, dependentsOf(runs), fallback).map((r) => r.task.id);

describe('run ordering: start order by remaining path', () => {
  it('puts the head of the longest chain first, whatever the file order', () => {
    // a (5) alone; b (5) -> c (5): b heads 10 minutes of work, a only 5.
    const runs = runsOf([['a', [], 5], ['b', [], 5], ['c', ['b'], 5]]);
    assert.deepEqual(order(runs), ['b', 'a', 'c']);
  });

  it('keeps file order between equal chains, and gives tasks without an estimate the default', () => {
    const runs = runsOf([['a', []], ['b', []], ['c', [], 20]]);
    assert.deepEqual(order(runs, 10), ['c', 'a', 'b']);
  });

  it('weighs a container at nothing, so its children decide', () => {
    // p is a container waiting for its child p1; x is a plain 6-minute task.
    const runs = runsOf([['p1', [], 5], ['p', ['p1'], 100, true], ['x', [], 6]]);
    assert.deepEqual(order(runs), ['x', 'p1', 'p']);
  });

  it('survives a cycle and a very long chain', () => {
    const cyclic = runsOf([['a', ['b'], 1], ['b', ['a'], 1]]);
    assert.deepEqual(order(cyclic).sort(), ['a', 'b']);
    const rows: [string, string[], number][] = Array.from({ length: 20_000 }, (_, i) => [`t${i}`, i === 0 ? [] : [`t${i - 1}`], 1]);
    assert.equal(order(runsOf(rows))[0], 't0');
  });
});
