// Runs, one per spec at a time: composes the scheduler (through src/node/runSession) with the
// settings, the user's consent and a cancellable progress notification, and republishes its
// RunEvents to the views. Each spec has a RunBoard that the views read; between runs it shows what the spec's
// `.ralph-state.json` says, including runs started from the CLI in a terminal.

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { join } from 'node:path';
import { RunBoard } from '../core/board';
import { formatDuration } from '../core/duration';
import { formatUsageShort } from '../core/usage';
import type { RunEvent, RunScope, RunSummary } from '../core/ports';
import { CancellationSource, prepareRun, RunSetupError, StoppableExecutor } from '../node/engine';
import { STATE_FILE_NAME } from '../core/state';
import { FileStateStore } from '../node/stores/state';
import { SpecLockedError } from '../node/stores/lock';
import { readSettings, SettingsError } from './config';
import { RunnerSpecError } from '../core/runners';
import { messageOf, type Log } from './log';
import type { SpecEntry, SpecRegistry } from './specs';

export interface BoardChange {
  readonly entry: SpecEntry;
  /** Tasks whose entry changed; empty when the whole board did (a state file was read). */
  readonly taskIds: readonly string[];
}

export interface RunEventWithSpec {
  readonly entry: SpecEntry;
  readonly event: RunEvent;
}

interface ActiveRun {
  readonly cancel: CancellationSource;
  readonly executor: { stop(taskId: string, starting: boolean): boolean };
  readonly done: Promise<RunSummary | undefined>;
}

/** What a spec shows before its state file is read: nothing ever applies events to it (a run
 *  starts from RunBoard.carryOver, into its own board). */
const EMPTY_BOARD = new RunBoard();

/** Why a run did not start: shown once, as the user's action's answer. */
export class RunRefused extends Error {}

export class RunController extends Disposable {
  private readonly boards = new Map<string, RunBoard>();
  /** Specs whose state file is being read. */
  private readonly loading = new Set<string>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly changeBoard = new vscode.EventEmitter<BoardChange>();
  private readonly runEvent = new vscode.EventEmitter<RunEventWithSpec>();
  readonly onDidChangeBoard = this.changeBoard.event;
  readonly onRunEvent = this.runEvent.event;

  constructor(
    private readonly specs: SpecRegistry,
    private readonly log: Log,
  ) {
    super((error) => log.error('runs', 'disposing', error));
    const stateWatcher = vscode.workspace.createFileSystemWatcher(`**/${STATE_FILE_NAME}`);
    const reload = (uri: vscode.Uri): void => {
      const entry = this.specs.all().find((e) => join(e.dir, STATE_FILE_NAME) === uri.fsPath);
      // While this window runs the spec, the board is ahead of the file.
      if (entry && !this.active.has(entry.file)) void this.loadBoard(entry);
    };
    this.trackAll(
      this.changeBoard,
      this.runEvent,
      stateWatcher,
      stateWatcher.onDidChange(reload),
      stateWatcher.onDidCreate(reload),
      stateWatcher.onDidDelete(reload),
      specs.onDidChangeSpecs(() => this.loadNewBoards()),
    );
    this.loadNewBoards();
    this.updateContext();
  }

  /** The spec's board, as the views read it. Reading starts nothing: the state file is read when
   *  the spec is found (and when it changes); until then the board is empty. */
  board(entry: SpecEntry): RunBoard {
    return this.boards.get(entry.file) ?? EMPTY_BOARD;
  }

  isRunning(entry?: SpecEntry): boolean {
    return entry ? this.active.has(entry.file) : this.active.size > 0;
  }

  runningEntries(): SpecEntry[] {
    return this.specs.all().filter((e) => this.active.has(e.file));
  }

  /** Reads the state file of each spec found since last time (once per spec). */
  private loadNewBoards(): void {
    for (const entry of this.specs.all()) {
      if (this.boards.has(entry.file) || this.loading.has(entry.file)) continue;
      this.loading.add(entry.file);
      void this.loadBoard(entry).finally(() => this.loading.delete(entry.file));
    }
  }

  /** Reads the spec's state file into its board (no run of it going in this window). */
  async loadBoard(entry: SpecEntry): Promise<void> {
    let board: RunBoard;
    try {
      board = RunBoard.fromState(await new FileStateStore(join(entry.dir, STATE_FILE_NAME)).load());
    } catch (error) {
      this.log.warn('runs', `${entry.displayPath}: ${messageOf(error)}`);
      board = new RunBoard();
    }
    if (this.active.has(entry.file)) return;
    this.boards.set(entry.file, board);
    this.changeBoard.fire({ entry, taskIds: [] });
    this.updateContext();
  }

  /**
   * Plans the spec as its file is now and runs the scope. Resolves with the summary when the run
   * ends (undefined when it never started: the user declined, the plan has errors…). Throws
   * RunRefused with a message for the user when the run cannot start.
   */
  async start(entry: SpecEntry, scope: RunScope): Promise<RunSummary | undefined> {
    if (!vscode.workspace.isTrusted) {
      throw new RunRefused('Ralph runs no agents and no Verify commands in an untrusted workspace. Trust this workspace to run the spec.');
    }
    if (this.active.has(entry.file)) throw new RunRefused(`${entry.displayPath} is already running. Stop it first.`);

    // The engine edits tasks.md on disk (check-offs): unsaved edits would fight with that.
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === entry.uri.toString());
    if (doc?.isDirty) {
      const save = 'Save and Run';
      const answer = await vscode.window.showWarningMessage(`${entry.displayPath} has unsaved changes. Ralph checks tasks off in the file as they finish.`, { modal: true }, save);
      if (answer !== save) return undefined;
      if (!(await doc.save())) throw new RunRefused(`${entry.displayPath} could not be saved.`);
    }
    if (doc) this.specs.planNow(doc);
    else await this.specs.ensure(entry.uri);
    const plan = entry.plan;
    if (!plan) throw new RunRefused(`${entry.displayPath} could not be read.`);
    if (plan.hasErrors) {
      const errors = plan.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0];
      throw new RunRefused(
        `${entry.displayPath} has ${errors.length} plan error(s); fix them first${first ? ` (line ${first.range.start.line + 1}: ${first.message})` : ''}. See the Problems panel.`,
      );
    }

    let settings;
    try {
      settings = readSettings(entry.uri);
    } catch (error) {
      if (error instanceof SettingsError) throw new RunRefused(error.message);
      throw error;
    }
    const folder = vscode.workspace.getWorkspaceFolder(entry.uri);
    let stoppable: StoppableExecutor | undefined;
    let prepared;
    try {
      prepared = await prepareRun({
        plan,
        specFile: entry.file,
        specDir: entry.dir,
        agent: settings.agent,
        maxConcurrent: settings.maxConcurrent,
        mode: settings.mode,
        commit: settings.commit,
        scope,
        maxTaskIterations: settings.maxTaskIterations,
        ...(settings.taskTimeoutMs !== undefined ? { taskTimeoutMs: settings.taskTimeoutMs } : {}),
        isolation: settings.isolation,
        worktreeInclude: settings.worktreeInclude,
        runners: settings.runners,
        container: settings.container,
        ...(settings.maxCostUsd !== undefined ? { maxCostUsd: settings.maxCostUsd } : {}),
        fallbackCwd: folder?.uri.fsPath ?? entry.dir,
        wrapExecutor: (inner) => (stoppable = new StoppableExecutor(inner)),
        log: (message) => this.log.info(`run ${entry.name}`, message),
      });
    } catch (error) {
      if (error instanceof RunSetupError) throw new RunRefused(`ralph.isolation: ${error.message}`);
      if (error instanceof RunnerSpecError) throw new RunRefused(`ralph.runners: ${error.message}`);
      throw error;
    }

    const cancel = new CancellationSource();
    // The last run's results stay visible for the tasks this run does not touch.
    const board = RunBoard.carryOver(this.boards.get(entry.file));
    this.boards.set(entry.file, board);
    const executor = { stop: (id: string, starting: boolean) => stoppable?.stop(id, starting) ?? false };
    const agentName = settings.agent.preset === 'custom' ? 'custom agent' : settings.agent.preset;
    this.log.info(
      `run ${entry.name}`,
      `${describeScope(scope)} of ${entry.displayPath} with ${agentName}, up to ${prepared.options.maxConcurrent} at once${settings.runners.length > 0 ? ` on ${prepared.runners.join(' + ')}` : ''}, ${settings.mode} mode, ${prepared.isolation === 'worktree' ? 'a worktree per task' : 'shared working tree'}, commits: ${settings.commit}`,
    );

    const onEvent = (event: RunEvent): void => {
      const changed = board.apply(event);
      if (settings.trace && event.type !== 'taskOutput') this.log.trace(`run ${entry.name}`, JSON.stringify(event));
      if (event.type === 'taskFinished' && event.status === 'failed' && event.willRetry !== true) {
        this.log.warn(`run ${entry.name}`, `${event.taskId} failed: ${event.reason ?? 'no reason given'}`);
      }
      if (event.type === 'batchCommitted') this.log.info(`run ${entry.name}`, `committed ${event.commit.slice(0, 8)} for ${event.taskIds.join(', ')}`);
      if (event.type === 'runHalted') {
        // Said once for the run, not once per task: nothing else starts until it is fixed.
        this.log.warn(`run ${entry.name}`, `no new task starts: ${event.reason}`);
        void vscode.window.showWarningMessage(`Ralph: ${entry.name}: no new task starts. ${event.reason}`, 'Show Log').then((choice) => {
          if (choice === 'Show Log') void vscode.commands.executeCommand('ralph.showLog');
        });
      }
      this.runEvent.fire({ entry, event });
      if (changed.length > 0 || event.type === 'runStarted' || event.type === 'runFinished') this.changeBoard.fire({ entry, taskIds: changed });
      if (event.type === 'runStarted' || event.type === 'runFinished' || event.type === 'taskFinished') this.updateContext();
    };

    const done = (async (): Promise<RunSummary | undefined> => {
      try {
        return await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Ralph: ${entry.name}`, cancellable: true },
          async (progress, token) => {
            token.onCancellationRequested(() => cancel.cancel());
            let last = 0;
            const report = vscode.Disposable.from(
              this.onDidChangeBoard((c) => {
                if (c.entry !== entry) return;
                const n = board.counts();
                const finished = n.finished;
                const increment = n.inRun > 0 ? ((finished - last) / n.inRun) * 100 : 0;
                last = finished;
                progress.report({ message: `${finished}/${n.inRun} done · ${n.running} running${n.failed ? ` · ${n.failed} failed` : ''}`, increment });
              }),
            );
            try {
              return await prepared.run(cancel.token, onEvent);
            } finally {
              report.dispose();
            }
          },
        );
      } catch (error) {
        if (error instanceof SpecLockedError) throw new RunRefused(error.message);
        throw error;
      } finally {
        cancel.dispose();
        this.active.delete(entry.file);
        this.changeBoard.fire({ entry, taskIds: [] });
        this.updateContext();
      }
    })();
    this.active.set(entry.file, { cancel, executor, done });
    this.updateContext();
    const summary = await done;
    if (summary) this.announce(entry, summary, cancel.token.isCancellationRequested);
    return summary;
  }

  /** Stops the spec's run (every run when no spec is given). */
  stop(entry?: SpecEntry): boolean {
    const targets = entry ? [this.active.get(entry.file)].filter((x): x is ActiveRun => x !== undefined) : [...this.active.values()];
    for (const run of targets) run.cancel.cancel();
    return targets.length > 0;
  }

  stopTask(entry: SpecEntry, taskId: string): boolean {
    const run = this.active.get(entry.file);
    if (!run) return false;
    // Started on the board but maybe still setting up its worktree: stopped as its agent starts.
    return run.executor.stop(taskId, this.board(entry).entry(taskId).status === 'running');
  }

  /** Resolves when the spec's run (if any) has ended. */
  async settled(entry: SpecEntry): Promise<void> {
    await this.active.get(entry.file)?.done.catch(() => undefined);
  }

  private announce(entry: SpecEntry, summary: RunSummary, cancelled: boolean): void {
    const parts = [`${summary.succeeded} succeeded`];
    if (summary.failed) parts.push(`${summary.failed} failed`);
    if (summary.blocked) parts.push(`${summary.blocked} blocked`);
    if (summary.cancelled) parts.push(`${summary.cancelled} cancelled`);
    const cost = formatUsageShort(summary.usage);
    const text = `Ralph: ${entry.name} ${cancelled || summary.haltReason ? 'stopped' : 'finished'}: ${parts.join(', ')} in ${formatDuration(summary.elapsedMs)}${cost ? ` · ${cost}` : ''}.`;
    this.log.info(`run ${entry.name}`, text);
    if (summary.failed > 0) {
      void vscode.window.showWarningMessage(text, 'Retry Failed', 'Show Tasks').then((choice) => {
        if (choice === 'Retry Failed') void vscode.commands.executeCommand('ralph.retryFailed', entry.uri);
        if (choice === 'Show Tasks') void vscode.commands.executeCommand('ralph.tasks.focus');
      });
    } else {
      void vscode.window.showInformationMessage(text);
    }
  }

  private updateContext(): void {
    const hasFailed = [...this.boards.values()].some((b) => b.failedIds().length > 0);
    void vscode.commands.executeCommand('setContext', 'ralph.running', this.active.size > 0);
    void vscode.commands.executeCommand('setContext', 'ralph.hasFailed', hasFailed);
  }

  override dispose(): void {
    for (const run of this.active.values()) run.cancel.cancel();
    super.dispose();
  }
}

export function describeScope(scope: RunScope): string {
  switch (scope.kind) {
    case 'spec':
      return 'all open tasks';
    case 'group':
      return `parallel group ${scope.groupIndex + 1}`;
    case 'task':
      return `task ${scope.taskId}`;
    case 'retryFailed':
      return 'the failed tasks';
  }
}
