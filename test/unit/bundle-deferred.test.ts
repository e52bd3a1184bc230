// The extension's deferred packages (scripts/bundles.mjs): the real parser, planner and state
// reader, bundled with the stand-ins as the extension is, load none of dist/lazy/ for a plain
// spec (what the first view draws), and each package the moment a spec or state file needs it —
// with the same answers as the packages bundled in.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(__dirname, '..', '..');

// What the bundled probe does: each step prints its answer and which lazy files are loaded by then.
const PROBE = `
import { parseSpec } from ${JSON.stringify(join(ROOT, 'src/core/parse'))};
import { planSpec } from ${JSON.stringify(join(ROOT, 'src/core/plan'))};
import { parseState } from ${JSON.stringify(join(ROOT, 'src/core/state'))};
const loaded = () => Object.keys(require.cache).filter((k) => k.includes('/lazy/')).map((k) => k.replace(/^.*\\/lazy\\//, '')).sort();
const steps = {};
const step = (name, f) => { let answer; try { answer = f(); } catch (e) { answer = 'threw: ' + e.message; } steps[name] = { answer, loaded: loaded() }; };
step('plain spec', () => planSpec(parseSpec('# Tasks\\n\\n- [ ] 1.1 [P] Add a **Files**: src/a.ts\\n- [ ] 1.2 [P] Add b\\n', { path: 'tasks.md' })).spec.tasks.length);
step('front matter', () => parseSpec('---\\nname: auth\\nlimits: [1, 2]\\n---\\n- [ ] 1.1 A\\n', { path: 'tasks.md' }).frontMatter);
step('bad front matter', () => parseSpec('---\\nname: [1\\n---\\n- [ ] 1.1 A\\n', { path: 'tasks.md' }).diagnostics.map((d) => d.message.split(':')[0]));
step('entity', () => parseSpec('- [ ] 1.1 Fish\\n  - **Do**: fry\\n\\n  Then *serve* &amp; eat &copy;\\n', { path: 'tasks.md' }).tasks[0].text);
step('state', () => parseState('{"taskResults": 3}', 'x/.ralph-state.json'));
step('glob scope', () => planSpec(parseSpec('- [ ] 1.1 [P] A\\n  - **Files**: src/**/*.ts\\n- [ ] 1.2 [P] B\\n  - **Files**: src/deep/x.ts\\n', { path: 'tasks.md' })).diagnostics.map((d) => d.code));
step('gfm body', () => parseSpec('- [ ] 1.1 A\\n  - **Do**: fill the table\\n\\n  | a | b |\\n  | - | - |\\n  | 1 | 2 |\\n', { path: 'tasks.md' }).tasks[0].text);
console.log(JSON.stringify(steps));
`;

type Steps = Record<string, { answer: unknown; loaded: string[] }>;

async function runProbe(deferred: boolean, dir: string): Promise<Steps> {
  const { deferPlugin, lazyBundles } = await import('../../scripts/bundles.mjs');
  const out = join(dir, deferred ? 'deferred' : 'whole');
  await build({
    stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'probe.ts', loader: 'ts' },
    outfile: join(out, 'probe.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'error',
    ...(deferred ? { plugins: [deferPlugin] } : {}),
  });
  if (deferred) await Promise.all(lazyBundles({ outdir: out }).map((o) => build({ ...o, logLevel: 'error' })));
  const r = spawnSync(process.execPath, [join(out, 'probe.js')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Steps;
}

describe('the extension bundle: deferred packages', function () {
  this.timeout(60_000);
  let dir: string;
  let deferred: Steps;
  let whole: Steps;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ralph-bundle-'));
    writeFileSync(join(dir, 'package.json'), '{}');
    [deferred, whole] = [await runProbe(true, dir), await runProbe(false, dir)];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a plain spec is parsed and planned without loading any of them', () => {
    assert.deepEqual(deferred['plain spec'], { answer: 2, loaded: [] });
  });

  it('each is loaded when first needed, and gives the answers the bundled package gives', () => {
    const expected: Record<string, string[]> = {
      'front matter': ['yaml.js'],
      'bad front matter': ['yaml.js'],
      entity: ['decode-named-character-reference.js', 'yaml.js'],
      state: ['ajv.js', 'decode-named-character-reference.js', 'yaml.js'],
      'glob scope': ['ajv.js', 'decode-named-character-reference.js', 'picomatch.js', 'yaml.js'],
      'gfm body': ['ajv.js', 'decode-named-character-reference.js', 'picomatch.js', 'remark-gfm.js', 'yaml.js'],
    };
    for (const [name, loaded] of Object.entries(expected)) {
      assert.deepEqual(deferred[name]?.loaded, loaded, `${name}: loaded ${JSON.stringify(deferred[name]?.loaded)}`);
      assert.deepEqual(deferred[name]?.answer, whole[name]?.answer, `${name}: ${JSON.stringify(deferred[name]?.answer)} ≠ ${JSON.stringify(whole[name]?.answer)}`);
      assert.deepEqual(whole[name]?.loaded, [], name);
    }
    assert.deepEqual(deferred['front matter']?.answer, { name: 'auth', limits: [1, 2] });
    assert.match(String(deferred.entity?.answer), /serve/);
    assert.match(String(deferred.state?.answer), /does not match the schema/);
  });
});
