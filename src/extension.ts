// The composition root: builds the services, registers each feature, and hands VS Code the
// disposables. No feature logic lives here.

import * as vscode from 'vscode';
import type { RunEvent } from './core/ports';
import type { BoardEntry } from './core/board';
import type { DagLayout } from './shared/protocol';
import { Log, messageOf } from './vscode/log';
import { SpecRegistry, isSpecUri } from './vscode/specs';
import { RunController } from './vscode/runs';
import { TaskTerminals } from './vscode/terminals';
import { TasksTree, type TreeItemSnapshot } from './vscode/tree';
import { RalphCodeLens, SPEC_SELECTOR } from './vscode/codeLens';
import { PlanDiagnostics } from './vscode/diagnostics';
import { ParallelMarkerActions } from './vscode/codeActions';
import { TaskDecorations } from './vscode/decorations';
import { RunStatusBar } from './vscode/statusBar';
import { DagPanels } from './vscode/dagPanel';
import { registerCommands, revealTask } from './vscode/commands';

/** What the extension offers other extensions and its own integration tests. */
export interface RalphApi {
  /** The Tasks tree as drawn: labels, descriptions, icons, context values. */
  treeSnapshot(): Promise<TreeItemSnapshot[]>;
  /** A task's status on its spec's board. */
  taskStatus(specUri: vscode.Uri, taskId: string): BoardEntry | undefined;
  /** Every RunEvent of every run in this window. */
  readonly onRunEvent: vscode.Event<{ readonly specUri: vscode.Uri; readonly event: RunEvent }>;
  /** Resolves once the workspace's specs have been found and planned. */
  ready(): Promise<void>;
  /** Messages between the host and a spec's DAG page, counted by type (ready, reveal / plan, status). */
  dagMessages(specUri: vscode.Uri): { readonly received: ReadonlyMap<string, number>; readonly sent: ReadonlyMap<string, number>; readonly layout: DagLayout | undefined } | undefined;
}

export function activate(context: vscode.ExtensionContext): RalphApi {
  const log = new Log();
  try {
    const specs = new SpecRegistry(log);
    const runs = new RunController(specs, log);
    const terminals = new TaskTerminals(runs);
    const tree = new TasksTree(specs, runs, terminals);
    const codeLens = new RalphCodeLens(specs, runs);
    const dag = new DagPanels(context.extensionUri, specs, runs, log, (entry, taskId) => revealTask(specs, entry, taskId));
    context.subscriptions.push(
      log,
      specs,
      runs,
      terminals,
      tree,
      codeLens,
      vscode.languages.registerCodeLensProvider(SPEC_SELECTOR, codeLens),
      new PlanDiagnostics(specs),
      vscode.languages.registerCodeActionsProvider(SPEC_SELECTOR, new ParallelMarkerActions(specs), ParallelMarkerActions.metadata),
      new TaskDecorations(specs, runs),
      new RunStatusBar(runs),
      dag,
      registerCommands({ specs, runs, terminals, tree, dag, log }),
      trackSpecEditor(),
    );
    const ready = specs.ready().catch((error: unknown) => log.error('specs', 'could not look for specs', error));
    log.info('activate', `Ralph ${context.extension.packageJSON.version as string} in ${vscode.env.appName} ${vscode.version}${vscode.workspace.isTrusted ? '' : ' (untrusted workspace: nothing runs)'}`);
    return {
      treeSnapshot: () => tree.snapshot(),
      taskStatus: (uri, id) => {
        const entry = specs.get(uri);
        return entry ? runs.board(entry).entry(id, entry.plan?.spec) : undefined;
      },
      onRunEvent: (listener, thisArg, disposables) => runs.onRunEvent(({ entry, event }) => listener.call(thisArg, { specUri: entry.uri, event }), undefined, disposables),
      ready: () => ready,
      dagMessages: (uri) => {
        const entry = specs.get(uri);
        const panel = entry ? dag.get(entry) : undefined;
        return panel ? { received: panel.received, sent: panel.sent, layout: panel.pageLayout } : undefined;
      },
    };
  } catch (error) {
    // VS Code says nothing when activation throws: say it, with the stack in the log.
    log.error('activate', 'Ralph could not start', error);
    void vscode.window.showErrorMessage(`Ralph could not start: ${messageOf(error)}`, 'Show Log').then((a) => {
      if (a) log.show();
    });
    throw error;
  }
}

/** `ralph.editorIsSpec`: palette entries that act on the open tasks.md. */
function trackSpecEditor(): vscode.Disposable {
  const update = (editor: vscode.TextEditor | undefined) =>
    void vscode.commands.executeCommand('setContext', 'ralph.editorIsSpec', editor !== undefined && isSpecUri(editor.document.uri));
  update(vscode.window.activeTextEditor);
  return vscode.window.onDidChangeActiveTextEditor(update);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; running agents are stopped by RunController.dispose.
}
