// The "Tasks" tree of the Ralph view container: specs → phases → tasks (Kiro sub-tasks under
// their parent), each task with a status icon (spinning while it runs), its duration, and the
// failure reason in the tooltip. Inline actions run, stop, retry, reveal and show the terminal.

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { TaskStatus } from '../core/status';
import { firstOfEachId, type Task } from '../core/model';
import { statusText } from '../core/board';
import { formatDuration } from '../core/duration';
import { formatUsage, formatUsageShort } from '../core/usage';
import type { RunController } from './runs';
import type { SpecEntry, SpecRegistry } from './specs';
import type { TaskTerminals } from './terminals';

export type RalphNode =
  | { readonly kind: 'spec'; readonly entry: SpecEntry }
  | { readonly kind: 'phase'; readonly entry: SpecEntry; readonly phaseIndex: number }
  | { readonly kind: 'task'; readonly entry: SpecEntry; readonly taskId: string };

/** A flat record of one tree item as drawn: what the integration tests read. */
export interface TreeItemSnapshot {
  readonly kind: RalphNode['kind'];
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly icon: string;
  readonly contextValue: string;
  readonly tooltip: string;
  readonly children: readonly TreeItemSnapshot[];
}

const ICONS: Record<TaskStatus, [string, string | undefined]> = {
  pending: ['circle-large-outline', undefined],
  queued: ['clock', 'ralph.taskRunningForeground'],
  running: ['loading~spin', 'ralph.taskRunningForeground'],
  retrying: ['debug-restart', 'ralph.taskRunningForeground'],
  succeeded: ['pass-filled', 'ralph.taskSucceededForeground'],
  failed: ['error', 'ralph.taskFailedForeground'],
  blocked: ['circle-slash', 'ralph.taskBlockedForeground'],
  cancelled: ['debug-stop', 'ralph.taskBlockedForeground'],
  skipped: ['debug-step-over', 'ralph.taskBlockedForeground'],
  done: ['check', 'ralph.taskSucceededForeground'],
};

export function statusIcon(status: TaskStatus): vscode.ThemeIcon {
  const [id, color] = ICONS[status];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

export class TasksTree extends Disposable implements vscode.TreeDataProvider<RalphNode> {
  private readonly changed = new vscode.EventEmitter<RalphNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<RalphNode>;
  private refreshTimer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly specs: SpecRegistry,
    private readonly runs: RunController,
    private readonly terminals: TaskTerminals,
  ) {
    super();
    this.view = vscode.window.createTreeView('ralph.tasks', { treeDataProvider: this, showCollapseAll: true });
    this.trackAll(
      this.changed,
      this.view,
      specs.onDidChangePlan(() => this.refreshSoon()),
      specs.onDidChangeSpecs(() => {
        this.refreshSoon();
        void vscode.commands.executeCommand('setContext', 'ralph.hasSpecs', specs.all().length > 0);
      }),
      runs.onDidChangeBoard(() => {
        this.refreshSoon();
        this.updateTicker();
      }),
    );
  }

  /** Many events arrive together (a batch finishing): draw once for all of them. */
  private refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
      this.updateBadge();
    }, 50);
  }

  /** Running tasks show a live duration: redraw each second while something runs. */
  private updateTicker(): void {
    if (this.runs.isRunning() && !this.ticker) {
      this.ticker = setInterval(() => this.refreshSoon(), 1000);
    } else if (!this.runs.isRunning() && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private updateBadge(): void {
    let running = 0;
    for (const entry of this.runs.runningEntries()) running += this.runs.board(entry).counts().running;
    this.view.badge = running > 0 ? { value: running, tooltip: `${running} task(s) running` } : undefined;
  }

  getChildren(node?: RalphNode): RalphNode[] {
    if (!node) return this.specs.all().map((entry) => ({ kind: 'spec', entry }));
    const spec = node.entry.plan?.spec;
    if (!spec) return [];
    const entry = node.entry;
    const top = firstOfEachId(spec.tasks).filter((t) => t.parentId === undefined);
    if (node.kind === 'spec') {
      const phased = spec.phases.length > 0;
      if (!phased) return top.map((t) => ({ kind: 'task', entry, taskId: t.id }));
      const loose = top.filter((t) => t.phaseIndex === undefined).map((t): RalphNode => ({ kind: 'task', entry, taskId: t.id }));
      const phases = spec.phases
        .map((_, phaseIndex): RalphNode => ({ kind: 'phase', entry, phaseIndex }))
        .filter((p) => p.kind === 'phase' && top.some((t) => t.phaseIndex === p.phaseIndex));
      return [...loose, ...phases];
    }
    if (node.kind === 'phase') return top.filter((t) => t.phaseIndex === node.phaseIndex).map((t) => ({ kind: 'task', entry, taskId: t.id }));
    return (entry.task(node.taskId)?.childIds ?? []).map((id) => ({ kind: 'task', entry, taskId: id }));
  }

  getParent(node: RalphNode): RalphNode | undefined {
    if (node.kind === 'spec') return undefined;
    if (node.kind === 'phase') return { kind: 'spec', entry: node.entry };
    const task = node.entry.task(node.taskId);
    if (task?.parentId !== undefined) return { kind: 'task', entry: node.entry, taskId: task.parentId };
    if (task?.phaseIndex !== undefined) return { kind: 'phase', entry: node.entry, phaseIndex: task.phaseIndex };
    return { kind: 'spec', entry: node.entry };
  }

  getTreeItem(node: RalphNode): vscode.TreeItem {
    switch (node.kind) {
      case 'spec':
        return this.specItem(node.entry);
      case 'phase':
        return this.phaseItem(node.entry, node.phaseIndex);
      case 'task':
        return this.taskItem(node.entry, node.taskId);
    }
  }

  private progressOf(entry: SpecEntry, tasks: readonly Task[]): string {
    const board = this.runs.board(entry);
    const leaves = tasks.filter((t) => t.childIds.length === 0);
    const done = leaves.filter((t) => {
      const s = board.entry(t.id, entry.plan?.spec).status;
      return s === 'done' || s === 'succeeded';
    }).length;
    const failed = leaves.filter((t) => board.entry(t.id).status === 'failed').length;
    return `${done}/${leaves.length}${failed ? ` · ${failed} failed` : ''}`;
  }

  private specItem(entry: SpecEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(entry.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `spec:${entry.file}`;
    const running = this.runs.isRunning(entry);
    const plan = entry.plan;
    const errors = plan?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
    item.description = plan ? `${running ? 'running · ' : ''}${this.progressOf(entry, plan.spec.tasks)}${errors ? ` · ${errors} plan error(s)` : ''}` : 'reading…';
    item.iconPath = running ? new vscode.ThemeIcon('sync~spin') : errors ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('checklist');
    item.tooltip = new vscode.MarkdownString(undefined, true);
    item.tooltip.appendText(`${entry.displayPath}\n`);
    if (plan) item.tooltip.appendText(`${plan.spec.tasks.length} tasks · ${plan.groups.length} parallel group(s) · ${plan.spec.format}`);
    item.contextValue = running ? 'spec.running' : 'spec';
    item.resourceUri = entry.uri;
    return item;
  }

  private phaseItem(entry: SpecEntry, phaseIndex: number): vscode.TreeItem {
    const spec = entry.plan?.spec;
    const phase = spec?.phases[phaseIndex];
    const item = new vscode.TreeItem(phase?.title ?? `Phase ${phaseIndex + 1}`, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `phase:${entry.file}#${phaseIndex}`;
    const tasks = spec?.tasks.filter((t) => t.phaseIndex === phaseIndex) ?? [];
    item.description = this.progressOf(entry, tasks);
    item.iconPath = new vscode.ThemeIcon('list-tree');
    item.contextValue = 'phase';
    if (phase) item.command = { command: 'ralph.revealLine', title: 'Reveal', arguments: [entry.uri, phase.range.start.line] };
    return item;
  }

  private taskItem(entry: SpecEntry, taskId: string): vscode.TreeItem {
    const spec = entry.plan?.spec;
    const task = entry.task(taskId);
    const state = this.runs.board(entry).entry(taskId, spec);
    const hasChildren = (task?.childIds.length ?? 0) > 0;
    const item = new vscode.TreeItem(`${taskId} ${task?.title ?? ''}`.trim(), hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `task:${entry.file}#${taskId}`;
    const markers = task?.markers.map((m) => `[${m.name}${m.arg ? ` ${m.arg}` : ''}]`).join(' ') ?? '';
    const status = statusText(state);
    const cost = state.status === 'running' ? undefined : formatUsageShort(state.usage);
    // Kiro `- [ ]*`: said on the item, as in the editor; runs skip it unless ralph.includeOptional.
    const optional = task?.optional ? 'optional' : '';
    // Where it runs, when not here: a container on this machine's engine or another's.
    const where = state.runner !== undefined ? `on ${state.runner}` : '';
    item.description = [markers, optional, status, where, cost].filter(Boolean).join('  ');
    item.iconPath = statusIcon(state.status);
    item.accessibilityInformation = { label: `Task ${taskId} ${task?.title ?? ''}${optional ? ', optional' : ''}, ${status || state.status}` };

    // Author and agent text goes in through appendText/appendCodeblock, which escape it.
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown('**').appendText(taskId).appendMarkdown('** ').appendText(task?.title ?? '').appendMarkdown('\n\n');
    if (optional) {
      const skipped = entry.plan?.skippedOptional?.includes(taskId) === true;
      tip.appendText(`Optional task: ${skipped ? 'runs of the spec skip it (ralph.includeOptional is off); Run Task runs it' : 'included in runs (ralph.includeOptional)'}`).appendMarkdown('\n\n');
    }
    tip.appendMarkdown(`$(${ICONS[state.status][0].replace('~spin', '')}) `).appendText(`${state.status}${state.attempt ? ` · attempt ${state.attempt}` : ''}${state.durationMs ? ` · ${formatDuration(state.durationMs)}` : ''}`).appendMarkdown('\n\n');
    const used = formatUsage(state.usage);
    if (used) tip.appendMarkdown('**Used:** ').appendText(used).appendMarkdown('\n\n');
    if (state.runner) tip.appendMarkdown('**Runs on:** ').appendText(state.runner).appendMarkdown('\n\n');
    if (state.logFile) tip.appendMarkdown('**Agent log:** ').appendText(state.logFile).appendMarkdown('\n\n');
    if (state.reason) {
      tip.appendMarkdown('**Why:**\n');
      tip.appendCodeblock(state.reason.slice(0, 2000), 'text');
    }
    if (task?.files.length) tip.appendMarkdown('**Files:** ').appendText(task.files.join(', ')).appendMarkdown('\n\n');
    if (task?.doText) tip.appendMarkdown('**Do:** ').appendText(task.doText.slice(0, 400)).appendMarkdown('\n\n');
    if (task?.verify) tip.appendMarkdown('**Verify:** ').appendText(task.verify);
    item.tooltip = tip;

    const running = state.status === 'running' || state.status === 'queued' || state.status === 'retrying';
    const runnable = !!task && !hasChildren && !task.done && !this.runs.isRunning(entry);
    const kind = running ? 'running' : state.status === 'failed' || state.status === 'blocked' || state.status === 'cancelled' ? 'failed' : runnable ? 'runnable' : 'idle';
    item.contextValue = `task.${kind}${this.terminals.has(entry, taskId) ? '.terminal' : ''}${state.logFile !== undefined ? '.log' : ''}`;
    item.command = { command: 'ralph.revealTask', title: 'Reveal in tasks.md', arguments: [entry.uri, taskId] };
    return item;
  }

  /** Reveals a task's item in the tree (from the editor or the DAG page). */
  async reveal(entry: SpecEntry, taskId: string): Promise<void> {
    await this.view.reveal({ kind: 'task', entry, taskId }, { select: true, focus: false, expand: true });
  }

  /** The tree as drawn, for tests and for the API. */
  async snapshot(node?: RalphNode): Promise<TreeItemSnapshot[]> {
    const out: TreeItemSnapshot[] = [];
    for (const child of this.getChildren(node)) {
      const item = this.getTreeItem(child);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : (item.tooltip ?? '');
      out.push({
        kind: child.kind,
        id: item.id ?? '',
        label,
        description: typeof item.description === 'string' ? item.description : '',
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '',
        contextValue: item.contextValue ?? '',
        tooltip,
        children: await this.snapshot(child),
      });
    }
    return out;
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.ticker) clearInterval(this.ticker);
    super.dispose();
  }
}
