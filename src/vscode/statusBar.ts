// A status bar item with the run's counts: spinning while agents work, then the outcome of the
// last run until the next one starts. Clicking it opens the Ralph tree.

import * as vscode from 'vscode';
import type { RunController } from './runs';
import { formatUsage, formatUsageShort } from '../core/usage';
import type { SpecEntry } from './specs';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ralph.run', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private last: SpecEntry | undefined;

  constructor(private readonly runs: RunController) {
    this.item.name = 'Ralph run';
    this.item.command = 'ralph.tasks.focus';
    this.disposables.push(
      runs.onRunEvent(({ entry, event }) => {
        if (event.type === 'runStarted') this.last = entry;
      }),
      runs.onDidChangeBoard(({ entry }) => {
        if (entry === this.last || this.runs.isRunning(entry)) this.render();
      }),
    );
  }

  private render(): void {
    const running = this.runs.runningEntries();
    const entry = running[0] ?? this.last;
    if (!entry) {
      this.item.hide();
      return;
    }
    const board = this.runs.board(entry);
    const n = board.counts();
    const usage = board.totalUsage();
    const cost = formatUsageShort(usage);
    const others = running.length > 1 ? ` (+${running.length - 1} spec${running.length > 2 ? 's' : ''})` : '';
    if (running.length > 0) {
      this.item.text = `$(sync~spin) Ralph ${n.finished}/${n.inRun}${n.running ? ` · ${n.running} running` : ''}${n.failed ? ` · $(error) ${n.failed}` : ''}${cost ? ` · ${cost}` : ''}${others}`;
      this.item.backgroundColor = undefined;
    } else {
      const bad = n.failed + n.blocked;
      this.item.text = `${bad ? '$(error)' : '$(pass)'} Ralph ${n.succeeded}/${n.inRun}${n.failed ? ` · ${n.failed} failed` : ''}${n.blocked ? ` · ${n.blocked} blocked` : ''}${cost ? ` · ${cost}` : ''}`;
      this.item.backgroundColor = n.failed ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    }
    const used = formatUsage(usage);
    this.item.tooltip = `${entry.displayPath}: ${n.succeeded} succeeded, ${n.failed} failed, ${n.blocked} blocked, ${n.running} running, ${n.queued} waiting${used ? `\nAgents used: ${used}` : ''}`;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
