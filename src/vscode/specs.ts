// The specs of the workspace and their plans, kept current: each tasks.md is re-planned as the
// author types (debounced, through the incremental Replanner), when it is saved or reverted, and
// when something else (an agent, git) changes it on disk. Everything that draws a spec — CodeLens,
// decorations, diagnostics, the tree, the DAG page — listens to `onDidChangePlan`.

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { dirname, basename } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { tasksById, type Plan, type Task } from '../core/model';
import { Replanner } from '../core/replan';
import type { PlanOptions } from '../core/plan';
import { affectsPlans, readPlanOptions } from './config';
import type { Log } from './log';
import { SPEC_GLOB, SPEC_FILE_NAMES, isSpecPath } from './specNames';

export { SPEC_GLOB };
const EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**,**/.vscode-test/**,**/ralph-worktrees/**}';
/** Long enough to skip the re-plans in the middle of a burst of keystrokes; short enough that
 *  CodeLens and diagnostics follow within a keystroke or two. */
export const REPLAN_DELAY_MS = 120;

export function isSpecUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && isSpecPath(uri.fsPath);
}

export class SpecEntry {
  private replanner: Replanner;
  private current: Plan | undefined;
  /** Tasks by id (the first of a duplicate id, as the planner takes it), built once per plan:
   *  the tree asks for every task each second while a run goes on. */
  private byId: Map<string, Task> | undefined;
  /** Bumped on every new plan, so views can tell a plan they drew from a newer one. */
  version = 0;

  constructor(
    readonly uri: vscode.Uri,
    /** Workspace-relative, as diagnostics and titles show it. */
    readonly displayPath: string,
    planOptions: PlanOptions = {},
  ) {
    this.replanner = new Replanner({ path: displayPath, ...planOptions });
  }

  get file(): string {
    return this.uri.fsPath;
  }
  get dir(): string {
    return dirname(this.uri.fsPath);
  }
  /** The spec's name: its folder's name (`specs/auth/tasks.md` → `auth`). */
  get name(): string {
    return basename(this.dir);
  }
  get plan(): Plan | undefined {
    return this.current;
  }

  task(id: string): Task | undefined {
    this.byId ??= tasksById(this.current?.spec.tasks ?? []);
    return this.byId.get(id);
  }

  /** Re-plans from the given text; true when the plan changed. */
  update(text: string): boolean {
    return this.take(this.replanner.update(text));
  }

  /** Plans with new settings (the estimate's slots); true when the plan changed. */
  setPlanOptions(options: PlanOptions): boolean {
    return this.take(this.replanner.setPlanOptions(options));
  }

  private take(next: Plan | undefined): boolean {
    if (next === undefined || next === this.current) return false;
    this.current = next;
    this.byId = undefined;
    this.version++;
    return true;
  }
}

export class SpecRegistry extends Disposable {
  private readonly entries = new Map<string, SpecEntry>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changePlan = new vscode.EventEmitter<SpecEntry>();
  private readonly changeSpecs = new vscode.EventEmitter<void>();
  /** A spec's plan changed (edit, save, revert, change on disk). */
  readonly onDidChangePlan = this.changePlan.event;
  /** A spec was found or went away. */
  readonly onDidChangeSpecs = this.changeSpecs.event;
  private discovered: Promise<void> | undefined;
  private watchingFolders = false;

  constructor(private readonly log: Log) {
    super((error) => log.error('specs', 'disposing', error));
    const watcher = vscode.workspace.createFileSystemWatcher(SPEC_GLOB);
    this.trackAll(
      this.changePlan,
      this.changeSpecs,
      watcher,
      watcher.onDidCreate((uri) => void this.refreshFromDisk(uri)),
      watcher.onDidChange((uri) => {
        // An open document follows the disk by itself (and reports through onDidChangeTextDocument).
        if (!this.openDocument(uri)) void this.refreshFromDisk(uri);
      }),
      watcher.onDidDelete((uri) => this.forget(uri)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isSpecUri(e.document.uri) && e.contentChanges.length > 0) this.schedule(e.document);
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isSpecUri(doc.uri)) this.replanNow(doc);
      }),
      // Closed without saving: the file on disk is the spec again.
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (isSpecUri(doc.uri)) void this.refreshFromDisk(doc.uri);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.discover()),
      // `ralph.maxConcurrent` is the estimate's number of agents: every spec is planned again.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsPlans(e)) return;
        for (const entry of this.entries.values()) {
          if (entry.setPlanOptions(readPlanOptions(entry.uri))) this.changePlan.fire(entry);
        }
      }),
    );
  }

  /**
   * A folder created with its spec already in it (an agent writing a new spec, a checkout) can
   * reach the spec watcher as the folder alone, so new folders are looked into too. That takes a
   * watcher of every file in the workspace: it starts only once the workspace is known to hold a
   * spec, so a window that woke Ralph by a command or the view, with no spec, stays cheap (its
   * first spec is still seen through the narrow spec watcher).
   */
  private watchNewFolders(): void {
    if (this.watchingFolders || this.entries.size === 0) return;
    this.watchingFolders = true;
    const folders = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
    this.trackAll(
      folders,
      folders.onDidCreate((uri) => {
        if (isSpecPath(uri.fsPath) || /[\\/](node_modules|\.git)([\\/]|$)/.test(uri.fsPath)) return;
        void stat(uri.fsPath)
          .then((s) => (s.isDirectory() ? Promise.all(SPEC_FILE_NAMES.map((name) => this.refreshFromDisk(vscode.Uri.joinPath(uri, name)))) : undefined))
          .catch(() => undefined);
      }),
    );
  }

  /** Finds the workspace's specs (once; again after `refresh`). */
  ready(): Promise<void> {
    this.discovered ??= this.discover();
    return this.discovered;
  }

  async refresh(): Promise<void> {
    this.discovered = this.discover();
    return this.discovered;
  }

  all(): SpecEntry[] {
    return [...this.entries.values()].sort((a, b) => a.displayPath.localeCompare(b.displayPath));
  }

  get(uri: vscode.Uri): SpecEntry | undefined {
    return this.entries.get(uri.toString());
  }

  /** The entry for a spec file, read and planned now if it is new; undefined for other files. */
  async ensure(uri: vscode.Uri): Promise<SpecEntry | undefined> {
    if (!isSpecUri(uri)) return undefined;
    const known = this.entries.get(uri.toString());
    if (known?.plan) return known;
    await this.refreshFromDisk(uri);
    return this.entries.get(uri.toString());
  }

  /** The plan for this document's text as it is now, skipping the debounce (a run is starting,
   *  a CodeLens is being asked for). */
  planNow(doc: vscode.TextDocument): SpecEntry | undefined {
    if (!isSpecUri(doc.uri)) return undefined;
    this.replanNow(doc);
    return this.entries.get(doc.uri.toString());
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    const key = uri.toString();
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key && !d.isClosed);
  }

  private entryFor(uri: vscode.Uri): { entry: SpecEntry; isNew: boolean } {
    const key = uri.toString();
    const known = this.entries.get(key);
    if (known) return { entry: known, isNew: false };
    const entry = new SpecEntry(uri, vscode.workspace.asRelativePath(uri), readPlanOptions(uri));
    this.entries.set(key, entry);
    return { entry, isNew: true };
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!doc.isClosed) this.replanNow(doc);
      }, REPLAN_DELAY_MS),
    );
  }

  private replanNow(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const pending = this.timers.get(key);
    if (pending) {
      clearTimeout(pending);
      this.timers.delete(key);
    }
    this.apply(doc.uri, doc.getText());
  }

  private apply(uri: vscode.Uri, text: string): void {
    const { entry, isNew } = this.entryFor(uri);
    let changed: boolean;
    try {
      changed = entry.update(text);
    } catch (error) {
      // The parsers report bad input as diagnostics; a throw here is a bug worth a stack.
      this.log.error('specs', `could not plan ${entry.displayPath}`, error);
      return;
    }
    if (isNew) {
      this.watchNewFolders();
      this.changeSpecs.fire();
    }
    if (changed || isNew) this.changePlan.fire(entry);
  }

  private async refreshFromDisk(uri: vscode.Uri): Promise<void> {
    if (!isSpecUri(uri)) return;
    const open = this.openDocument(uri);
    if (open) {
      this.replanNow(open);
      return;
    }
    try {
      this.apply(uri, await readFile(uri.fsPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.forget(uri);
      else this.log.warn('specs', `cannot read ${uri.fsPath}: ${String(error)}`);
    }
  }

  private forget(uri: vscode.Uri): void {
    if (this.entries.delete(uri.toString())) this.changeSpecs.fire();
  }

  private async discover(): Promise<void> {
    const found = await vscode.workspace.findFiles(SPEC_GLOB, EXCLUDE_GLOB, 500);
    const keep = new Set(found.filter(isSpecUri).map((u) => u.toString()));
    let removed = false;
    for (const key of [...this.entries.keys()]) {
      if (!keep.has(key) && !this.openDocument(vscode.Uri.parse(key))) {
        this.entries.delete(key);
        removed = true;
      }
    }
    await Promise.all(found.filter(isSpecUri).map((uri) => this.refreshFromDisk(uri)));
    if (removed) this.changeSpecs.fire();
    this.log.info('specs', `found ${this.entries.size} spec(s)`);
  }

  override dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    super.dispose();
  }
}
