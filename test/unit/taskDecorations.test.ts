// The editor's decorations of tasks.md as data: what a line shows after it, and the group bands.
import { strict as assert } from 'node:assert';
import { RunBoard, statusText } from '../../src/core/board';
import { parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import { taskDecorations, type DocumentLines } from '../../src/core/taskDecorations';
import { WORKTREE_RUN } from './viewEvents';

const TEXT = [
  '# Tasks',
  '',
  '- [x] 1.0 Set up',
  '- [ ] 1.1 [P] First',
  '  - **Files**: `a.ts`',
  '- [ ] 1.2 [P] Second',
  '  - **Files**: `b.ts`',
  '',
  '',
  '- [ ] 1.3 Third',
  '  - **Depends on**: 1.2',
  '',
].join('\n');

function lines(text: string): DocumentLines {
  const all = text.split('\n');
  return { lineCount: all.length, isBlank: (line) => /^\s*$/.test(all[line] ?? '') };
}

describe('task decorations: what the editor shows, from plan and board', () => {
  const plan = planSpec(parseSpec(TEXT, { path: 'specs/x/tasks.md' }));

  it('marks each task line with the text the tree shows, nothing for pending or checked-off tasks', () => {
    const board = new RunBoard();
    for (const e of WORKTREE_RUN) board.apply(e);
    const { marks } = taskDecorations(plan, board, lines(TEXT), 0);
    assert.deepEqual(
      marks.map((m) => [m.line, m.status, m.text]),
      [
        [3, 'succeeded', `✔ ${statusText(board.entry('1.1'))}`],
        [5, 'succeeded', `✔ ${statusText(board.entry('1.2'))}`],
        [9, 'blocked', '⊘ blocked by 1.0 (failed)'],
      ],
      JSON.stringify(marks),
    );
    assert.equal(marks[2]?.reason, 'blocked by 1.0 (failed)');
    assert.deepEqual(taskDecorations(plan, new RunBoard(), lines(TEXT), 0).marks, [], 'no run: 1.0 is done, the rest pending, none marked');
  });

  it("bands a parallel group from its first task's line to its last line with text", () => {
    const { bands } = taskDecorations(plan, new RunBoard(), lines(TEXT), 0);
    assert.deepEqual(bands.map((b) => [b.startLine, b.endLine]), [[3, 6]], JSON.stringify(bands));
    assert.match(bands[0]?.hover ?? '', /1\.1, 1\.2 run at the same time/);
  });

  it("looks a task the board does not know up in the spec's map, never by scanning its tasks", () => {
    const board = new RunBoard();
    const tasks = [...plan.spec.tasks];
    // Every look-up of a line must be O(1): a scan of the spec per line is O(n²) per refresh.
    for (const scan of ['find', 'filter', 'some', 'findIndex'] as const) {
      Object.defineProperty(tasks, scan, { value: () => assert.fail(`tasks.${scan} called: a linear look-up`) });
    }
    const spec = { ...plan.spec, tasks };
    assert.equal(board.entry('1.0', spec).status, 'done');
    assert.equal(board.entry('1.1', spec).status, 'pending');
  });
});
