// Runs in a window whose folder is NOT trusted (Restricted Mode; see TRUST_SETTINGS in
// scripts/vscode-host/host.mjs). These check the premise every test of this folder relies on.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('untrusted workspace', () => {
  it('opens the folder in Restricted Mode', () => {
    assert.ok(vscode.workspace.workspaceFolders?.length, 'the window has no folder open');
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('still activates ralph-dev.ralph (it declares limited support for untrusted workspaces)', async () => {
    const ext = vscode.extensions.getExtension('ralph-dev.ralph');
    assert.ok(ext, 'ralph-dev.ralph is not among the installed extensions');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });
});
