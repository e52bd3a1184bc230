// Ralph in a Dev Container's shape (scripts/test-integration.mjs, "container" window): the VS Code
// server, so the extension host, runs in a Docker container of a plain Debian image with the
// workspace mounted, the browser outside; Ralph is installed from the VSIX into that server. The
// installed copy's smoke tests run here as they do in the "vsix" window, plus what shows where the
// extension host is: in the container, with the container's git, and a run's work on the branch.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, workspaceRoot } from '../helpers';
import '../vsix/installed.test';

describe('Ralph in a container (a Dev Container)', function () {
  this.timeout(120_000);

  it('runs in the container the VS Code server runs in, beside the mounted workspace', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext?.isActive, 'Ralph is active');
    // Another root file system than the runner's: another mount namespace (the runner passes its own).
    const runnerNs = process.env.RALPH_IT_RUNNER_MOUNT_NS;
    assert.ok(runnerNs, 'the runner passed its mount namespace');
    assert.notEqual(readlinkSync('/proc/self/ns/mnt'), runnerNs, 'the extension host sees another file system than the runner');
    assert.ok(process.env.RALPH_IT_CONTAINER_IMAGE, 'the runner named the image');
    // The container's own system: Debian's release file from the image, the git it ships.
    assert.match(readFileSync('/etc/os-release', 'utf8'), /Debian/);
    assert.match(execFileSync('git', ['--version'], { encoding: 'utf8' }), /^git version/);
    assert.ok(vscode.env.remoteName, 'a remote window');
    assert.ok(existsSync(workspaceRoot().fsPath), 'the workspace is mounted where the window says it is');
    console.log(`[ralph-it]     (container: image ${process.env.RALPH_IT_CONTAINER_IMAGE}, ${readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="([^"]+)"/)?.[1]}, node ${process.version})`);
  });

  it("commits the task's work with the container's git: the run left it on the branch", () => {
    // The smoke tests ran task 1.1 with the demo agent; its commit is on the workspace's branch.
    const log = execFileSync('git', ['log', '--format=%s'], { cwd: workspaceRoot().fsPath, encoding: 'utf8' });
    assert.match(log, /package|1\.1/i, log);
  });
});
