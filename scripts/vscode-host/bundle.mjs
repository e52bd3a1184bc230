// Bundles the integration suites with esbuild: test/integration/index.ts (mocha inside) once per
// suite folder, and every test/integration/**/*.test.ts, into dist/test/integration/ with the same
// layout. Used by scripts/test-integration.mjs and test/integration/runElectron.mjs.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './host.mjs';

export const SRC = join(REPO, 'test', 'integration');
export const OUT = join(REPO, 'dist', 'test', 'integration');

/** Each folder with an index there is a suite run in a window of its own; see index.ts. */
export const SUITE_DIRS = ['', 'untrusted', 'vsix', 'container', 'bench'];

/** @returns {Promise<number>} how many test files were bundled */
export async function bundleTests() {
  const tests = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'fixtures' && name !== 'screenshots') walk(p);
      } else if (name.endsWith('.test.ts')) tests.push(p);
    }
  };
  walk(SRC);
  rmSync(OUT, { recursive: true, force: true }); // no stale bundle of a deleted test
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  await build({
    absWorkingDir: REPO,
    entryPoints: [
      ...SUITE_DIRS.filter((d) => existsSync(join(SRC, d))).map((d) => ({ in: join(SRC, 'index.ts'), out: d ? `${d}/index` : 'index' })),
      ...tests.map((t) => ({ in: t, out: relative(SRC, t).replace(/\.ts$/, '') })),
    ],
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The extension host provides `vscode`. Mocha is bundled into index.js: mocha 12 is half ES
    // modules, which a host without require(esm) (an older Electron) could not load; bundled, it
    // is plain CommonJS. Test files use mocha's globals (describe/it), set before each is loaded;
    // a test file that imported 'mocha' would get a second copy whose describe() runs nothing.
    external: ['vscode'],
    // As scripts/build.mjs: tests may import src/, whose packages need their ESM entry.
    mainFields: ['module', 'main'],
    sourcemap: 'inline',
    // Absolute sources, so stacks map to test/integration/*.ts wherever the bundle is copied to.
    sourceRoot: pathToFileURL(OUT).href + '/',
    define: { RALPH_VERSION: JSON.stringify(pkg.version) },
    logLevel: 'warning',
    // Mocha's parallel mode require.resolve()s its worker; never used here.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return tests.length;
}
