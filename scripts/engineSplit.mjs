// The extension in two files: dist/extension.js, what activation and the first view of a spec
// need (parser, planner, state reader, views), and dist/engine.js, the run engine (scheduler,
// agents, worktrees, runners, executors), loaded the first time a run or a command about runs
// needs it. The extension reaches the engine only through src/node/engine.ts (ENGINE_FACADE).
//
// No module is in both files: the engine's imports of modules the extension already holds
// (the parser, the state reader, the error classes the extension tells apart with `instanceof`)
// are served by the extension's own copies. The extension's stand-in for the facade hands them
// over in a registry (on globalThis, under REGISTRY) just before it requires dist/engine.js,
// and the engine's imports of them read that registry. The build checks both files' inputs are
// disjoint and fails otherwise.
import { build } from 'esbuild';
import { resolve, relative, sep } from 'node:path';
import { CALLABLE } from './standIn.mjs';

export const ENGINE_FACADE = 'src/node/engine.ts';
export const ENGINE_FILE = 'engine.js';
const REGISTRY = 'dev.ralph.engine.shared';

const posix = (p) => p.split(sep).join('/');

/** The names the facade exports (type-only exports are gone by then). */
async function facadeExports(root) {
  const r = await build({ entryPoints: [resolve(root, ENGINE_FACADE)], bundle: false, format: 'esm', write: false, metafile: true, outdir: resolve(root, 'out'), logLevel: 'error' });
  return Object.values(r.metafile.outputs)[0].exports;
}

/**
 * The extension's module in the facade's place. Each export stands in for the engine's
 * (CALLABLE, scripts/standIn.mjs): calling it, `new`, reading a static member load the engine; `instanceof`
 * asks the engine's class only once the engine is loaded.
 * `shared`: [key, absolute path, 'esm' | 'cjs'] of each module the engine takes from here.
 */
function facadeStandIn(names, shared) {
  const lines = [];
  shared.forEach(([, path, format], i) =>
    lines.push(format === 'esm' ? `import * as m${i} from ${JSON.stringify(path)};` : `const m${i} = require(${JSON.stringify(path)});`),
  );
  lines.push(
    // An ES module goes over with __esModule set, so the engine's default imports read its default.
    `const esm = (ns) => { const o = { __esModule: true }; for (const k of Object.keys(ns)) Object.defineProperty(o, k, { enumerable: true, get: () => ns[k] }); return o; };`,
    `const shared = { ${shared.map(([key, , format], i) => `${JSON.stringify(key)}: ${format === 'esm' ? `esm(m${i})` : `m${i}`}`).join(', ')} };`,
    `let engine;`,
    `const load = () => { if (engine === undefined) { globalThis[Symbol.for(${JSON.stringify(REGISTRY)})] = shared; engine = require(${JSON.stringify('./' + ENGINE_FILE)}); } return engine; };`,
    CALLABLE,
  );
  for (const name of names) lines.push(`export const ${name} = callable(() => load()[${JSON.stringify(name)}], () => engine !== undefined);`);
  return lines.join('\n');
}

/** In the extension's build: the facade becomes its stand-in; the engine file stays external. */
function facadePlugin(root, names, shared) {
  const facade = resolve(root, ENGINE_FACADE);
  return {
    name: 'ralph-engine-facade',
    setup(b) {
      b.onResolve({ filter: /engine$/ }, async (args) => {
        if (args.pluginData === 'ralph-engine-facade') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'ralph-engine-facade' });
        return r.path === facade ? { path: 'engine-facade', namespace: 'ralph-engine' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'ralph-engine' }, () => ({ contents: facadeStandIn(names, shared), loader: 'js', resolveDir: root }));
      b.onResolve({ filter: new RegExp(`^\\./${ENGINE_FILE.replace('.', '\\.')}$`) }, (args) => (args.namespace === 'ralph-engine' ? { path: args.path, external: true } : undefined));
    },
  };
}

/** In the engine's build: an import of a module the extension holds reads the registry. */
function sharedPlugin(root, mainInputs, used) {
  return {
    name: 'ralph-engine-shared',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'ralph-engine-shared' || args.kind === 'entry-point') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'ralph-engine-shared' });
        if (r.errors.length > 0) return { errors: r.errors };
        if (r.external || r.namespace !== 'file') return { path: r.path, external: r.external, namespace: r.namespace, sideEffects: r.sideEffects, suffix: r.suffix };
        const key = posix(relative(root, r.path));
        const format = mainInputs.get(key);
        if (format === undefined) return { path: r.path, sideEffects: r.sideEffects, suffix: r.suffix };
        used.set(key, [key, r.path, format]);
        return { path: key, namespace: 'ralph-main' };
      });
      b.onLoad({ filter: /.*/, namespace: 'ralph-main' }, (args) => ({
        contents: [
          `const shared = globalThis[Symbol.for(${JSON.stringify(REGISTRY)})];`,
          `if (shared === undefined || !(${JSON.stringify(args.path)} in shared)) throw new Error(${JSON.stringify(`dist/${ENGINE_FILE}: loaded without the extension's ${args.path}; it is loaded by dist/extension.js only`)});`,
          `module.exports = shared[${JSON.stringify(args.path)}];`,
        ].join('\n'),
        loader: 'js',
      }));
    },
  };
}

/** [relative path → format] of a build's own files (not plugins' virtual modules). */
function inputsOf(metafile) {
  const inputs = new Map();
  for (const [key, input] of Object.entries(metafile.inputs)) if (!/^[a-z-]+:/.test(key)) inputs.set(key, input.format ?? 'other');
  return inputs;
}

/**
 * Builds `extension` (esbuild options of dist/extension.js) and dist/engine.js beside it.
 * `engineOptions`: what the engine's build adds (its plugins, e.g. the deferred packages).
 */
export async function buildExtensionWithEngine(extension, engineOptions) {
  const root = extension.absWorkingDir ?? process.cwd();
  const names = await facadeExports(root);
  const outdir = extension.outfile.replace(/[\\/][^\\/]+$/, '');
  const withFacade = (shared) => ({ ...extension, metafile: true, plugins: [...(extension.plugins ?? []), facadePlugin(root, names, shared)] });
  let shared = [];
  let main = await build({ ...withFacade(shared), write: false });
  // Sharing a module keeps all of its exports, which may pull in a module the first build had
  // shaken out: build again until the extension's files stop changing.
  for (let round = 0; round < 4; round++) {
    const mainInputs = inputsOf(main.metafile);
    const usedMap = new Map();
    const engine = await build({
      ...engineOptions,
      entryPoints: [resolve(root, ENGINE_FACADE)],
      outfile: `${outdir}/${ENGINE_FILE}`,
      metafile: true,
      plugins: [...(engineOptions.plugins ?? []), sharedPlugin(root, new Map([...mainInputs].filter(([, f]) => f === 'esm' || f === 'cjs')), usedMap)],
    });
    shared = [...usedMap.values()].sort((a, b) => a[0].localeCompare(b[0]));
    const next = await build({ ...withFacade(shared), write: false });
    const nextInputs = inputsOf(next.metafile);
    const same = nextInputs.size === mainInputs.size && [...nextInputs.keys()].every((k) => mainInputs.has(k));
    main = next;
    if (!same) continue;
    const both = [...inputsOf(engine.metafile).keys()].filter((k) => nextInputs.has(k));
    if (both.length > 0) throw new Error(`scripts/engineSplit.mjs: in both dist/extension.js and dist/${ENGINE_FILE}: ${both.join(', ')}`);
    await build(withFacade(shared));
    return { shared: shared.map(([key]) => key), facade: names, extensionInputs: [...nextInputs.keys()], engineInputs: [...inputsOf(engine.metafile).keys()] };
  }
  throw new Error('scripts/engineSplit.mjs: the extension and the engine did not settle on which modules are shared');
}
