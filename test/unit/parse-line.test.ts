import { strict as assert } from 'node:assert';
import { extractVerifyCommand, matchTaskLine, parseEstimateMinutes, parseSpec } from '../../src/core/parse/index';

const show = (v: unknown) => JSON.stringify(v);

describe('parse: task lines', () => {
  it('recognises ids of every shape', () => {
    const cases: Array<[string, string]> = [
      ['- [ ] 1.2 Title', '1.2'],
      ['- [ ] 4.3.1 Title', '4.3.1'],
      ['- [ ] 1.X Placeholder', '1.X'],
      ['- [ ] V4 [VERIFY] Check', 'V4'],
      ['- [ ] VE1 End to end', 'VE1'],
      ['- [ ] VF Final', 'VF'],
      ['- [ ] T014 [P] Model', 'T014'],
      ['- [ ] 2. Kiro parent', '2'],
      ['  - [ ] 2.1 Kiro child', '2.1'],
      ['* [x] 1.10 Star bullet', '1.10'],
      ['1. [ ] 3.1 Ordered bullet', '3.1'],
      ['- [ ] 1.2: Colon after id', '1.2'],
    ];
    for (const [line, id] of cases) {
      const m = matchTaskLine(line);
      assert.equal(m?.id, id, `${line} → ${show(m)}`);
      assert.equal(line.slice(m?.idStart, m?.idEnd), id, `${line} → ${show(m)}`);
    }
  });

  it('ignores checkbox lines without an id, and words that are not ids', () => {
    for (const line of [
      '- [ ] run the tests',
      '- [ ] A quick check',
      '- [ ] OK then',
      '- [ ] 3 apples',
      '- [x] TODO write docs',
      '- [ ]',
      '[ ] 1.1 no bullet',
      '- 1.1 no checkbox',
      '-[ ] 1.1 no space',
      '- [y] 1.1 bad box',
    ]) {
      assert.equal(matchTaskLine(line), undefined, `${line} → ${show(matchTaskLine(line))}`);
    }
  });

  it('reads the checkbox state, Kiro optional star and the checkbox offset', () => {
    const cases: Array<[string, string, boolean, number]> = [
      ['- [ ] 1.1 a', 'todo', false, 2],
      ['- [x] 1.1 a', 'done', false, 2],
      ['- [X] T001 a', 'done', false, 2],
      ['  - [-] 2. a', 'in-progress', false, 4],
      ['- [ ]* 2.2 a', 'todo', true, 2],
      ['\t- [ ] 1.1 tab', 'todo', false, 3],
    ];
    for (const [line, check, optional, checkboxStart] of cases) {
      const m = matchTaskLine(line);
      assert.deepEqual(
        [m?.check, m?.optional, m?.checkboxStart, line.slice(checkboxStart, checkboxStart + 3).startsWith('[')],
        [check, optional, checkboxStart, true],
        `${line} → ${show(m)}`,
      );
    }
  });

  it('takes the first inline code span of a Verify field as the command', () => {
    const cases: Array<[string, string | undefined]> = [
      ['`grep -q x f` exits 0', 'grep -q x f'],
      ['run `npm test` then `npm run lint`', 'npm test'],
      ['``echo `date` `` prints', 'echo `date`'],
      ['Manual check', undefined],
      ['`   ` nothing', undefined],
      ['unclosed `npm test', undefined],
    ];
    for (const [raw, command] of cases) {
      assert.equal(extractVerifyCommand(raw), command, `${raw} → ${show(extractVerifyCommand(raw))}`);
    }
  });
});

describe('parse: field values', () => {
  it('reads estimates in minutes, hours and words', () => {
    const cases: Array<[string, number | undefined]> = [
      ['15m', 15], ['1h', 60], ['1.5h', 90], ['90 min', 90], ['2 hours', 120], ['15 mins', 15], ['1h 30m', 90], ['45', 45],
      ['soon', undefined], ['', undefined], ['3 parsecs', undefined],
    ];
    for (const [raw, minutes] of cases) assert.equal(parseEstimateMinutes(raw), minutes, `${raw} → ${parseEstimateMinutes(raw)}`);
  });

  it('reads "none" and "-" as a declared empty Depends', () => {
    for (const raw of ['none', 'None', '-']) {
      const spec = parseSpec(`- [ ] 1.2 T\n  - **Depends**: ${raw}\n`, { path: 't.md' });
      assert.deepEqual([spec.tasks[0]?.declaredDependsOn, spec.diagnostics], [[], []], `${raw} → ${show(spec)}`);
    }
    const underscored = parseSpec('- [ ] 1.3 T\n  - _Depends: 1.1, 1.2_\n', { path: 't.md' });
    assert.deepEqual(underscored.tasks[0]?.declaredDependsOn, ['1.1', '1.2'], show(underscored.tasks[0]));
  });
});
