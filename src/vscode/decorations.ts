// Decorations in tasks.md: each parallel group as a band (a tinted background and a bar at the
// left edge, in the contributed theme colours `ralph.parallelGroup*`), and each task's live status
// after its line (running 12 s, succeeded in 3.1 s, failed: reason, blocked by 1.2).

import * as vscode from 'vscode';
import type { TaskStatus } from '../core/status';
import { tasksById } from '../core/model';
import type { RunController } from './runs';
import { isSpecUri, type SpecEntry, type SpecRegistry } from './specs';
import { statusText } from '../core/board';

const STATUS_COLOR: Partial<Record<TaskStatus, string>> = {
  queued: 'ralph.taskRunningForeground',
  running: 'ralph.taskRunningForeground',
  retrying: 'ralph.taskRunningForeground',
  succeeded: 'ralph.taskSucceededForeground',
  failed: 'ralph.taskFailedForeground',
  blocked: 'ralph.taskBlockedForeground',
  cancelled: 'ralph.taskBlockedForeground',
};

const STATUS_GLYPH: Partial<Record<TaskStatus, string>> = {
  queued: '◷',
  running: '●',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  blocked: '⊘',
  cancelled: '■',
};

export class TaskDecorations implements vscode.Disposable {
  private readonly groupBand = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('ralph.parallelGroupBackground'),
    borderColor: new vscode.ThemeColor('ralph.parallelGroupBorder'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 3px',
    overviewRulerColor: new vscode.ThemeColor('ralph.parallelGroupBorder'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly statusTypes = new Map<TaskStatus, vscode.TextEditorDecorationType>();
  private readonly disposables: vscode.Disposable[] = [this.groupBand];
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly specs: SpecRegistry,
    private readonly runs: RunController,
  ) {
    for (const [status, color] of Object.entries(STATUS_COLOR) as [TaskStatus, string][]) {
      const type = vscode.window.createTextEditorDecorationType({
        after: { color: new vscode.ThemeColor(color), margin: '0 0 0 2em', fontStyle: 'italic' },
      });
      this.statusTypes.set(status, type);
      this.disposables.push(type);
    }
    this.disposables.push(
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
    const lines = editor.document.lineCount;
    const clamp = (line: number) => Math.max(0, Math.min(lines - 1, line));
    const byId = tasksById(plan.spec.tasks);

    const bands: vscode.DecorationOptions[] = [];
    for (const group of plan.groups) {
      const first = byId.get(group.taskIds[0] as string);
      const last = byId.get(group.taskIds[group.taskIds.length - 1] as string);
      if (!first || !last) continue;
      // To the last line with text in the last task's block, not the blank line after it.
      let end = clamp(last.ranges.block.end.line);
      if (last.ranges.block.end.character === 0 && end > last.ranges.line.start.line) end--;
      while (end > first.ranges.line.start.line && editor.document.lineAt(end).isEmptyOrWhitespace) end--;
      bands.push({
        range: new vscode.Range(clamp(first.ranges.line.start.line), 0, end, 0),
        hoverMessage: new vscode.MarkdownString().appendText(`Parallel group ${group.index + 1}: ${group.taskIds.join(', ')} run at the same time`),
      });
    }
    editor.setDecorations(this.groupBand, bands);

    const board = this.runs.board(entry);
    const perStatus = new Map<TaskStatus, vscode.DecorationOptions[]>();
    const now = Date.now();
    for (const task of plan.spec.tasks) {
      const state = board.entry(task.id, plan.spec);
      if (!this.statusTypes.has(state.status)) continue;
      const line = clamp(task.ranges.line.start.line);
      const end = editor.document.lineAt(line).range.end.character;
      const text = `${STATUS_GLYPH[state.status] ?? ''} ${statusText(state, now)}`.trim();
      const list = perStatus.get(state.status) ?? [];
      list.push({
        range: new vscode.Range(line, end, line, end),
        renderOptions: { after: { contentText: text } },
        ...(state.reason ? { hoverMessage: new vscode.MarkdownString().appendCodeblock(state.reason.slice(0, 2000), 'text') } : {}),
      });
      perStatus.set(state.status, list);
    }
    for (const [status, type] of this.statusTypes) editor.setDecorations(type, perStatus.get(status) ?? []);
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
  }
}
