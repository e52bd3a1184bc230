// A status bar item with the run's counts: spinning while agents work, then the outcome of the
// last run until the next one starts. Clicking it opens the Ralph tree.

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { RunController } from './runs';
import { formatUsage, formatUsageShort } from '../core/usage';
import type { SpecEntry } from './specs';

export class RunStatusBar extends Disposable {
  private readonly item = this.track(vscode.window.createStatusBarItem('ralph.run', vscode.StatusBarAlignment.Left, 50));
  private last: SpecEntry | undefined;

  constructor(private readonly runs: RunController) {
    super();
    this.item.name = 'Ralph run';
    this.item.command = 'ralph.tasks.focus';
    this.trackAll(
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
}
