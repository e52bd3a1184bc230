// What `npm run build` bundles, and how: shared by scripts/build.mjs and the bundle-size bench
// (bench/bundle.bench.ts), so the bench measures exactly what ships.
//
// The extension's run engine is a file of its own too, dist/engine.js (scripts/engineSplit.mjs).
//
// The extension defers the packages that a first view of a spec does not need: each becomes a
// file of its own in dist/lazy/, and the extension's bundle holds only a stand-in that requires
// it the first time one of its exports is used. Their code stays in one place, the package
// itself; only when it is loaded changes.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildExtensionWithEngine } from './engineSplit.mjs';
import { CALLABLE } from './standIn.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * Package → its exports the project's code (or its dependencies) uses, and what each is: a
 * `function` is called, a `class` is constructed (both stand in the same way, see
 * CALLABLE in scripts/standIn.mjs), an `object` has its members read.
 */
export const DEFERRED = {
  // Front matter of a tasks.md, a Kubernetes Job template: only when there is one (~110 KB minified).
  yaml: { parse: 'function', parseDocument: 'function' },
  // Validating a .ralph-state.json against its schema, with fast-uri (~120 KB minified).
  ajv: { default: 'class' },
  // Named character references (`&amp;`) in a tasks.md: the table of every HTML entity (~35 KB).
  'decode-named-character-reference': { decodeNamedCharacterReference: 'function' },
  // remark-gfm's Markdown writer half: Ralph parses Markdown and never writes it with remark.
  'mdast-util-to-markdown': { defaultHandlers: 'object' },
  'markdown-table': { markdownTable: 'function' },
  // GFM in a task body (tables, strikethrough, autolinks, footnotes): most bodies have none, and
  // plain remark-parse reads those (~30 KB with its micromark and mdast extensions).
  'remark-gfm': { default: 'function' },
  // Glob file scopes (`src/**/*.ts`): most specs name plain paths (~24 KB).
  picomatch: { default: 'function' },
};

/** dist/lazy/<file>.js of a deferred package. */
export const lazyFile = (name) => `lazy/${name.replace(/[^a-z0-9.-]/gi, '_')}.js`;

function standIn(name, exports) {
  const lines = [`let loaded;`, `const load = () => (loaded ??= require(${JSON.stringify('./' + lazyFile(name))}));`, CALLABLE];
  for (const [exp, kind] of Object.entries(exports)) {
    // A CommonJS package that exports one function (picomatch) is its own default export.
    const get = exp === 'default' ? `(typeof load().default === 'undefined' ? load() : load().default)` : `load()[${JSON.stringify(exp)}]`;
    const value =
      kind === 'object'
        ? `new Proxy({}, { get: (_, k) => ${get}[k], has: (_, k) => k in ${get}, ownKeys: () => Reflect.ownKeys(${get}), getOwnPropertyDescriptor: (_, k) => Object.getOwnPropertyDescriptor(${get}, k) })`
        : `callable(() => ${get}, () => loaded !== undefined)`;
    lines.push(exp === 'default' ? `export default ${value};` : `export const ${exp} = ${value};`);
  }
  return lines.join('\n');
}

/** Resolves each deferred package to its stand-in, and leaves the stand-ins' requires of
 *  dist/lazy/ to run time. */
export const deferPlugin = {
  name: 'ralph-defer',
  setup(b) {
    const names = Object.keys(DEFERRED);
    const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'ralph-deferred' }));
    b.onLoad({ filter: /.*/, namespace: 'ralph-deferred' }, (args) => ({ contents: standIn(args.path, DEFERRED[args.path]), loader: 'js' }));
    b.onResolve({ filter: /^\.\/lazy\// }, (args) => (args.namespace === 'ralph-deferred' ? { path: args.path, external: true } : undefined));
  },
};

/**
 * The DAG page's mermaid lays out with dagre (dagre-d3-es). Its crossing reduction sweeps the
 * ranks until four sweeps in a row bring nothing, copying each best ordering with lodash's
 * cloneDeep: 2.2 s of a 7 s drawing of 300 tasks (under load). This points dagre's own
 * `./order/index.js` at webview/layout/dagreOrder.ts, the same algorithm with fewer sweeps
 * (webview/layout/dagreTuning.ts). The build fails if mermaid's dagre stops importing it, rather
 * than quietly shipping the untuned layout.
 */
export const dagreTuningPlugin = {
  name: 'ralph-dagre-tuning',
  setup(b) {
    let replaced = false;
    const order = fileURLToPath(new URL('../webview/layout/dagreOrder.ts', import.meta.url));
    b.onStart(() => {
      replaced = false;
    });
    b.onResolve({ filter: /^\.\/order\/index\.js$/ }, (args) => {
      if (!/[\\/]dagre-d3-es[\\/]src[\\/]dagre[\\/][^\\/]+\.js$/.test(args.importer)) return undefined;
      replaced = true;
      return { path: order };
    });
    b.onEnd((result) =>
      result.errors.length === 0 && !replaced
        ? { errors: [{ text: "dagreTuningPlugin: dagre-d3-es's ./order/index.js was never imported; mermaid's layout changed, update scripts/bundles.mjs" }] }
        : undefined,
    );
  },
};

/**
 * Mermaid's getConfig() copies its whole configuration (every diagram's defaults, ~200 theme
 * variables) two levels deep on every call, and a flowchart calls it for every node, edge and
 * label: ~45 % of drawing 100 tasks once the layout is ours. This makes it hand out one copy per
 * configuration: a new copy whenever mermaid replaces its configuration (initialize, setConfig,
 * and its reset at every render), the same one in between. Mermaid only writes to such a copy in
 * the flowchart's init (`arrowMarkerAbsolute`, the value it then sets anyway). The build fails
 * if the function is no longer there to replace.
 */
export const mermaidConfigCachePlugin = {
  name: 'ralph-mermaid-config-cache',
  setup(b) {
    const original = 'var getConfig = /* @__PURE__ */ __name(() => {\n  return assignWithDepth_default({}, currentConfig);\n}, "getConfig");';
    const cached = [
      'var ralphConfigOf, ralphConfigCopy;',
      'var getConfig = /* @__PURE__ */ __name(() => {',
      '  if (ralphConfigOf !== currentConfig) {',
      '    ralphConfigCopy = assignWithDepth_default({}, currentConfig);',
      '    ralphConfigOf = currentConfig;',
      '  }',
      '  return ralphConfigCopy;',
      '}, "getConfig");',
    ].join('\n');
    let replaced = false;
    b.onStart(() => {
      replaced = false;
    });
    b.onLoad({ filter: /[\\/]mermaid[\\/]dist[\\/]chunks[\\/]mermaid\.core[\\/]chunk-[^\\/]+\.mjs$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(original)) return undefined;
      replaced = true;
      return { contents: text.replace(original, cached), loader: 'js' };
    });
    b.onEnd((result) =>
      result.errors.length === 0 && !replaced
        ? { errors: [{ text: "mermaidConfigCachePlugin: mermaid's getConfig was not found; mermaid changed, update scripts/bundles.mjs" }] }
        : undefined,
    );
  },
};

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

/**
 * The esbuild options of every bundle. `production` (the VSIX): minified, no source maps (the
 * package leaves them out anyway; a development build keeps them). `deferred: false` gives the
 * extension as one file again, as the bench's baseline.
 */
export function bundles({ production = false, deferred = true, outdir = 'dist' } = {}) {
  const size = production ? { minify: true, sourcemap: false } : {};
  const extension = {
    ...common,
    ...size,
    entryPoints: ['src/extension.ts'],
    outfile: `${outdir}/extension.js`,
    external: ['vscode'],
    // The run engine goes to dist/engine.js (scripts/engineSplit.mjs), built with these options.
    ...(deferred ? { plugins: [deferPlugin], engine: { ...common, ...size, external: ['vscode'], plugins: [deferPlugin] } } : {}),
  };
  const lazy = deferred ? lazyBundles({ production, outdir }) : [];
  return [
    { ...common, entryPoints: ['src/node/cli/bin.ts'], outfile: `${outdir}/cli.js`, banner: { js: '#!/usr/bin/env node' } },
    extension,
    ...lazy,
    // The DAG webview page, with mermaid inside: one script the page's CSP allows by nonce.
    {
      ...common,
      entryPoints: ['webview/dag.ts'],
      outfile: 'media/dag.js',
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      mainFields: ['browser', 'module', 'main'],
      minify: true,
      sourcemap: false,
      plugins: [dagreTuningPlugin, mermaidConfigCachePlugin],
    },
  ];
}

/** The files of dist/lazy/: each deferred package on its own, as CommonJS. */
export function lazyBundles({ production = false, outdir = 'dist' } = {}) {
  return Object.keys(DEFERRED).map((name) => ({
    ...common,
    ...(production ? { minify: true, sourcemap: false } : {}),
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: fileURLToPath(new URL('..', import.meta.url)), sourcefile: `${name}.js` },
    outfile: `${outdir}/${lazyFile(name)}`,
  }));
}

export function runBuilds(options) {
  return Promise.all(options.map(({ engine, ...o }) => (engine ? buildExtensionWithEngine(o, engine) : build(o))));
}
