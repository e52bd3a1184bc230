// Bundles the CLI and the extension with esbuild; type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  // Prefer packages' ESM entry: jsonc-parser's UMD `main` hides its requires from the bundler.
  mainFields: ['module', 'main'],
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  define: { RALPH_VERSION: JSON.stringify(pkg.version) },
};

const entries = [
  { entryPoints: ['src/node/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  // The DAG webview page, with mermaid inside: one script the page's CSP allows by nonce.
  {
    entryPoints: ['webview/dag.ts'],
    outfile: 'media/dag.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    mainFields: ['browser', 'module', 'main'],
    minify: true,
    sourcemap: false,
  },
];

await Promise.all(
  entries
    .filter((e) => existsSync(e.entryPoints[0]))
    .map((e) => build({ ...common, ...e })),
);
