// The DAG webview panel: the page (webview/dag.ts, bundled with mermaid into media/) draws the
// graph; this side sends it the spec's graph after the page says it is ready, then status updates
// as RunEvents arrive, and follows edits of tasks.md. Data goes only through postMessage with the
// typed protocol in src/shared; the HTML holds nothing but our script and style URIs and a nonce.

import * as vscode from 'vscode';
import { readDagLayout } from './config';
import { Disposable } from './disposable';
import { randomBytes } from 'node:crypto';
import { buildDagGraph, type DagStatusUpdate } from '../core/graph';
import { dagHtml } from '../shared/dagHtml';
import { isWebviewToHost, type DagLayout, type DagPageState, type HostToWebview } from '../shared/protocol';
import type { Log } from './log';
import type { RunController } from './runs';
import type { SpecEntry, SpecRegistry } from './specs';

export const DAG_VIEW_TYPE = 'ralph.dag';
/** Plans follow edits, but a drawing takes a while: wait for the author to pause. */
const REDRAW_DELAY_MS = 400;

export class DagPanels extends Disposable {
  private readonly panels = new Map<string, DagPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly specs: SpecRegistry,
    private readonly runs: RunController,
    private readonly log: Log,
    private readonly reveal: (entry: SpecEntry, taskId: string) => Promise<void>,
  ) {
    super((error) => log.error('dag', 'disposing', error));
    this.trackAll(
      vscode.window.registerWebviewPanelSerializer(DAG_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const specPath = (state as Partial<DagPageState> | undefined)?.specPath;
          await this.specs.ready();
          const entry = this.specs.all().find((e) => e.displayPath === specPath || e.file === specPath) ?? this.specs.all()[0];
          if (!entry) {
            panel.dispose();
            return;
          }
          this.adopt(panel, entry);
        },
      }),
    );
  }

  /** Opens (or brings forward) the spec's DAG beside the editor. */
  show(entry: SpecEntry, focusTaskId?: string): DagPanel {
    let panel = this.panels.get(entry.file);
    if (panel) {
      panel.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(DAG_VIEW_TYPE, `DAG · ${entry.name}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
      panel = this.adopt(webviewPanel, entry);
    }
    if (focusTaskId !== undefined) panel.focus(focusTaskId);
    return panel;
  }

  get(entry: SpecEntry): DagPanel | undefined {
    return this.panels.get(entry.file);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')] };
  }

  private adopt(webviewPanel: vscode.WebviewPanel, entry: SpecEntry): DagPanel {
    webviewPanel.webview.options = this.options();
    webviewPanel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'ralph.svg');
    const panel = new DagPanel(webviewPanel, entry, this.extensionUri, this.specs, this.runs, this.log, this.reveal);
    this.panels.set(entry.file, panel);
    webviewPanel.onDidDispose(() => {
      if (this.panels.get(entry.file) === panel) this.panels.delete(entry.file);
      panel.dispose();
    });
    return panel;
  }

  override dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    super.dispose();
  }
}

export class DagPanel extends Disposable {
  private ready = false;
  private redrawTimer: NodeJS.Timeout | undefined;
  private pendingFocus: string | undefined;
  private drawnVersion = -1;
  /** Messages exchanged with the page, counted by type (for tests and the API). */
  readonly received = new Map<string, number>();
  readonly sent = new Map<string, number>();
  /** How the page says it lays graphs out (its last `ready`). */
  pageLayout: DagLayout | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly entry: SpecEntry,
    extensionUri: vscode.Uri,
    private readonly specs: SpecRegistry,
    private readonly runs: RunController,
    private readonly log: Log,
    private readonly reveal: (entry: SpecEntry, taskId: string) => Promise<void>,
  ) {
    super((error) => log.error('dag', 'disposing', error));
    const webview = panel.webview;
    const media = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', name)).toString();
    const load = (): void => {
      webview.html = dagHtml({ cspSource: webview.cspSource, nonce: randomBytes(18).toString('base64'), scriptUri: media('dag.js'), styleUri: media('dag.css'), layout: readDagLayout(entry.uri) });
    };
    load();
    this.trackAll(
      // Another layout: the page loads again (it keeps its view through its saved state) and says ready.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('ralph.dag.layout', entry.uri)) load();
      }),
      webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      specs.onDidChangePlan((changed) => {
        if (changed === entry) this.redrawSoon();
      }),
      runs.onDidChangeBoard((c) => {
        if (c.entry !== entry) return;
        // A whole board changed (a state file was read, a run began or ended): recolour all.
        // Otherwise the tasks that changed, as the board has them: the page shows what the tree
        // shows, durations and costs included.
        if (c.taskIds.length === 0) this.postAllStatuses();
        else this.postStatus(this.runs.board(entry).updatesFor(c.taskIds));
      }),
    );
  }

  focus(taskId: string): void {
    if (this.ready) this.post({ type: 'focus', taskId });
    else this.pendingFocus = taskId;
  }

  private post(message: HostToWebview): void {
    this.sent.set(message.type, (this.sent.get(message.type) ?? 0) + 1);
    void this.panel.webview.postMessage(message);
  }

  private postStatus(updates: readonly DagStatusUpdate[]): void {
    if (this.ready) this.post({ type: 'status', updates });
  }

  private postAllStatuses(): void {
    const snapshot = this.runs.board(this.entry).snapshot();
    this.postStatus(Object.entries(snapshot).map(([taskId, s]) => ({ taskId, ...s })));
  }

  private redrawSoon(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    this.redrawTimer = setTimeout(() => {
      this.redrawTimer = undefined;
      this.draw();
    }, REDRAW_DELAY_MS);
  }

  private draw(): void {
    const plan = this.entry.plan;
    if (!this.ready || !plan || this.entry.version === this.drawnVersion) return;
    this.drawnVersion = this.entry.version;
    this.post({ type: 'plan', graph: buildDagGraph(plan, { statuses: this.runs.board(this.entry).snapshot() }) });
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isWebviewToHost(message)) {
      this.log.warn('dag', `ignored a message the protocol does not know: ${JSON.stringify(message).slice(0, 200)}`);
      return;
    }
    this.received.set(message.type, (this.received.get(message.type) ?? 0) + 1);
    switch (message.type) {
      case 'ready':
        // Also after the page was reloaded (hidden and shown again): draw from scratch.
        this.ready = true;
        this.pageLayout = message.layout;
        this.drawnVersion = -1;
        if (!this.entry.plan) await this.specs.ensure(this.entry.uri);
        this.draw();
        if (this.pendingFocus !== undefined) {
          this.post({ type: 'focus', taskId: this.pendingFocus });
          this.pendingFocus = undefined;
        }
        return;
      case 'reveal':
        await this.reveal(this.entry, message.taskId);
        return;
      case 'exportSvg': {
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(vscode.Uri.file(this.entry.dir), `${this.entry.name}-dag.svg`),
          filters: { SVG: ['svg'] },
        });
        if (target) await vscode.workspace.fs.writeFile(target, Buffer.from(message.svg, 'utf8'));
        return;
      }
      case 'error':
        this.log.warn('dag', message.message);
        return;
    }
  }

  override dispose(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    super.dispose();
  }
}
