// CodeLens in tasks.md: "Run spec" and "Show DAG" at the top, "Run group (N tasks)" above the
// first task of each parallel group, "Run task" on the other runnable tasks ("Run optional task"
// on Kiro's `- [ ]*` tasks, which spec runs skip unless ralph.includeOptional); while the spec runs,
// "Stop" (and "Stop task" on running tasks); after failures, "Retry failed".

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Plan } from '../core/model';
import { formatMinutes } from '../core/duration';
import type { RunController } from './runs';
import { isSpecUri, type SpecRegistry } from './specs';

export const SPEC_SELECTOR: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/tasks.md' }];

export class RalphCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly specs: SpecRegistry,
    private readonly runs: RunController,
  ) {
    super();
    this.trackAll(
      this.changed,
      specs.onDidChangePlan(() => this.changed.fire()),
      // Only what the lenses show: a run starting or ending, a task starting or failing.
      runs.onRunEvent(({ event }) => {
        if (event.type === 'runStarted' || event.type === 'runFinished' || event.type === 'taskStarted' || event.type === 'taskFinished') this.changed.fire();
      }),
      runs.onDidChangeBoard((c) => {
        if (c.taskIds.length === 0) this.changed.fire();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('editor.accessibilitySupport')) this.changed.fire();
      }),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isSpecUri(document.uri)) return [];
    // Drawing only reads: the plan the registry keeps. While the author types it may be a
    // keystroke behind for up to REPLAN_DELAY_MS; the new plan fires onDidChangePlan, which asks
    // for the lenses again.
    const entry = this.specs.get(document.uri);
    const plan = entry?.plan;
    if (!entry || !plan || plan.spec.tasks.length === 0) return [];
    const uri = document.uri;
    const running = this.runs.isRunning(entry);
    const board = this.runs.board(entry);
    const trusted = vscode.workspace.isTrusted;
    const lenses: vscode.CodeLens[] = [];
    const at = (line: number) => new vscode.Range(line, 0, line, 0);
    // A screen reader reads an icon by its name ("run-all Run group"): with VS Code's screen
    // reader mode on, the titles are words only.
    const words = vscode.workspace.getConfiguration('editor', document).get('accessibilitySupport') === 'on';
    const lens = (line: number, title: string, command: string, args: unknown[], tooltip?: string) =>
      lenses.push(new vscode.CodeLens(at(line), { title: words ? withoutIcons(title) : title, command, arguments: args, ...(tooltip ? { tooltip } : {}) }));

    const topLine = firstContentLine(plan);
    const open = openTasks(plan);
    if (running) {
      const n = board.counts();
      lens(topLine, '$(debug-stop) Stop', 'ralph.stop', [uri], 'Stop the agents of this run; the state is saved and a later run resumes');
      lens(topLine, `$(sync~spin) ${n.finished}/${n.inRun} done · ${n.running} running${n.failed ? ` · ${n.failed} failed` : ''}`, 'ralph.tasks.focus', []);
    } else if (trusted) {
      lens(topLine, `$(run-all) Run spec (${open} task${open === 1 ? '' : 's'})`, 'ralph.runSpec', [uri], 'Run every open task, in parallel where the plan allows');
      const failed = board.failedIds().length;
      if (failed > 0) lens(topLine, `$(debug-rerun) Retry failed (${failed})`, 'ralph.retryFailed', [uri]);
    } else {
      lens(topLine, '$(shield) Untrusted workspace: Ralph runs nothing here', 'workbench.trust.manage', []);
    }
    lens(topLine, '$(type-hierarchy) Show DAG', 'ralph.showDag', [uri]);
    const e = plan.estimate;
    if (e.serialMinutes > 0) {
      lens(topLine, `≈ ${formatMinutes(e.scheduleMinutes)} with ${e.maxConcurrent} agents (${formatMinutes(e.serialMinutes)} one by one)`, '', [], 'Estimated from the tasks\' Estimate fields; tasks without one count as the default');
    }

    const containers = new Set(plan.containers ?? []);
    const skipped = new Set(plan.skippedOptional ?? []);
    const groupStarts = new Map(plan.groups.map((g) => [g.taskIds[0], g] as const));
    const seen = new Set<string>();
    for (const task of plan.spec.tasks) {
      if (seen.has(task.id)) continue;
      seen.add(task.id);
      const line = task.ranges.line.start.line;
      const state = board.entry(task.id, plan.spec).status;
      if (running) {
        if (state === 'running') lens(line, '$(debug-stop) Stop task', 'ralph.stopTask', [uri, task.id]);
        continue;
      }
      if (!trusted) continue;
      const group = groupStarts.get(task.id);
      if (group) {
        const left = group.taskIds.filter((id) => !entry.task(id)?.done).length;
        if (left > 0) lens(line, `$(run-all) Run group (${group.taskIds.length} tasks)`, 'ralph.runGroup', [uri, group.index], `Run parallel group ${group.index + 1}: ${group.taskIds.join(', ')}`);
      }
      if (task.done || containers.has(task.id)) continue;
      if (task.optional) {
        const tip = skipped.has(task.id)
          ? 'Optional task (- [ ]*): runs of the spec skip it (setting ralph.includeOptional); this runs it alone'
          : 'Optional task (- [ ]*): included in runs of the spec (setting ralph.includeOptional); this runs it alone';
        lens(line, state === 'failed' ? '$(debug-rerun) Run optional task again' : '$(play) Run optional task', 'ralph.runTask', [uri, task.id], tip);
        continue;
      }
      lens(line, state === 'failed' ? '$(debug-rerun) Run task again' : '$(play) Run task', 'ralph.runTask', [uri, task.id]);
    }
    return lenses;
  }
}

/** A title without its `$(icon)`s. */
export function withoutIcons(title: string): string {
  return title.replace(/\$\([^)\s]*\)\s*/g, '').trim();
}

function firstContentLine(plan: Plan): number {
  const first = plan.spec.tasks[0]?.ranges.line.start.line ?? 0;
  const heading = plan.spec.phases[0]?.range.start.line;
  // Above the first phase heading, or the first task when there is no heading before it.
  return heading !== undefined && heading < first ? heading : first;
}

/** What "Run spec" would run: not done, not a container, not a skipped optional task. */
function openTasks(plan: Plan): number {
  const containers = new Set(plan.containers ?? []);
  const skipped = new Set(plan.skippedOptional ?? []);
  return plan.spec.tasks.filter((t) => !t.done && !containers.has(t.id) && !skipped.has(t.id)).length;
}
