// The activation bench's measuring end (bench/activation.bench.ts starts the window): Ralph, as
// installed from the VSIX, activated in a workspace that held no spec when the window opened (so
// nothing activated it yet), timed from here: `await extension.activate()` is the code loading plus
// the activate() call, the two figures "Developer: Show Running Extensions" adds up. Then how long
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

async function timeActivation(id: string): Promise<number> {
  const ext = vscode.extensions.getExtension(id);
  assert.ok(ext, `${id} is not installed`);
  assert.equal(ext.isActive, false, `${id} was already active: nothing to measure`);
  const t0 = performance.now();
  await ext.activate();
  return performance.now() - t0;
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
    const ralphFirst = process.env.RALPH_BENCH_ORDER === 'ralph-first';
    ms.empty = await timeActivation(EMPTY);
    // The spec arrives after the window opened, so no workspaceContains activated Ralph.
    cpSync(spec, join(root, 'specs', 'text-helpers'), { recursive: true });
    if (!ralphFirst) ms.markdown = await timeActivation(MARKDOWN);
    const ralph = vscode.extensions.getExtension<RalphApi>(RALPH);
    ms.ralph = await timeActivation(RALPH);
    const t0 = performance.now();
    await ralph?.exports.ready();
    const tree = await ralph?.exports.treeSnapshot();
    ms.ralphReady = performance.now() - t0;
    assert.ok(tree?.some((s) => s.label === 'text-helpers'), `the spec was found: ${JSON.stringify(tree?.map((s) => s.label))}`);
    if (ralphFirst) ms.markdown = await timeActivation(MARKDOWN);
    writeFileSync(out, JSON.stringify({ vscode: vscode.version, order: ralphFirst ? 'ralph-first' : 'markdown-first', ms }));
  });
});
