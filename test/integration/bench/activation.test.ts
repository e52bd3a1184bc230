// The activation bench's measuring end (bench/activation.bench.ts starts the window): Ralph, as
// installed from the VSIX, activated in a workspace that held no spec when the window opened (so
// nothing activated it yet), timed by VS Code's own performance marks in the extension host: the
// code loading plus the activate() call, the figures "Developer: Show Running Extensions" shows
// (the wall time of `await extension.activate()` seen from here is kept too). Then how long
// until the spec, copied in just before, is found and planned (ready()). The baselines, timed the
// same way in the same host: an extension that does nothing (what activating anything costs here)
// and VS Code's built-in Markdown extension. The order alternates between windows
// ($RALPH_BENCH_ORDER), so no one of them always pays the host's first-activation costs.
import * as assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { RalphApi } from '../../../src/extension';

const RALPH = 'ralph-dev.ralph';
const EMPTY = 'ralph-tests.empty-extension';
const MARKDOWN = 'vscode.markdown-language-features';

/**
 * VS Code's own figures, the ones "Developer: Show Running Extensions" shows: the extension host
 * marks code/extHost/{will,did}LoadExtensionCode/<id> and {will,did}ActivateExtension/<id>
 * (vs/base/common/performance; in Node the marks live in globalThis.MonacoPerformanceMarks, in
 * 1.90 as in 1.139). Code loading plus the activate() call (until its promise resolves), in ms.
 */
function hostMarks(id: string): number | undefined {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }).MonacoPerformanceMarks;
  const marks = perf?.getMarks() ?? [];
  const at = (what: string) => marks.find((m) => m.name === `code/extHost/${what}/${id}`)?.startTime;
  const [wl, dl, wa, da] = [at('willLoadExtensionCode'), at('didLoadExtensionCode'), at('willActivateExtension'), at('didActivateExtension')];
  if (wl === undefined || dl === undefined || wa === undefined || da === undefined) return undefined;
  return dl - wl + (da - wa);
}

/** Activates `id`; returns VS Code's figure (hostMarks), else the time `activate()` took as seen from here. */
async function timeActivation(id: string, wall: Record<string, number>): Promise<number> {
  const ext = vscode.extensions.getExtension(id);
  assert.ok(ext, `${id} is not installed`);
  assert.equal(ext.isActive, false, `${id} was already active: nothing to measure`);
  const t0 = performance.now();
  await ext.activate();
  wall[id] = performance.now() - t0;
  return hostMarks(id) ?? wall[id];
}

describe('activation bench', function () {
  this.timeout(120_000);

  it('times the activation of Ralph, an empty extension and the Markdown extension', async () => {
    const out = process.env.RALPH_BENCH_OUT;
    const spec = process.env.RALPH_BENCH_SPEC;
    assert.ok(out && spec, 'RALPH_BENCH_OUT and RALPH_BENCH_SPEC are set by bench/activation.bench.ts');
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(root);
    const ms: Record<string, number> = {};
    const wall: Record<string, number> = {};
    // The host is busy starting up for a while (built-in extensions, the workbench's requests):
    // activations queue behind that, which is not theirs to count.
    await new Promise((r) => setTimeout(r, 3000));
    const ralphFirst = process.env.RALPH_BENCH_ORDER === 'ralph-first';
    ms.empty = await timeActivation(EMPTY, wall);
    // The spec arrives after the window opened, so no workspaceContains activated Ralph.
    cpSync(spec, join(root, 'specs', 'text-helpers'), { recursive: true });
    if (!ralphFirst) ms.markdown = await timeActivation(MARKDOWN, wall);
    const ralph = vscode.extensions.getExtension<RalphApi>(RALPH);
    ms.ralph = await timeActivation(RALPH, wall);
    const t0 = performance.now();
    await ralph?.exports.ready();
    const tree = await ralph?.exports.treeSnapshot();
    ms.ralphReady = performance.now() - t0;
    assert.ok(tree?.some((s) => s.label === 'text-helpers'), `the spec was found: ${JSON.stringify(tree?.map((s) => s.label))}`);
    if (ralphFirst) ms.markdown = await timeActivation(MARKDOWN, wall);
    writeFileSync(out, JSON.stringify({ vscode: vscode.version, order: ralphFirst ? 'ralph-first' : 'markdown-first', ms, wall, fromMarks: hostMarks(RALPH) !== undefined }));
  });
});
