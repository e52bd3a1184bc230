// The architecture's import rules, checked on the sources: src/core stays free of side effects so
// it runs anywhere (tests, CLI, extension host, webview bundle).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

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
});
