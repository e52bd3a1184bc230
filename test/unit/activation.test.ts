// When VS Code wakes Ralph: in a workspace that holds a spec (by the same file names the
// extension's spec finder takes), through its commands, view and DAG page — never merely because
// some Markdown file was opened.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_ACTIVATION_EVENTS, SPEC_FILE_NAMES, SPEC_GLOB, isSpecPath } from '../../src/vscode/specNames';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { activationEvents: string[] };

describe('activation', () => {
  it('package.json does not activate on every Markdown file (nor on any language)', () => {
    const byLanguage = manifest.activationEvents.filter((e) => e.startsWith('onLanguage:') || e === '*' || e === 'onStartupFinished');
    assert.deepEqual(byLanguage, [], `activation events: ${manifest.activationEvents.join(', ')}`);
  });

  it("package.json's workspaceContains events are exactly the spec finder's file names", () => {
    const contains = manifest.activationEvents.filter((e) => e.startsWith('workspaceContains:'));
    assert.deepEqual(contains, [...SPEC_ACTIVATION_EVENTS]);
    for (const event of contains) {
      const name = event.replace('workspaceContains:**/', '');
      assert.ok(isSpecPath(`/w/specs/auth/${name}`), `${event} wakes Ralph for a file its finder does not take`);
      assert.ok(SPEC_GLOB.includes(name), `${name} is not in the watched glob ${SPEC_GLOB}`);
    }
    assert.equal(contains.length, SPEC_FILE_NAMES.length);
  });

  it('the finder takes the spec names at any depth, but not inside dependencies or task worktrees', () => {
    assert.equal(isSpecPath('/w/tasks.md'), true);
    assert.equal(isSpecPath('/w/specs/a/tasks.md'), true);
    assert.equal(isSpecPath('C:\\w\\specs\\a\\tasks.md'), true);
    assert.equal(isSpecPath('/w/specs/a/notes.md'), false);
    assert.equal(isSpecPath('/w/specs/a/my-tasks.md'), false);
    assert.equal(isSpecPath('/w/node_modules/x/tasks.md'), false);
    assert.equal(isSpecPath('/w/ralph-worktrees/1.2/specs/a/tasks.md'), false);
  });
});
