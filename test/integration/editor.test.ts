// tasks.md in a real editor: CodeLens, Problems, the Tasks tree, and all of them following edits,
// saves, reverts and changes made on disk.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { api, demoSpec, lensesOf, lineOf, waitFor, workspaceRoot, resetWorkspace } from './helpers';

const BROKEN = `# Tasks

## Phase 1: Broken on purpose

- [ ] 1.1 First
  - **Do**: start
  - **Files**: \`a.txt\`

- [ ] 1.2 [P] Second
  - **Files**: \`shared.txt\`
  - **Depends**: 1.9

- [ ] 1.3 [P] Third
  - **Files**: \`shared.txt\`

- [ ] 1.1 Same id again
  - **Do**: clash
`;

function codes(uri: vscode.Uri): string[] {
  return vscode.languages
    .getDiagnostics(uri)
    .map((d) => String(typeof d.code === 'object' ? d.code.value : d.code))
    .sort();
}

describe('tasks.md in the editor', function () {
  this.timeout(120_000);
  before(resetWorkspace);

  it('shows Run spec, Show DAG, Run group above the first task of a group, and Run task', async () => {
    await api();
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor('CodeLens on the demo spec', async () => {
      const l = await lensesOf(doc.uri);
      return l.some((x) => x.title.includes('Run group')) ? l : undefined;
    });
    const titles = lenses.map((l) => `${l.line + 1}: ${l.title}`);
    const group = lenses.find((l) => l.title.includes('Run group'));
    assert.equal(group?.title, '$(run-all) Run group (3 tasks)', titles.join('\n'));
    assert.equal(group?.line, lineOf(doc, '1.2 [P] Write the slug helper'), titles.join('\n'));
    assert.deepEqual(group?.args.slice(1), [0]);
    assert.ok(lenses.some((l) => l.command === 'ralph.runSpec' && /Run spec \(10 tasks\)/.test(l.title)), titles.join('\n'));
    assert.ok(lenses.some((l) => l.command === 'ralph.showDag'), titles.join('\n'));
    const runTask = lenses.filter((l) => l.command === 'ralph.runTask');
    assert.ok(runTask.some((l) => l.line === lineOf(doc, '1.1 Lay out the package')), titles.join('\n'));
    assert.equal(runTask.length, 10, titles.join('\n'));
  });

  it('titles its CodeLenses with words only when VS Code\'s screen reader mode is on (an icon is read out by its name)', async () => {
    await api();
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    await vscode.window.showTextDocument(doc);
    const group = async () => (await lensesOf(doc.uri)).find((l) => l.command === 'ralph.runGroup')?.title;
    assert.equal(await waitFor('the Run group lens', group), '$(run-all) Run group (3 tasks)');
    const editor = vscode.workspace.getConfiguration('editor');
    await editor.update('accessibilitySupport', 'on', vscode.ConfigurationTarget.Workspace);
    try {
      const titles = (await lensesOf(doc.uri)).map((l) => l.title);
      assert.ok(titles.includes('Run group (3 tasks)') && titles.includes('Show DAG'), titles.join(' | '));
      assert.deepEqual(titles.filter((t) => t.includes('$(')), [], 'no icon in any title');
    } finally {
      await editor.update('accessibilitySupport', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.equal(await group(), '$(run-all) Run group (3 tasks)');
  });

  it('follows an edit in the buffer: a fourth [P] task grows the group, undo shrinks it again', async () => {
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    const editor = await vscode.window.showTextDocument(doc);
    const at = lineOf(doc, '1.5 [VERIFY]');
    await editor.edit((e) => e.insert(new vscode.Position(at, 0), '- [ ] 1.45 [P] One more helper\n  - **Files**: `src/more.js`\n\n'));
    await waitFor('Run group (4 tasks)', async () => (await lensesOf(doc.uri)).find((l) => l.title.includes('Run group (4 tasks)')));
    await vscode.commands.executeCommand('undo');
    await waitFor('Run group (3 tasks) after undo', async () => (await lensesOf(doc.uri)).find((l) => l.title.includes('Run group (3 tasks)')));
    assert.equal(doc.isDirty, false, 'undo brings the buffer back to the saved text');
  });

  it('reports cycles, unknown dependencies, duplicate ids and overlapping [P] files in Problems, and clears them as the author fixes the file', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'specs', 'broken', 'tasks.md');
    mkdirSync(dirname(uri.fsPath), { recursive: true });
    writeFileSync(uri.fsPath, BROKEN);
    await (await api()).ready();
    // Found from disk by the file watcher, before anyone opens it.
    const found = await waitFor('diagnostics of a spec nobody opened', () => {
      const c = codes(uri);
      return c.includes('duplicate-id') && c.includes('unknown-dependency') ? c : undefined;
    });
    assert.ok(found.includes('parallel-file-overlap'), found.join(', '));
    const dup = vscode.languages.getDiagnostics(uri).find((d) => d.code === 'duplicate-id');
    assert.equal(dup?.source, 'ralph');
    assert.equal(dup?.range.start.line, 15, `the second 1.1 is on line 16: ${JSON.stringify(dup?.range)}`);
    assert.ok(dup?.relatedInformation?.some((r) => r.location.range.start.line === 4), 'links to the first 1.1');

    // Typing fixes one problem at a time; Problems follows without a save.
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(doc.lineAt(15).range, '- [ ] 1.4 A new id'));
    await waitFor('duplicate-id gone', () => (!codes(uri).includes('duplicate-id') ? true : undefined));
    assert.ok(codes(uri).includes('unknown-dependency'), codes(uri).join(', '));
    // Revert: the file on disk is the spec again.
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('duplicate-id back after revert', () => (codes(uri).includes('duplicate-id') ? true : undefined));

    // A change on disk (an agent, git) while the file is open and clean.
    writeFileSync(uri.fsPath, BROKEN.replace('  - **Depends**: 1.9\n', '').replace('- [ ] 1.1 Same id again', '- [ ] 1.4 Same id again'));
    await waitFor('problems follow the file on disk', () => {
      const c = codes(uri);
      return !c.includes('unknown-dependency') && !c.includes('duplicate-id') ? c : undefined;
    });
    // A cycle written by hand.
    writeFileSync(uri.fsPath, '# Tasks\n\n- [ ] 1.1 A\n  - **Depends**: 1.2\n\n- [ ] 1.2 B\n  - **Depends**: 1.1\n');
    await waitFor('a dependency cycle', () => (codes(uri).includes('dependency-cycle') ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('offers quick fixes for a [P] with no effect: mark the neighbour [P] too, or remove it', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'specs', 'lone', 'tasks.md');
    mkdirSync(dirname(uri.fsPath), { recursive: true });
    writeFileSync(uri.fsPath, '# Tasks\n\n- [ ] 1.1 [P] Parser\n  - **Files**: `parse.js`\n\n- [ ] 1.2 Printer\n  - **Files**: `print.js`\n');
    await (await api()).ready();
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const hint = await waitFor('the [P] hint', () => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'parallel-no-effect'));
    assert.equal(hint.severity, vscode.DiagnosticSeverity.Hint);
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, hint.range)) ?? [];
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Mark 1.2 [P] too, to run it beside 1.1'), titles.join('\n'));
    const remove = actions.find((a) => a.title === 'Remove the [P] of 1.1 (it has no effect)');
    assert.ok(remove?.edit && remove.isPreferred, titles.join('\n'));
    await vscode.workspace.applyEdit(remove.edit);
    assert.equal(doc.lineAt(2).text, '- [ ] 1.1 Parser');
    await waitFor('the hint gone', () => (!codes(uri).includes('parallel-no-effect') ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('lists specs → phases → tasks in the Tasks tree', async () => {
    const ralph = await api();
    const tree = await waitFor('the demo spec in the tree', async () => (await ralph.treeSnapshot()).find((s) => s.label === 'text-helpers'));
    assert.equal(tree.kind, 'spec');
    const phases = tree.children.map((c) => c.label);
    assert.ok(phases.length >= 2 && phases.every((p) => /^Phase \d/.test(p)), phases.join(' | '));
    const first = tree.children[0]?.children.map((t) => t.label) ?? [];
    assert.deepEqual(first.slice(0, 2), ['1.1 Lay out the package', '1.2 Write the slug helper']);
    const item = tree.children[0]?.children[1];
    assert.equal(item?.description, '[P]');
    assert.equal(item?.icon, 'circle-large-outline');
    assert.equal(item?.contextValue, 'task.runnable');
  });

  it('reveals a task in tasks.md', async () => {
    await vscode.commands.executeCommand('ralph.revealTask', demoSpec(), '1.3');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, demoSpec().fsPath);
    assert.equal(editor?.selection.active.line, lineOf(editor.document, '1.3 [P] Write the word counter'));
    assert.equal(editor?.document.getText(editor.selection), '1.3');
  });
});
