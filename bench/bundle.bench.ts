// The extension as it ships: dist/extension.js of the production build (minified, its deferred
// packages in dist/lazy/ and its run engine in dist/engine.js, see scripts/bundles.mjs and
// scripts/engineSplit.mjs). Goal: under 400 KB, loaded at activation, and nothing in it that the
// first view of a spec does not need.
// Baseline, built in the same run: the development build with every package bundled in, as
// the extension was built before (unminified, one file).
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GOAL_BYTES = 400 * 1024;

async function main(): Promise<void> {
  const { bundles, runBuilds } = await import('../scripts/bundles.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'ralph-bundle-bench-'));
  try {
    const extensionOf = (o: Array<{ outfile: string }>, outdir: string) => o.filter((b) => b.outfile.startsWith(outdir) && !b.outfile.endsWith('cli.js'));
    const base = join(dir, 'baseline');
    const prod = join(dir, 'production');
    await runBuilds(extensionOf(bundles({ production: false, deferred: false, outdir: base }), base));
    await runBuilds(extensionOf(bundles({ production: true, outdir: prod }), prod));
    const baseline = statSync(join(base, 'extension.js')).size;
    const shipped = statSync(join(prod, 'extension.js')).size;
    const engine = statSync(join(prod, 'engine.js')).size;
    const lazy = readdirSync(join(prod, 'lazy')).map((f) => [f, statSync(join(prod, 'lazy', f)).size] as const);
    console.log('dist/extension.js, loaded at activation:');
    console.log(`  baseline, unminified, every package bundled in: ${baseline} bytes`);
    console.log(`  production, minified, packages deferred:        ${shipped} bytes`);
    console.log(`  ratio (ours ÷ baseline): ${(shipped / baseline).toFixed(3)}×`);
    console.log(`  the run engine, dist/engine.js, loaded by the first run: ${engine} bytes`);
    console.log(`  deferred, loaded when first needed: ${lazy.map(([f, s]) => `${f} ${s}`).join(', ')}`);
    if (shipped > GOAL_BYTES) {
      console.log(`FAILED: the extension bundle is over ${GOAL_BYTES} bytes`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
