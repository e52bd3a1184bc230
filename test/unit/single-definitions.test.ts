// Things decided once: a name or rule that several modules need is defined in one module and
// imported everywhere else, so the CLI and the extension can never disagree about it.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ROOT, sources } from './sourceFiles';
import { join, relative } from 'node:path';



/** The files (repository-relative) of src/ and webview/ whose code, comments aside, matches. */
function definedIn(pattern: RegExp): string[] {
  return [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'webview'))]
    .filter((file) => pattern.test(readFileSync(file, 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '')))
    .map((file) => relative(ROOT, file).replace(/\\/g, '/'));
}

describe('single definitions', () => {
  it('names the state file in one place', () => {
    assert.deepEqual(definedIn(/['"`]\.ralph-state\.json['"`]/), ['src/core/state/index.ts']);
  });

  it('builds maps by id only through tasksById (one rule for a repeated id)', () => {
    // `new Map(xs.map((x) => [x.id, …]))` keeps the last of a repeated id, a loop with `has` the first.
    assert.deepEqual(definedIn(/new Map\([^;]*=>\s*\[\s*\w+\.id\s*,|if \(!\w+\.has\(\w+\.id\)\)\s*\w+\.set\(/), ['src/core/model.ts']);
  });

  it('writes mermaid flowcharts in one place, for the page and `ralph graph --mermaid` alike', () => {
    assert.deepEqual(definedIn(/flowchart \$\{|['"`]flowchart /), ['src/core/graphDraw.ts']);
  });

  it('names a task status one way: TaskStatus, in core/status.ts', () => {
    assert.deepEqual(definedIn(/type TaskStatus\s*=/), ['src/core/status.ts']);
    assert.deepEqual(definedIn(/\bDagStatus\b/), []);
  });

  it('turns run events into task statuses in one place, the RunBoard, that every view reads', () => {
    // A finished attempt that will be tried again shows as `retrying`: only the board says so.
    assert.deepEqual(definedIn(/willRetry[^;]*\?\s*['"]retrying['"]/), ['src/core/board.ts']);
    assert.deepEqual(definedIn(/statusUpdatesFromEvent/), []);
  });
});
