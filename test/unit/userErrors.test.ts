// Which errors are the user's to fix (shown plainly, with the file) and which are Ralph's bugs
// ("internal error", the log): decided by class in one place for the CLI and the extension.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateError } from '../../src/core/state';
import { reportError } from '../../src/node/cli/main';
import { GitMissingError, NoSpaceError } from '../../src/node/environment';
import { InputError } from '../../src/node/specFiles';
import { SpecLockedError } from '../../src/node/stores/lock';
import { FileStateStore } from '../../src/node/stores/state';
import { userProblem } from '../../src/node/userErrors';

describe('userProblem: the user\'s errors, by class', () => {
  it('names the file and line of a spec or state file that cannot be read', () => {
    assert.deepEqual(userProblem(new InputError('Unexpected token', 'specs/a/tasks.json', 3)), { message: 'specs/a/tasks.json:3: Unexpected token', file: 'specs/a/tasks.json', line: 3 });
    const state = userProblem(new StateError('not a valid state file', '/r/specs/a/.ralph-state.json', { line: 7, column: 2 }));
    assert.deepEqual([state?.file, state?.line], ['/r/specs/a/.ralph-state.json', 7]);
  });

  it('says a held spec and a machine problem without a file', () => {
    assert.match(userProblem(new SpecLockedError('/r/specs/a/.ralph-run.lock', 42))?.message ?? '', /another Ralph run \(pid 42\)/);
    assert.match(userProblem(new GitMissingError('spawn git ENOENT'))?.message ?? '', /git is not installed/);
    assert.match(userProblem(new NoSpaceError('/r/x', 'ENOSPC'))?.message ?? '', /no space left on device while writing \/r\/x/);
  });

  it('leaves Ralph\'s own bugs to the log — an error merely named like a user error included', () => {
    assert.equal(userProblem(new TypeError('x is undefined')), undefined);
    const impostor = new Error('looks like one');
    impostor.name = 'StateError';
    assert.equal(userProblem(impostor), undefined);
  });

  it('the CLI prints a bad state file as the user\'s problem (exit 2), not an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ralph-user-error-'));
    try {
      writeFileSync(join(dir, '.ralph-state.json'), '{ "taskIndex": ');
      let caught: unknown;
      try {
        await new FileStateStore(dir).load();
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof StateError, String(caught));
      let err = '';
      const stderr = new PassThrough();
      stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = reportError(caught, { stdout: new PassThrough(), stderr, cwd: dir, env: {} });
      assert.equal(code, 2);
      assert.doesNotMatch(err, /internal error/, err);
      assert.match(err, /^ralph: .*state/, err);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
