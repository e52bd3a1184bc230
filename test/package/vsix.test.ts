// The VSIX as `npm run package` makes it: `vsce package` (which runs the production build, see
// vscode:prepublish) into a temp folder, its contents read from the zip's central directory.
// It must hold what runs and nothing else: no sources, tests, source maps, fixtures or
// node_modules. Skipped, saying why, where @vscode/vsce is not installed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFERRED, lazyFile } from '../../scripts/bundles.mjs';

const ROOT = join(__dirname, '..', '..');
const VSCE = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** The names of a zip's entries, from its end-of-central-directory record (no zip64: a VSIX of
 *  this size never needs it). */
export function zipEntries(zip: Buffer): string[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('the VSIX', function () {
  this.timeout(180_000);
  let dir: string;
  let entries: string[] = [];
  let size = 0;

  before(function () {
    if (!existsSync(VSCE)) {
      console.log(`    skipped: @vscode/vsce is not installed (${VSCE}); npm ci installs it`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'ralph-vsix-'));
    const out = join(dir, 'ralph.vsix');
    const r = spawnSync(process.execPath, [VSCE, 'package', '--no-dependencies', '-o', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `vsce package failed:\n${r.stdout}\n${r.stderr}`);
    size = statSync(out).size;
    entries = zipEntries(readFileSync(out));
    console.log(`    ralph.vsix: ${size} bytes, ${entries.length} files; dist/extension.js ${statSync(join(ROOT, 'dist', 'extension.js')).size} bytes`);
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
    // vsce ran the production build (no source maps): put the development build back.
    if (existsSync(VSCE)) spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it('holds no sources, tests, source maps, fixtures or node_modules', () => {
    const files = entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));
    const bad = files.filter(
      (f) =>
        /\.map$|\.tsx?$|\.vsix$/.test(f) ||
        /^(src|test|bench|scripts|webview|docs|schemas|node_modules|\.ci|\.vscode|\.vscode-test|\.agent-clis)\//.test(f) ||
        /(^|\/)(fixtures|demo-spec)\//.test(f) ||
        /^(tsconfig.*\.json|package-lock\.json|\.mocharc.*|CONTRIBUTING\.md|\.vscodeignore)$/.test(f) ||
        f === 'dist/cli.js',
    );
    assert.deepEqual(bad, [], `files that do not run: ${bad.join(', ')}`);
  });

  it('holds what runs: the extension, its deferred packages, the DAG page, the grammar, the demo agent, the walkthrough, the icon', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { icon: string; contributes: { walkthroughs: Array<{ steps: Array<{ media: { markdown: string } }> }> } };
    const needed = [
      'dist/extension.js',
      ...Object.keys(DEFERRED).map((name) => `dist/${lazyFile(name)}`),
      'media/dag.js',
      'media/dag.css',
      'media/ralph.svg',
      manifest.icon,
      'syntaxes/ralph-tasks.injection.tmLanguage.json',
      'examples/demo-agent.mjs',
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown)),
      'package.json',
      'LICENSE.txt',
    ];
    const missing = needed.filter((f) => !entries.includes(`extension/${f}`));
    assert.deepEqual(missing, [], `missing from the VSIX: ${missing.join(', ')}`);
    assert.ok(size < 2_000_000, `the VSIX is ${size} bytes`);
  });
});
