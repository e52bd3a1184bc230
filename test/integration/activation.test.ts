// Smoke test in a real VS Code: the extension is there, activates, and registers every command its
// package.json declares (a declared command with no handler shows in the palette and fails on use;
// the idea is vscode-pull-request-github's check-commands test).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { api, demoSpec, lensesOf, waitFor } from './helpers';

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

  // The run engine (scheduler, agents, worktrees, runners) is dist/engine.js, loaded by the first
  // run (run.test.ts checks that side): a spec's first view — CodeLens, problems, the tree, the
  // DAG — is drawn without it.
  it('draws the first view of a spec without loading the run engine', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const ralph = await api();
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    await vscode.window.showTextDocument(doc);
    await waitFor('the Run group lens', async () => (await lensesOf(doc.uri)).find((l) => l.title.includes('Run group')));
    await waitFor('the tree', async () => ((await ralph.treeSnapshot()).some((s) => s.children.length > 0) ? true : undefined));
    await vscode.commands.executeCommand('ralph.showDag', doc.uri);
    const loaded = (file: string): boolean => require.cache[join(ext.extensionPath, 'dist', file)] !== undefined;
    assert.equal(loaded('extension.js'), true, `dist/extension.js is in require.cache (${ext.extensionPath})`);
    assert.equal(loaded('engine.js'), false, 'dist/engine.js is not loaded before a run');
  });

  // code-server is itself a remote setup: the workbench runs in the browser, the extension host
  // on the server, next to the folder. extensionKind ["workspace"] puts Ralph there, as in a
  // Remote-SSH, WSL, Dev Container or Codespaces window; there it reads tasks.md, runs git and
  // spawns agents on the machine that holds the files.
  it('runs in the extension host beside the files (extensionKind workspace, a remote window)', async function () {
    if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) {
      // test/integration/runElectron.mjs: a desktop window with no remote, where every extension is local.
      this.skip();
    }
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    assert.equal(vscode.env.uiKind, vscode.UIKind.Web, 'the workbench runs in the browser');
    assert.ok(vscode.env.remoteName, `a remote window (remoteName ${vscode.env.remoteName})`);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace, 'Ralph runs in the workspace (remote) extension host');
    assert.equal(ext.extensionUri.scheme, 'file', `loaded from this host's disk: ${ext.extensionUri.toString()}`);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.equal(folder?.scheme, 'file', `the folder is a path on this host: ${folder?.toString()}`);
    // The files are on this process's disk: node's fs reads the spec the window shows.
    const tasks = join(folder.fsPath, 'specs', 'text-helpers', 'tasks.md');
    assert.ok(existsSync(tasks), `${tasks} is on the extension host's disk`);
    assert.match(readFileSync(tasks, 'utf8'), /- \[[ x]\] 1\.1 /);
    console.log(`[ralph-it]     (extension host: ${process.platform}, node ${process.version}, remoteName ${vscode.env.remoteName}, VS Code ${vscode.version})`);
  });
});
