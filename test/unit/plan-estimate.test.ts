import { strict as assert } from 'node:assert';
import type { Estimate } from '../../src/core/model';
import { planSpec } from '../../src/core/plan';
import { spec, task, text } from './builders';

const show = (x: unknown): string => JSON.stringify(x);
const p = (id: string, minutes: number, files: string[] = []) => task(id, { markers: ['P'], minutes, files });

/** What no schedule can beat: the longest chain, and the work spread over every slot. */
function lowerBound(e: Estimate): number {
  return Math.max(e.criticalPathMinutes, e.serialMinutes / e.maxConcurrent);
}

describe('planSpec: the wave figure (as --mode waves runs)', () => {
  it('runs a group of 5 in rounds of maxConcurrent: 3 rounds with 2 slots', () => {
    const s = spec([p('1', 10), p('2', 10), p('3', 10), p('4', 10), p('5', 10)]);
    const two = planSpec(s, { maxConcurrent: 2 }).estimate;
    assert.deepEqual([two.waveMinutes, two.scheduleMinutes], [30, 30], show(two));
    const five = planSpec(s, { maxConcurrent: 5 }).estimate;
    assert.equal(five.waveMinutes, 10, show(five));
  });

  it('gives a freed slot to the next member at once, and starts the next wave after the last', () => {
    // 2 slots: 1 (30 min) in one; 2, 3, 4, 5 one after another in the other, ending at 40; then 6.
    const s = spec([p('1', 30), p('2', 10), p('3', 10), p('4', 10), p('5', 10), task('6', { minutes: 10 })]);
    const e = planSpec(s, { maxConcurrent: 2 }).estimate;
    assert.deepEqual([e.scheduleMinutes, e.waveMinutes], [50, 50], show(e));
  });

  it('never puts two members that touch one file in the same round', () => {
    const s = spec([p('1', 10, ['a.ts']), p('2', 10, ['a.ts']), p('3', 10, ['a.ts']), p('4', 10, ['b.ts'])]);
    const e = planSpec(s, { maxConcurrent: 4 }).estimate;
    assert.equal(e.waveMinutes, 30, show(e));
    assert.ok(e.waveMinutes >= lowerBound(e), show(e));
  });

  it('waits for a whole wave before the next one starts, where the DAG schedule overlaps', () => {
    // 2 waits for 1 only (declared), so the DAG runs 2 beside 3; waves run 1+3, then 2.
    const s = spec([p('1', 10), p('3', 30), task('2', { minutes: 10, dependsOn: ['1'] })]);
    const e = planSpec(s).estimate;
    assert.deepEqual([e.scheduleMinutes, e.waveMinutes], [30, 40], show(e));
  });

  it('keeps a member behind another member it depends on', () => {
    const s = spec([p('1', 10), task('2', { markers: ['P'], minutes: 10, dependsOn: ['1'] })]);
    const e = planSpec(s).estimate;
    assert.deepEqual([e.criticalPathMinutes, e.scheduleMinutes, e.waveMinutes], [20, 20, 20], show(e));
  });

  it('is never below the critical path or the work spread over the slots', () => {
    const shapes = [
      spec([p('1', 7, ['x']), p('2', 13, ['x']), p('3', 4), task('4', { minutes: 9 }), p('5', 3), p('6', 11, ['y']), text(), p('7', 6, ['y'])]),
      spec([task('a', { minutes: 5 }), p('b', 20), p('c', 20), p('d', 20), p('e', 1), task('f', { minutes: 2, dependsOn: ['a'] })]),
      spec([p('1', 10, ['a']), p('2', 10, ['b']), p('3', 10, ['a', 'b']), p('4', 10), p('5', 10)]),
    ];
    for (const s of shapes) {
      for (const maxConcurrent of [1, 2, 3, 4]) {
        const e = planSpec(s, { maxConcurrent }).estimate;
        assert.ok(e.waveMinutes >= lowerBound(e), `${maxConcurrent} slots: ${show(e)}`);
        assert.ok(e.waveMinutes <= e.serialMinutes, `${maxConcurrent} slots: ${show(e)}`);
      }
    }
  });

  it('gives done tasks and containers no round', () => {
    const s = spec([
      p('1', 10),
      task('2', { markers: ['P'], done: true, minutes: 40 }),
      task('3', { children: [task('3.1', { minutes: 5 }), task('3.2', { minutes: 5 })] }),
    ]);
    const e = planSpec(s).estimate;
    assert.deepEqual([e.serialMinutes, e.waveMinutes], [20, 20], show(e));
  });
});
