// The VSIX as `npm run package` makes it: `vsce package` (which runs the production build, see
// vscode:prepublish) into a temp folder, its contents read from the zip's central directory.
// It must hold what runs and nothing else: no sources, tests, source maps, fixtures or
// node_modules. Skipped, saying why, where @vscode/vsce is not installed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { DEFERRED, lazyFile } from '../../scripts/bundles.mjs';
import { ENGINE_FILE } from '../../scripts/engineSplit.mjs';

const ROOT = join(__dirname, '..', '..');
const VSCE = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** A zip's central directory, entry by entry: each name and where its record starts (found
 *  through the end-of-central-directory record; no zip64: a VSIX of this size never needs it). */
function* centralDirectory(zip: Buffer): Generator<{ readonly name: string; readonly at: number }> {
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
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    yield { name: zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'), at };
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
}

/** The names of a zip's entries. */
export function zipEntries(zip: Buffer): string[] {
  return [...centralDirectory(zip)].map((e) => e.name);
}

/** One entry of a zip, unpacked (stored or deflated). */
export function zipEntry(zip: Buffer, name: string): Buffer | undefined {
  for (const entry of centralDirectory(zip)) {
    if (entry.name !== name) continue;
    const { at } = entry;
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(data, data + compressed);
    return method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
  }
  return undefined;
}

describe('the VSIX', function () {
  this.timeout(180_000);
  let dir: string;
  let entries: string[] = [];
  let size = 0;
  let readme = '';

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
    readme = zipEntry(readFileSync(out), 'extension/readme.md')?.toString('utf8') ?? '';
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

  it('holds what runs: the extension, its run engine, its deferred packages, the DAG page, the grammar, the demo agent, the walkthrough, the icon', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { icon: string; contributes: { walkthroughs: Array<{ steps: Array<{ media: { markdown: string } }> }> } };
    const needed = [
      'dist/extension.js',
      `dist/${ENGINE_FILE}`,
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

  it("leaves the README's pictures out: the Marketplace page links them from the repository", () => {
    const images = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
    const local = images.filter((src) => !/^https?:/.test(src));
    assert.ok(local.length >= 3, `README.md shows ${local.length} pictures of its own: ${images.join(', ')}`);
    const absent = local.filter((src) => !existsSync(join(ROOT, src)));
    assert.deepEqual(absent, [], `README.md shows pictures that are not in the repository: ${absent.join(', ')}`);
    const packed = local.filter((src) => entries.includes(`extension/${src}`));
    assert.deepEqual(packed, [], `the README's pictures are in the VSIX: ${packed.join(', ')}`);
    // vsce rewrote each relative link to the repository's copy, which the Marketplace page loads.
    assert.ok(readme, 'no extension/readme.md in the VSIX');
    const unlinked = local.filter((src) => !new RegExp(`\\]\\(https://[^)\\s]+/${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`).test(readme));
    assert.deepEqual(unlinked, [], `the packaged README does not link these from the repository: ${unlinked.join(', ')}`);
    for (const src of local) {
      const bytes = statSync(join(ROOT, src)).size;
      assert.ok(bytes < 2_000_000, `${src} is ${bytes} bytes: keep each picture under 2 MB`);
    }
  });
});
