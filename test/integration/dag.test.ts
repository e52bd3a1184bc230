// The DAG panel in a real host: opened by the command, the page's ready handshake, the plan sent
// after it, a new plan after an edit of tasks.md, status messages while a task runs, another
// layout (`ralph.dag.layout`) taken up by the open page.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunSummary } from '../../src/core/ports';
import { api, demoSpec, lineOf, waitFor, resetWorkspace, withSetting } from './helpers';

describe('the DAG panel', function () {
  this.timeout(120_000);
  before(resetWorkspace);

  it('opens beside the editor, handshakes, gets the plan, follows edits and runs', async () => {
    const ralph = await api();
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    assert.equal(await vscode.commands.executeCommand('ralph.showDag', demoSpec()), 'specs/text-helpers/tasks.md');
    const tab = await waitFor('the DAG tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'DAG · text-helpers'));
    assert.ok(tab.input instanceof vscode.TabInputWebview, 'a webview tab');
    assert.match(tab.input.viewType, /ralph\.dag$/);
    assert.notEqual(tab.group.viewColumn, vscode.ViewColumn.One, 'beside the editor, not over it');

    // Nothing is posted before the page says it is ready; then the plan.
    const messages = await waitFor('ready, then a plan', () => {
      const m = ralph.dagMessages(demoSpec());
      return m && (m.received.get('ready') ?? 0) >= 1 && (m.sent.get('plan') ?? 0) >= 1 ? m : undefined;
    });
    const plans = messages.sent.get('plan') ?? 0;

    // An edit of tasks.md: a new plan is sent (debounced), without a save.
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await editor.edit((e) => e.insert(new vscode.Position(lineOf(doc, '1.5 [VERIFY]'), 0), '- [ ] 1.45 [P] One more helper\n\n'));
    await waitFor('a new plan after the edit', () => ((ralph.dagMessages(demoSpec())?.sent.get('plan') ?? 0) > plans ? true : undefined));
    await vscode.commands.executeCommand('undo');
    await doc.save();

    // A run: status messages, no new drawing for them.
    const plansBefore = ralph.dagMessages(demoSpec())?.sent.get('plan') ?? 0;
    const statusBefore = ralph.dagMessages(demoSpec())?.sent.get('status') ?? 0;
    const summary = await vscode.commands.executeCommand<RunSummary>('ralph.runTask', demoSpec(), '1.1');
    assert.equal(summary?.succeeded, 1, JSON.stringify(summary));
    const after = await waitFor('status messages', () => {
      const m = ralph.dagMessages(demoSpec());
      return m && (m.sent.get('status') ?? 0) >= statusBefore + 2 ? m : undefined;
    });
    // tasks.md changed on disk (1.1 checked off): at most one new drawing for that, none per event.
    assert.ok((after.sent.get('plan') ?? 0) <= plansBefore + 1, JSON.stringify([...after.sent]));
    assert.equal(after.received.get('error') ?? 0, 0, 'the page reported no error');
  });

  it('takes up another ralph.dag.layout while open: the page loads again with it and gets the plan again', async () => {
    const ralph = await api();
    await vscode.commands.executeCommand('ralph.showDag', demoSpec());
    const before = await waitFor('the page ready', () => {
      const m = ralph.dagMessages(demoSpec());
      return m && (m.received.get('ready') ?? 0) >= 1 && (m.sent.get('plan') ?? 0) >= 1 ? { ready: m.received.get('ready') ?? 0, plans: m.sent.get('plan') ?? 0, layout: m.layout } : undefined;
    });
    assert.equal(before.layout, 'ralph', 'the page lays out with its own layout by default');
    const restore = await withSetting('dag.layout', 'dagre');
    try {
      const seen = () => {
        const m = ralph.dagMessages(demoSpec());
        return { ready: m?.received.get('ready') ?? 0, plans: m?.sent.get('plan') ?? 0, layout: m?.layout, errors: m?.received.get('error') ?? 0 };
      };
      const dagre = await waitFor('the page again, with dagre', () => {
        const s = seen();
        return s.ready > before.ready && s.plans > before.plans && s.layout === 'dagre' ? s : undefined;
      }, 30_000, seen);
      await restore();
      await waitFor('the page again, with its own layout', () => {
        const s = seen();
        return s.ready > dagre.ready && s.plans > dagre.plans && s.layout === 'ralph' ? s : undefined;
      }, 30_000, seen);
      assert.equal(seen().errors, 0, 'the page reported no error');
    } finally {
      await restore();
    }
  });
});
