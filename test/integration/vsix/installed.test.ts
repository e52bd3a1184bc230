// The smoke tests against Ralph as users install it: the VSIX that `npm run package` makes,
// installed with the server's --install-extension (scripts/test-integration.mjs, "vsix" window),
// not this folder. The window's extension under development is an empty stand-in
// (test/integration/fixtures/empty-extension), which only carries these tests.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, api, demoSpec, lensesOf, screenshot, waitFor } from '../helpers';

describe('Ralph installed from the VSIX', function () {
  this.timeout(120_000);

  // A picture (test/integration/screenshots/<version>-vsix-installed.png): the spec, its DAG and
  // the Tasks view of the installed Ralph, in the remote window.
  after(async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(demoSpec()), vscode.ViewColumn.One);
    await vscode.commands.executeCommand('ralph.showDag', demoSpec()).then(undefined, () => undefined);
    await vscode.commands.executeCommand('ralph.tasks.focus').then(undefined, () => undefined);
    // An editor shown again draws the lenses it had cached, and asks for new ones a moment later.
    await new Promise((r) => setTimeout(r, 2_000));
    await screenshot('installed');
  });

  it('is the installed copy: in the extensions folder, production build, nothing but what runs', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    const root = ext.extensionUri.fsPath;
    assert.match(root, /\/extensions\/ralph-dev\.ralph-\d+\.\d+\.\d+$/, `loaded from ${root}`);
    assert.ok(existsSync(join(root, 'dist', 'extension.js')));
    for (const absent of ['src', 'test', 'node_modules', 'dist/extension.js.map', 'tsconfig.json']) {
      assert.ok(!existsSync(join(root, absent)), `${absent} is in the installed extension`);
    }
    assert.equal(process.env.RALPH_IT_INSTALLED_FROM?.endsWith('.vsix'), true, 'the runner installed a VSIX');
  });

  it('activated by itself on the workspace that holds a tasks.md (workspaceContains)', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    await waitFor('Ralph active without being asked', () => ext?.isActive || undefined);
  });

  it('shows the spec in the Tasks tree', async () => {
    const ralph = await api();
    const tree = await waitFor('the demo spec in the tree', async () => (await ralph.treeSnapshot()).find((s) => s.label === 'text-helpers'));
    assert.equal(tree.kind, 'spec');
    assert.deepEqual(tree.children[0]?.children.map((t) => t.label).slice(0, 2), ['1.1 Lay out the package', '1.2 Write the slug helper']);
  });

  it('plans the spec (CodeLens) and draws the DAG (ralph.showDag: the page loads, asks, gets the plan)', async () => {
    const ralph = await api();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(demoSpec()));
    const titles = await waitFor('the Run group lens', async () => {
      const t = (await lensesOf(demoSpec())).map((l) => l.title);
      return t.some((x) => /Run group/.test(x)) ? t : undefined;
    });
    assert.ok(titles.some((x) => /Show DAG/.test(x)), titles.join(' | '));
    assert.equal(await vscode.commands.executeCommand('ralph.showDag', demoSpec()), 'specs/text-helpers/tasks.md');
    await waitFor('ready, then a plan from the installed page (media/dag.js)', () => {
      const m = ralph.dagMessages(demoSpec());
      return m && (m.received.get('ready') ?? 0) >= 1 && (m.sent.get('plan') ?? 0) >= 1 && (m.received.get('error') ?? 0) === 0 ? true : undefined;
    }, 60_000, () => {
      const m = ralph.dagMessages(demoSpec());
      return m && { received: [...m.received], sent: [...m.sent] };
    });
  });

  it('runs a task with the bundled demo agent (examples/demo-agent.mjs inside the VSIX)', async () => {
    const summary = await vscode.commands.executeCommand<{ succeeded: number }>('ralph.runTask', demoSpec(), '1.1');
    assert.equal(summary?.succeeded, 1, JSON.stringify(summary));
  });
});

// Also the activation checks (every declared command registered, the host beside the files).
import '../activation.test';
