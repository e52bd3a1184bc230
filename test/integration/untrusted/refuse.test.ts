// In Restricted Mode Ralph still reads and checks tasks.md, but runs nothing: no agent, no Verify
// command, no terminal, no state file.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { api, demoSpec, lensesOf, waitFor } from '../helpers';

describe('untrusted workspace: nothing runs', function () {
  this.timeout(60_000);

  it('offers no Run lenses, says why, and still plans the spec', async () => {
    await api();
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor('CodeLens in Restricted Mode', async () => {
      const l = await lensesOf(doc.uri);
      return l.length > 0 ? l : undefined;
    });
    const titles = lenses.map((l) => l.title);
    assert.ok(titles.some((t) => /Untrusted workspace/.test(t)), titles.join('\n'));
    assert.ok(titles.some((t) => /Show DAG/.test(t)), titles.join('\n'));
    assert.equal(lenses.filter((l) => /^ralph\.run/.test(l.command)).length, 0, titles.join('\n'));
  });

  it('refuses Run Spec, Run Group and Run Task: no terminal, no state file', async () => {
    const before = vscode.window.terminals.length;
    for (const [command, args] of [
      ['ralph.runSpec', [demoSpec()]],
      ['ralph.runGroup', [demoSpec(), 0]],
      ['ralph.runTask', [demoSpec(), '1.1']],
    ] as const) {
      assert.equal(await vscode.commands.executeCommand(command, ...args), undefined, `${command} returned a run summary`);
    }
    assert.equal(vscode.window.terminals.length, before);
    assert.equal(existsSync(vscode.Uri.joinPath(demoSpec(), '..', '.ralph-state.json').fsPath), false);
    const ralph = await api();
    assert.equal(ralph.taskStatus(demoSpec(), '1.1')?.status, 'pending');
  });
});
