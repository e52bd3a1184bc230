// Decorations in tasks.md: each parallel group as a band (a tinted background and a bar at the
// left edge, in the contributed theme colours `ralph.parallelGroup*`), and each task's live status
// after its line (running 12 s, succeeded in 3.1 s, failed: reason, blocked by 1.2).

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { taskDecorations, type DecoratedStatus } from '../core/taskDecorations';
import type { RunController } from './runs';
import { isSpecUri, type SpecEntry, type SpecRegistry } from './specs';

const STATUS_COLOR: Readonly<Record<DecoratedStatus, string>> = {
  queued: 'ralph.taskRunningForeground',
  running: 'ralph.taskRunningForeground',
  retrying: 'ralph.taskRunningForeground',
  succeeded: 'ralph.taskSucceededForeground',
  failed: 'ralph.taskFailedForeground',
  blocked: 'ralph.taskBlockedForeground',
  cancelled: 'ralph.taskBlockedForeground',
};

export class TaskDecorations extends Disposable {
  private readonly groupBand = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('ralph.parallelGroupBackground'),
    borderColor: new vscode.ThemeColor('ralph.parallelGroupBorder'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 3px',
    overviewRulerColor: new vscode.ThemeColor('ralph.parallelGroupBorder'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly statusTypes = new Map<DecoratedStatus, vscode.TextEditorDecorationType>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly specs: SpecRegistry,
    private readonly runs: RunController,
  ) {
    super();
    this.track(this.groupBand);
    for (const [status, color] of Object.entries(STATUS_COLOR) as [DecoratedStatus, string][]) {
      const type = vscode.window.createTextEditorDecorationType({
        after: { color: new vscode.ThemeColor(color), margin: '0 0 0 2em', fontStyle: 'italic' },
      });
      this.statusTypes.set(status, type);
      this.track(type);
    }
    this.trackAll(
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      specs.onDidChangePlan((entry) => this.renderSpec(entry)),
      runs.onDidChangeBoard(({ entry }) => {
        this.renderSpec(entry);
        this.updateTicker();
      }),
    );
    this.renderAll();
  }

  /** Running tasks show a live duration. */
  private updateTicker(): void {
    if (this.runs.isRunning() && !this.ticker) this.ticker = setInterval(() => this.renderRunning(), 1000);
    else if (!this.runs.isRunning() && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private renderRunning(): void {
    for (const entry of this.runs.runningEntries()) this.renderSpec(entry);
  }

  renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (!isSpecUri(editor.document.uri)) continue;
      const entry = this.specs.get(editor.document.uri);
      if (entry) this.render(editor, entry);
    }
  }

  private renderSpec(entry: SpecEntry): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === entry.uri.toString()) this.render(editor, entry);
    }
  }

  private render(editor: vscode.TextEditor, entry: SpecEntry): void {
    const plan = entry.plan;
    if (!plan) return;
    const document = editor.document;
    const { bands, marks } = taskDecorations(plan, this.runs.board(entry), { lineCount: document.lineCount, isBlank: (line) => document.lineAt(line).isEmptyOrWhitespace }, Date.now());
    editor.setDecorations(
      this.groupBand,
      bands.map((b) => ({ range: new vscode.Range(b.startLine, 0, b.endLine, 0), hoverMessage: new vscode.MarkdownString().appendText(b.hover) })),
    );
    const perStatus = new Map<DecoratedStatus, vscode.DecorationOptions[]>();
    for (const mark of marks) {
      const end = document.lineAt(mark.line).range.end.character;
      const list = perStatus.get(mark.status) ?? [];
      list.push({
        range: new vscode.Range(mark.line, end, mark.line, end),
        renderOptions: { after: { contentText: mark.text } },
        ...(mark.reason ? { hoverMessage: new vscode.MarkdownString().appendCodeblock(mark.reason.slice(0, 2000), 'text') } : {}),
      });
      perStatus.set(mark.status, list);
    }
    for (const [status, type] of this.statusTypes) editor.setDecorations(type, perStatus.get(status) ?? []);
  }

  override dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    super.dispose();
  }
}
