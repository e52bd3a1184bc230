// Shared by the integration suites: the extension's API, polling without timed assertions, and
// the fixture workspace's demo spec.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { RalphApi } from '../../src/extension';

export const EXTENSION_ID = 'ralph-dev.ralph';

export async function api(): Promise<RalphApi> {
  const ext = vscode.extensions.getExtension<RalphApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  const exported = await ext.activate();
  await exported.ready();
  return exported;
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the window has no folder open');
  return folder.uri;
}

export function demoSpec(): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), 'specs', 'text-helpers', 'tasks.md');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it gives something; on timeout fails with `what` and what `seen` (else the
 *  probe) last saw. The limit is generous: it only stops a test that would otherwise hang. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  limitMs = 30_000,
  seen?: () => unknown,
): Promise<T> {
  const end = Date.now() + limitMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > end) throw new Error(`waited ${limitMs} ms for ${what}; last seen: ${JSON.stringify(seen ? seen() : last)}`);
    await sleep(100);
  }
}

export async function lensesOf(uri: vscode.Uri): Promise<{ line: number; title: string; command: string; args: unknown[] }[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses
    .filter((l) => l.command)
    .map((l) => ({ line: l.range.start.line, title: l.command?.title ?? '', command: l.command?.command ?? '', args: l.command?.arguments ?? [] }));
}

export function lineOf(doc: vscode.TextDocument, needle: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(needle)) return i;
  throw new Error(`no line with ${needle} in ${doc.uri.fsPath}`);
}

/** Sets a `ralph.*` setting for the workspace folder; returns a function that puts it back. */
export async function withSetting(key: string, value: unknown): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('ralph', workspaceRoot());
  const before = config.inspect(key)?.workspaceFolderValue ?? config.inspect(key)?.workspaceValue;
  await config.update(key, value, vscode.ConfigurationTarget.Workspace);
  return async () => {
    await vscode.workspace.getConfiguration('ralph', workspaceRoot()).update(key, before, vscode.ConfigurationTarget.Workspace);
  };
}

/**
 * Puts the fixture workspace back as the runner made it (one commit): every test file of a window
 * shares the workspace, and runs check tasks off, commit and leave worktrees behind. Runs nothing
 * while a run is going; the editors follow the files on disk.
 */
export async function resetWorkspace(): Promise<void> {
  const root = workspaceRoot().fsPath;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  await vscode.commands.executeCommand('workbench.action.files.revertAll').then(undefined, () => undefined);
  for (const line of git('worktree', 'list', '--porcelain').split('\n')) {
    const path = line.startsWith('worktree ') ? line.slice('worktree '.length) : undefined;
    if (path && path !== root) git('worktree', 'remove', '--force', path);
  }
  git('worktree', 'prune');
  const first = git('rev-list', '--max-parents=0', 'HEAD').split('\n')[0] ?? '';
  git('reset', '--hard', '--quiet', first);
  // Keeps .vscode (the settings tests set and put back themselves).
  git('clean', '-fdxq', '-e', '.vscode');
  for (const branch of git('branch', '--format=%(refname:short)', '--list', 'ralph/*').split('\n').filter(Boolean)) git('branch', '-D', branch);
  const ralph = await api();
  await vscode.commands.executeCommand('ralph.refresh');
  await waitFor('the demo spec planned from the reset file', () => ralph.taskStatus(demoSpec(), '1.1')?.status === 'pending' || undefined);
}

/**
 * Asks the runner for a picture of the window as it is now (scripts/vscode-host/window.mjs reads
 * the line): test/integration/screenshots/<version>-<suite>-<name>.png. Waits a little, so the
 * picture is taken before the test goes on.
 */
export async function screenshot(name: string): Promise<void> {
  console.log(`[ralph-it] screenshot ${name}`);
  await sleep(2500);
}
