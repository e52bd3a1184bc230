// The architecture's import rules, checked on the sources: src/core stays free of side effects so
// it runs anywhere (tests, CLI, extension host, webview bundle).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ROOT, sources } from './sourceFiles';
import { join, relative } from 'node:path';



function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
}

describe('layers', () => {
  it('src/core imports no vscode, fs, child_process, simple-git, and nothing outside src/core', () => {
    const banned = /^(node:)?(fs|fs\/promises|child_process|os|net|http|https|worker_threads)$|^vscode$|^simple-git$/;
    const offences: string[] = [];
    for (const file of sources(join(ROOT, 'src', 'core'))) {
      for (const spec of imports(file)) {
        const rel = relative(ROOT, file);
        if (banned.test(spec)) offences.push(`${rel} imports ${spec}`);
        if (spec.startsWith('.')) {
          const target = relative(join(ROOT, 'src', 'core'), join(file, '..', spec));
          if (target.startsWith('..') && !spec.endsWith('.json')) offences.push(`${rel} imports ${spec} (outside src/core)`);
        }
      }
    }
    assert.deepEqual(offences, [], offences.join('\n'));
  });

  it('src/node never imports vscode', () => {
    const offences = sources(join(ROOT, 'src', 'node')).filter((f) => imports(f).includes('vscode'));
    assert.deepEqual(offences, [], offences.join('\n'));
  });

  it('src/vscode never imports the CLI (src/node/cli): the extension calls the engine, not a command line', () => {
    const offences = sources(join(ROOT, 'src', 'vscode')).flatMap((f) =>
      imports(f)
        .filter((spec) => spec.startsWith('.') && relative(join(ROOT, 'src', 'node', 'cli'), join(f, '..', spec)).split(/[\\/]/)[0] !== '..')
        .map((spec) => `${relative(ROOT, f)} imports ${spec}`),
    );
    assert.deepEqual(offences, [], offences.join('\n'));
  });

  it('src/vscode reaches the run engine only through src/node/engine.ts (what the build loads at the first run)', () => {
    // Modules only a run needs; importing one elsewhere in the extension would load it at activation.
    const engineOnly = /^src\/(core\/run\/|core\/kubeJob|node\/runSession|node\/leftovers|node\/git|node\/worktree|node\/runners\/|node\/executor\/(?!template\b)|node\/agents\/(?!presets\b))/;
    const offences: string[] = [];
    for (const file of [...sources(join(ROOT, 'src', 'vscode')), join(ROOT, 'src', 'extension.ts')]) {
      const text = readFileSync(file, 'utf8');
      // Type-only imports are erased: they load nothing.
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? '';
        if (!spec.startsWith('.')) continue;
        const target = relative(ROOT, join(file, '..', spec)).split(/[\\/]/).join('/');
        if (engineOnly.test(target)) offences.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offences, [], offences.join('\n'));
  });

  it('src/shared and webview/ import only each other, pure core modules and mermaid (with its own dagre, for the page\'s layout): no Node, no vscode', () => {
    const offences: string[] = [];
    for (const file of [...sources(join(ROOT, 'src', 'shared')), ...sources(join(ROOT, 'webview'))]) {
      for (const spec of imports(file)) {
        const rel = relative(ROOT, file);
        if (!spec.startsWith('.')) {
          // mermaid's own layout engine (dagre-d3-es, a dependency of mermaid), whose crossing
          // reduction the page's layout replaces (webview/layout/), is part of the renderer.
          const renderer = spec === 'mermaid' || (spec.startsWith('dagre-d3-es/') && rel.split(/[\\/]/).slice(0, 2).join('/') === 'webview/layout');
          if (!renderer) offences.push(`${rel} imports ${spec}`);
          continue;
        }
        const target = relative(ROOT, join(file, '..', spec)).split(/[\\/]/);
        const allowed = (target[0] === 'src' && (target[1] === 'shared' || target[1] === 'core')) || target[0] === 'webview';
        if (!allowed) offences.push(`${rel} imports ${spec}`);
      }
    }
    assert.deepEqual(offences, [], offences.join('\n'));
  });

  it('no import cycles among the sources', () => {
    const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'webview'))];
    const known = new Set(files);
    const edges = new Map<string, string[]>();
    for (const f of files) {
      const targets: string[] = [];
      for (const spec of imports(f)) {
        if (!spec.startsWith('.')) continue;
        const base = join(f, '..', spec);
        const hit = [base + '.ts', join(base, 'index.ts')].find((c) => known.has(c));
        if (hit) targets.push(hit);
      }
      edges.set(f, targets);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of edges.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map((x) => relative(ROOT, x)).join(' → '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    assert.deepEqual(cycles, [], cycles.join('\n'));
  });
});
