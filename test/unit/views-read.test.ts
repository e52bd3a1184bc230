// Views only read: drawing a CodeLens, a tree item or the decorations never re-plans a spec or
// starts a read of the disk; they draw the plan the registry keeps and the board the run
// controller keeps, and are asked again when either changes. (The vscode layer cannot load in
// plain Node, so this reads the render code itself.)
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const code = (file: string): string => readFileSync(join(ROOT, file), 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');

/** Calls that plan, or read files, or start a state file's read. */
const WRITES = /\bplanNow\(|\.ensure\(|\breadFile\b|\bReplanner\b|\.update\(|\bloadBoard\(|\bsetPlanOptions\(|\brefresh\(\)/g;

describe('views only read', () => {
  for (const file of ['src/vscode/codeLens.ts', 'src/vscode/tree.ts', 'src/vscode/decorations.ts', 'src/core/taskDecorations.ts']) {
    it(`${file} neither plans nor reads the disk`, () => {
      assert.deepEqual(code(file).match(WRITES) ?? [], []);
    });
  }

  it("the run controller's board() starts nothing: the state file is read when a spec is found", () => {
    const runs = code('src/vscode/runs.ts');
    const body = /\n {2}board\(entry: SpecEntry\): RunBoard \{\n([\s\S]*?)\n {2}\}\n/.exec(runs)?.[1];
    assert.ok(body !== undefined, 'RunController.board not found');
    assert.deepEqual(body.match(/loadBoard|\.set\(|new RunBoard/g) ?? [], [], body);
  });
});
