// Ralph's activation time in the real host, for bench/activation.bench.ts (see there): the VSIX
// installed, then RALPH_BENCH_WINDOWS windows (default 3) each timing the activations from inside
// the extension host (test/integration/bench/activation.test.ts).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const GOAL_MS = 50;
const WINDOWS = Number(process.env.RALPH_BENCH_WINDOWS ?? 3);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Prints the figures; @returns {Promise<number>} the exit code (1: a window failed, or over the goal). */
export async function runActivationBench() {
  if (process.env.RALPH_SKIP_VSCODE === '1') {
    console.log('activation in the real host: skipped (RALPH_SKIP_VSCODE=1)');
    return 0;
  }
  const host = await import('./host.mjs');
  try {
    host.assertHost();
  } catch (err) {
    console.log(`activation in the real host: skipped: ${err.message}`);
    return 0;
  }
  const { bundleTests, OUT } = await import('./bundle.mjs');
  const { runSuite } = await import('./window.mjs');
  const { buildVsix } = await import('./vsix.mjs');
  const runDir = host.makeRunDir();
  const samples = [];
  let failed = false;
  try {
    const vsix = buildVsix(join(runDir, 'ralph.vsix'));
    await bundleTests();
    const extensionsDir = join(runDir, 'extensions');
    host.installExtensions(extensionsDir, [vsix]);
    for (let i = 0; i < WINDOWS; i++) {
      const out = join(runDir, `sample-${i}.json`);
      const tests = await runSuite(runDir, {
        name: `bench-${i}`,
        trust: 'trusted',
        testsPath: join(OUT, 'bench', 'index.js'),
        developmentPath: join(host.REPO, 'test', 'integration', 'fixtures', 'empty-extension'),
        extensionsDir,
        workspace: { demoSpec: false },
        env: { RALPH_BENCH_OUT: out, RALPH_BENCH_SPEC: join(host.REPO, 'examples', 'demo-spec'), RALPH_BENCH_ORDER: i % 2 ? 'ralph-first' : 'markdown-first' },
      });
      const bad = tests.filter((t) => t.state === 'failed');
      if (bad.length || !existsSync(out)) {
        console.log(`FAILED: window ${i}: ${bad.map((t) => t.error).join('\n') || 'no sample written'}`);
        failed = true;
        continue;
      }
      const sample = JSON.parse(readFileSync(out, 'utf8'));
      samples.push(sample.ms);
      const wall = Object.values(sample.wall ?? {}).map((v) => v.toFixed(0)).join('/');
      console.log(`  window ${i} (${sample.order}; ${sample.fromMarks ? "VS Code's marks" : 'wall time'}): ${Object.entries(sample.ms).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')} (wall empty/…: ${wall} ms)`);
    }
  } catch (err) {
    console.log(`FAILED: ${err.message}`);
    failed = true;
  } finally {
    await host.cleanupAll();
  }
  if (samples.length) {
    const m = (k) => median(samples.map((s) => s[k]));
    const [ralph, empty, markdown, ready] = [m('ralph'), m('empty'), m('markdown'), m('ralphReady')];
    console.log(`activation in the real host (VS Code ${host.VERSION.vscode}, Ralph from the VSIX; median of ${samples.length} window(s)):`);
    console.log(`  baseline, an empty extension:          ${empty.toFixed(1)} ms`);
    console.log(`  baseline, VS Code's Markdown extension: ${markdown.toFixed(1)} ms`);
    console.log(`  Ralph (code loading + activate()):      ${ralph.toFixed(1)} ms (goal < ${GOAL_MS} ms)`);
    console.log(`  ratio (Ralph ÷ Markdown): ${(ralph / markdown).toFixed(3)}×; (Ralph ÷ empty): ${(ralph / empty).toFixed(2)}×`);
    console.log(`  then the spec found and planned (ready()): ${ready.toFixed(1)} ms more`);
    if (ralph > GOAL_MS) {
      console.log(`FAILED: Ralph's activation took over ${GOAL_MS} ms`);
      failed = true;
    }
  }
  if (!failed) rmSync(runDir, { recursive: true, force: true });
  else console.log(`the windows' logs: ${runDir}`);
  return failed ? 1 : 0;
}
