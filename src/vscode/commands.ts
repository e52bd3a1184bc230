// Every command of the extension in one table, registered in one loop and wrapped once: a failure
// is logged with its stack and shown to the user, never lost in the developer console.

import * as vscode from 'vscode';
import { rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { RunScope, RunSummary } from '../core/ports';
import { STATE_FILE_NAME } from '../core/state';
import { cleanLeftovers, describeLeftover, leftoverName, unfinishedDependencies } from '../node/engine';
import { loadSpec } from '../node/specFiles';
import { userProblem } from '../node/userErrors';
import { messageOf, type Log } from './log';
import { RunRefused, type RunController } from './runs';
import { isSpecUri, type SpecEntry, type SpecRegistry } from './specs';
import type { TaskTerminals } from './terminals';
import type { RalphNode, TasksTree } from './tree';
import type { DagPanels } from './dagPanel';
import { checkConfiguredAgent } from './checkAgent';

export interface CommandServices {
  readonly specs: SpecRegistry;
  readonly runs: RunController;
  readonly terminals: TaskTerminals;
  readonly tree: TasksTree;
  readonly dag: DagPanels;
  readonly log: Log;
}

type Handler = (...args: unknown[]) => unknown;

/** A command argument: a spec's Uri (CodeLens), a tree node, or nothing (palette). */
function isNode(value: unknown): value is RalphNode {
  return typeof value === 'object' && value !== null && 'kind' in value && 'entry' in value;
}

/** The task an argument pair means: a tree node of a task, or (spec Uri, task id) from a CodeLens. */
function taskIdOf(arg: unknown, taskArg: unknown): string | undefined {
  if (isNode(arg) && arg.kind === 'task') return arg.taskId;
  return typeof taskArg === 'string' ? taskArg : undefined;
}

export function registerCommands(s: CommandServices): vscode.Disposable {
  const { specs, runs, terminals, tree, dag, log } = s;

  /** The spec an argument means, without asking: a tree node's, or a known spec's Uri. */
  function knownSpec(arg: unknown): SpecEntry | undefined {
    return isNode(arg) ? arg.entry : arg instanceof vscode.Uri ? specs.get(arg) : undefined;
  }

  /** The spec an argument means; else the active editor's; else the only one; else ask. */
  async function pickSpec(arg: unknown, purpose: string): Promise<SpecEntry | undefined> {
    if (isNode(arg)) return arg.entry;
    if (arg instanceof vscode.Uri) {
      const entry = await specs.ensure(arg);
      if (!entry) throw new RunRefused(`${vscode.workspace.asRelativePath(arg)} is not a tasks.md`);
      return entry;
    }
    const editor = vscode.window.activeTextEditor;
    if (editor && isSpecUri(editor.document.uri)) return specs.planNow(editor.document);
    await specs.ready();
    const all = specs.all();
    if (all.length === 1) return all[0];
    if (all.length === 0) {
      void vscode.window.showInformationMessage('Ralph found no tasks.md in this workspace.', 'Open tasks.md…').then((a) => {
        if (a) void vscode.commands.executeCommand('ralph.openSpecFile');
      });
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      all.map((entry) => ({
        label: entry.name,
        description: entry.displayPath,
        detail: entry.plan ? `${entry.plan.spec.tasks.filter((t) => !t.done).length} open of ${entry.plan.spec.tasks.length} tasks · ${entry.plan.groups.length} parallel group(s)${runs.isRunning(entry) ? ' · running' : ''}` : undefined,
        entry,
      })),
      { title: `Ralph: ${purpose}`, placeHolder: 'Which spec?', matchOnDescription: true },
    );
    return picked?.entry;
  }

  /** The task the cursor is in, for palette commands in an open tasks.md. */
  function taskAtCursor(entry: SpecEntry): string | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.toString() !== entry.uri.toString()) return undefined;
    const line = editor.selection.active.line;
    return entry.plan?.spec.tasks.find((t) => t.ranges.block.start.line <= line && line <= t.ranges.block.end.line)?.id;
  }

  async function run(entry: SpecEntry | undefined, scope: RunScope): Promise<RunSummary | undefined> {
    if (!entry) return undefined;
    return runs.start(entry, scope);
  }

  /** What the scope waits for that is not done (the scheduler's own relation): run now, the
   *  scope's tasks would only be reported blocked. File order. */
  function missingFor(entry: SpecEntry, scope: RunScope): string[] {
    const plan = entry.plan;
    if (!plan) return [];
    const board = runs.board(entry);
    return unfinishedDependencies(plan, scope, (id) => {
      const status = board.entry(id, plan.spec).status;
      return status === 'done' || status === 'succeeded';
    });
  }

  /** Asks whether to run what the scope waits for first; undefined when the user cancels. */
  async function withDependencies(entry: SpecEntry, scope: RunScope, what: string, option: unknown): Promise<boolean | undefined> {
    if (typeof option === 'object' && option !== null && 'withDependencies' in option) return (option as { withDependencies: unknown }).withDependencies === true;
    // Nothing runs there anyway: no question first (the run is refused with the reason).
    if (!vscode.workspace.isTrusted) return false;
    const missing = missingFor(entry, scope);
    if (missing.length === 0) return false;
    const shown = missing.length > 4 ? `${missing.slice(0, 4).join(', ')} and ${missing.length - 4} more` : missing.join(', ');
    const first = `Run ${missing.length === 1 ? missing[0] : `${missing.length} Tasks`} First`;
    const answer = await vscode.window.showWarningMessage(
      `${what} waits for ${shown}, not done yet.`,
      { modal: true, detail: `Run ${missing.length === 1 ? 'it' : 'them'} first (in dependency order), then ${what.toLowerCase()}? Otherwise nothing can start.` },
      first,
    );
    return answer === first ? true : undefined;
  }

  async function pickTask(entry: SpecEntry, title: string, filter: (id: string) => boolean): Promise<string | undefined> {
    const tasks = entry.plan?.spec.tasks.filter((t) => filter(t.id)) ?? [];
    const picked = await vscode.window.showQuickPick(
      tasks.map((t) => ({ label: t.id, description: t.title, id: t.id })),
      { title, placeHolder: 'Which task?', matchOnDescription: true },
    );
    return picked?.id;
  }

  const commands: Record<string, Handler> = {
    'ralph.runSpec': async (arg) => run(await pickSpec(arg, 'Run Spec'), { kind: 'spec' }),

    'ralph.runGroup': async (arg, groupArg, option) => {
      const entry = await pickSpec(arg, 'Run Group');
      if (!entry?.plan) return undefined;
      const plan = entry.plan;
      let index = typeof groupArg === 'number' ? groupArg : undefined;
      if (index === undefined) {
        const here = taskAtCursor(entry);
        index = plan.groups.find((g) => here !== undefined && g.taskIds.includes(here))?.index;
      }
      if (index === undefined) {
        if (plan.groups.length === 0) throw new RunRefused(`${entry.displayPath} has no parallel groups (consecutive [P] tasks).`);
        const picked = await vscode.window.showQuickPick(
          plan.groups.map((g) => ({ label: `Group ${g.index + 1}`, description: g.taskIds.join(', '), index: g.index })),
          { title: 'Ralph: Run Group', placeHolder: 'Which parallel group?' },
        );
        index = picked?.index;
      }
      if (index === undefined) return undefined;
      const group = plan.groups[index];
      if (!group) throw new RunRefused(`${entry.displayPath} has no parallel group ${index + 1}.`);
      const deps = await withDependencies(entry, { kind: 'group', groupIndex: index }, `Parallel group ${index + 1} (${group.taskIds.join(', ')})`, option);
      if (deps === undefined) return undefined;
      return run(entry, { kind: 'group', groupIndex: index, withDependencies: deps });
    },

    'ralph.runTask': async (arg, taskArg, option) => {
      const entry = await pickSpec(arg, 'Run Task');
      if (!entry?.plan) return undefined;
      const plan = entry.plan;
      let id = taskIdOf(arg, taskArg) ?? taskAtCursor(entry);
      id ??= await pickTask(entry, 'Ralph: Run Task', (t) => !entry.task(t)?.done);
      if (id === undefined) return undefined;
      if (!plan.taskIds.includes(id)) throw new RunRefused(`${entry.displayPath} has no task ${id}.`);
      const deps = await withDependencies(entry, { kind: 'task', taskId: id }, `Task ${id}`, option);
      if (deps === undefined) return undefined;
      return run(entry, { kind: 'task', taskId: id, withDependencies: deps });
    },

    'ralph.retryFailed': async (arg) => {
      const entry = await pickSpec(arg, 'Retry Failed');
      if (!entry) return undefined;
      if (runs.board(entry).failedIds().length === 0) {
        void vscode.window.showInformationMessage(`Ralph: no failed tasks in ${entry.displayPath}.`);
        return undefined;
      }
      return run(entry, { kind: 'retryFailed' });
    },

    'ralph.stop': async (arg) => {
      const entry = knownSpec(arg);
      const stopped = runs.stop(entry);
      if (!stopped) void vscode.window.showInformationMessage('Ralph: nothing is running.');
      return stopped;
    },

    'ralph.stopTask': async (arg, taskArg) => {
      const entry = knownSpec(arg);
      const id = taskIdOf(arg, taskArg);
      if (!entry || id === undefined) return false;
      return runs.stopTask(entry, id);
    },

    'ralph.showDag': async (arg, taskArg) => {
      const entry = await pickSpec(arg, 'Show DAG');
      if (!entry) return undefined;
      if (!entry.plan) await specs.ensure(entry.uri);
      const id = taskIdOf(arg, taskArg);
      dag.show(entry, id);
      return entry.displayPath;
    },

    'ralph.revealTask': async (arg, taskArg) => {
      const entry = isNode(arg) ? arg.entry : arg instanceof vscode.Uri ? await specs.ensure(arg) : undefined;
      const id = taskIdOf(arg, taskArg);
      if (!entry || id === undefined) return undefined;
      await revealTask(specs, entry, id);
      return id;
    },

    'ralph.revealLine': async (arg, lineArg) => {
      if (!(arg instanceof vscode.Uri) || typeof lineArg !== 'number') return;
      const editor = await vscode.window.showTextDocument(arg, { preview: false });
      const pos = new vscode.Position(lineArg, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    },

    'ralph.showTerminal': async (arg, taskArg) => {
      const entry = knownSpec(arg);
      const id = taskIdOf(arg, taskArg);
      if (!entry || id === undefined) return false;
      const shown = terminals.show(entry, id);
      if (!shown) void vscode.window.showInformationMessage(`Ralph: task ${id} has not run in this window.`);
      return shown;
    },

    'ralph.openAgentLog': async (arg, taskArg) => {
      const entry = knownSpec(arg);
      const id = taskIdOf(arg, taskArg);
      if (!entry || id === undefined) return undefined;
      const logFile = runs.board(entry).entry(id).logFile;
      if (logFile === undefined) {
        void vscode.window.showInformationMessage(`Ralph: task ${id} has no agent log yet.`);
        return undefined;
      }
      return vscode.window.showTextDocument(vscode.Uri.file(logFile), { preview: true });
    },

    'ralph.openStateFile': async (arg) => {
      const entry = await pickSpec(arg, 'Open State File');
      if (!entry) return undefined;
      const uri = vscode.Uri.file(join(entry.dir, STATE_FILE_NAME));
      try {
        await vscode.workspace.fs.stat(uri);
      } catch {
        void vscode.window.showInformationMessage(`Ralph: ${entry.displayPath} has no ${STATE_FILE_NAME} yet; it is written when a run starts.`);
        return undefined;
      }
      await vscode.window.showTextDocument(uri, { preview: true });
      return uri.fsPath;
    },

    'ralph.resetState': async (arg) => {
      const entry = await pickSpec(arg, 'Reset State');
      if (!entry) return false;
      if (runs.isRunning(entry)) throw new RunRefused(`${entry.displayPath} is running; stop it before resetting its state.`);
      const uri = vscode.Uri.file(join(entry.dir, STATE_FILE_NAME));
      const reset = 'Reset State';
      const answer = await vscode.window.showWarningMessage(
        `Forget the run state of ${entry.displayPath}? Task results, attempts and the resume point go (to the trash where there is one); tasks.md, your files and commits stay as they are.`,
        { modal: true },
        reset,
      );
      if (answer !== reset) return false;
      try {
        await vscode.workspace.fs.delete(uri, { useTrash: true });
      } catch {
        // No trash on this system (a server, a container): the file goes for good, as asked.
        await rm(uri.fsPath, { force: true });
      }
      await runs.loadBoard(entry);
      log.info('state', `reset ${uri.fsPath}`);
      return true;
    },

    'ralph.cleanWorktrees': async (arg) => {
      const entry = await pickSpec(arg, 'Clean Worktrees');
      if (!entry) return undefined;
      if (runs.isRunning(entry)) throw new RunRefused(`${entry.displayPath} is running; its worktrees are in use.`);
      const outcome = await cleanLeftovers(loadSpec(entry.file), {
        confirmDrop: async (holding, found) => {
          const remove = 'Remove Them';
          const detail = found.map((l) => `${leftoverName(l, true)}: ${describeLeftover(l)}`).join('\n');
          const question = `Remove ${holding.length} branch(es) and worktree(s) with unmerged or uncommitted work? This cannot be undone.`;
          return (await vscode.window.showWarningMessage(question, { modal: true, detail }, remove)) === remove;
        },
      });
      for (const { leftover, merged } of outcome.removed) log.info('clean', `removed ${leftoverName(leftover, true)} (${merged ? 'merged' : 'its work is gone'})`);
      for (const l of outcome.kept) log.info('clean', `kept ${leftoverName(l, true)}: ${describeLeftover(l)}`);
      const said =
        outcome.kind === 'no-repository'
          ? `${entry.displayPath} is not in a git repository: there are no worktrees to clean.`
          : outcome.kind === 'found'
            ? `removed ${outcome.removed.length} of ${outcome.found.length} task branch(es)${outcome.kept.length ? `; kept ${outcome.kept.map((l) => leftoverName(l)).join(', ')}` : ''}.`
            : `${entry.displayPath}: no task worktrees or branches left.`;
      void (outcome.kind === 'no-repository' || outcome.kept.length > 0 ? vscode.window.showWarningMessage(`Ralph: ${said}`) : vscode.window.showInformationMessage(`Ralph: ${said}`));
      return outcome;
    },

    'ralph.refresh': async () => {
      await specs.refresh();
      for (const entry of specs.all()) await runs.loadBoard(entry);
    },

    'ralph.openSpecFile': async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Spec tasks': ['md'] }, openLabel: 'Open tasks.md' });
      if (picked?.[0]) await vscode.window.showTextDocument(picked[0]);
    },

    'ralph.showLog': () => log.show(),
    'ralph.checkAgent': () => checkConfiguredAgent(log),

    'ralph.revealInTree': async (arg, taskArg) => {
      const entry = arg instanceof vscode.Uri ? specs.get(arg) : undefined;
      if (entry && typeof taskArg === 'string') await tree.reveal(entry, taskArg);
    },
  };

  return vscode.Disposable.from(
    ...Object.entries(commands).map(([id, handler]) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          if (error instanceof RunRefused) {
            log.warn('command', `${id}: ${error.message}`);
            const manage = !vscode.workspace.isTrusted ? ['Manage Workspace Trust'] : [];
            void vscode.window.showErrorMessage(`Ralph: ${error.message}`, ...manage).then((a) => {
              if (a) void vscode.commands.executeCommand('workbench.trust.manage');
            });
            return undefined;
          }
          // A file to fix, a spec another run holds, no git: the user's to fix, with the way to it.
          const problem = userProblem(error);
          if (problem) {
            log.warn('command', `${id}: ${problem.message}`);
            const file = problem.file !== undefined && isAbsolute(problem.file) ? problem.file : undefined;
            void vscode.window.showErrorMessage(`Ralph: ${problem.message}`, ...(file ? ['Open File'] : [])).then(async (a) => {
              if (!a || !file) return;
              const line = Math.max(0, (problem.line ?? 1) - 1);
              await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) });
            });
            return undefined;
          }
          log.error('command', `${id} failed`, error);
          void vscode.window.showErrorMessage(`Ralph: ${id.replace('ralph.', '')} failed: ${messageOf(error)}`, 'Show Log').then((a) => {
            if (a) log.show();
          });
          return undefined;
        }
      }),
    ),
  );
}

/** Opens tasks.md at the task's line (the task as the file is now, found by id). */
export async function revealTask(specs: SpecRegistry, entry: SpecEntry, taskId: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(entry.uri);
  specs.planNow(doc);
  const task = entry.task(taskId);
  const editor = await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
  if (!task) {
    void vscode.window.showWarningMessage(`Ralph: ${entry.displayPath} has no task ${taskId} any more.`);
    return;
  }
  const r = task.ranges.id;
  const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
