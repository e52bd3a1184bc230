// Smoke test in a real VS Code: the extension is there, activates, and registers every command its
// package.json declares (a declared command with no handler shows in the palette and fails on use;
// the idea is vscode-pull-request-github's check-commands test).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'ralph-dev.ralph';

interface DeclaredCommand {
  command: string;
}

describe('activation', () => {
  it(`finds ${EXTENSION_ID} and activates it`, async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among the installed extensions`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command declared in contributes.commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among the installed extensions`);
    await ext.activate();
    const declared = ((ext.packageJSON as { contributes?: { commands?: DeclaredCommand[] } }).contributes?.commands ?? []).map(
      (c) => c.command,
    );
    assert.ok(declared.length > 0, 'package.json declares no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `declared in package.json but not registered: ${missing.join(', ')}`);
  });
});
