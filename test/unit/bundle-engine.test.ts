// The extension in two files (scripts/engineSplit.mjs): the run engine is dist/engine.js, loaded
// the first time the extension uses it through src/node/engine.ts, and no module is in both
// files. A probe built the way the extension is shows what is loaded when, and that calls, `new`,
// `instanceof` and the classes both files use behave as in one file.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import * as facade from '../../src/node/engine';
import type { EngineSplit } from '../../scripts/engineSplit.mjs';

const ROOT = join(__dirname, '..', '..');
const src = (p: string): string => JSON.stringify(join(ROOT, 'src', p));

// Each step prints its answer and whether dist/engine.js is loaded by then.
const PROBE = `
import { CancellationSource, RunSetupError, prepareRun, unfinishedDependencies } from ${src('node/engine')};
import { SpecLockedError } from ${src('node/stores/lock')};
import { parseSpec } from ${src('core/parse')};
import { planSpec } from ${src('core/plan')};
const engineLoaded = () => Object.keys(require.cache).some((k) => /[\\\\/]engine\\.js$/.test(k));
const steps = [];
const step = async (name, f) => { let answer; try { answer = await f(); } catch (e) { answer = 'threw ' + e.name + ': ' + e.message; } steps.push({ name, answer, engineLoaded: engineLoaded() }); };
(async () => {
  const plan = planSpec(parseSpec('# Tasks\\n\\n- [ ] 1.1 Add a\\n- [ ] 1.2 Add b\\n  - **Depends**: 1.1\\n', { path: 'tasks.md' }));
  await step('planned', () => plan.spec.tasks.length);
  await step('instanceof before the engine', () => [new Error('x') instanceof RunSetupError, {} instanceof CancellationSource]);
  await step('a call', () => unfinishedDependencies(plan, { kind: 'task', taskId: '1.2' }, () => false));
  await step('new', () => { const c = new CancellationSource(); c.cancel(); return [c instanceof CancellationSource, c.token.isCancellationRequested]; });
  await step("the engine's error", async () => {
    try { await prepareRun({ specDir: process.argv[2], fallbackCwd: process.argv[2], isolation: 'worktree', commit: 'task' }); return 'no error'; }
    catch (e) { return [e instanceof RunSetupError, e instanceof Error, e.code]; }
  });
  const shared = globalThis[Symbol.for('dev.ralph.engine.shared')];
  await step('a class the engine takes from the extension', () => shared === undefined ? 'one file' : shared['src/node/stores/lock.ts'].SpecLockedError === SpecLockedError);
  console.log(JSON.stringify(steps));
})();
`;

interface Step {
  name: string;
  answer: unknown;
  engineLoaded: boolean;
}

const probeOptions = (outfile: string) => ({
  stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'probe.ts', loader: 'ts' as const },
  outfile,
  bundle: true,
  platform: 'node' as const,
  format: 'cjs' as const,
  target: 'node20',
  mainFields: ['module', 'main'],
  logLevel: 'error' as const,
});

function runProbe(file: string, scratch: string): Step[] {
  const r = spawnSync(process.execPath, [file, scratch], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Step[];
}

describe('the extension bundle: the run engine in a file of its own', function () {
  this.timeout(120_000);
  let dir: string;
  let split: Step[];
  let whole: Step[];
  let real: EngineSplit;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ralph-engine-'));
    writeFileSync(join(dir, 'package.json'), '{}');
    const { buildExtensionWithEngine } = await import('../../scripts/engineSplit.mjs');
    await buildExtensionWithEngine(probeOptions(join(dir, 'split', 'extension.js')), { ...probeOptions(join(dir, 'split', 'engine.js')), stdin: undefined });
    await build(probeOptions(join(dir, 'whole', 'probe.js')));
    const scratch = mkdtempSync(join(dir, 'not-a-repo-'));
    split = runProbe(join(dir, 'split', 'extension.js'), scratch);
    whole = runProbe(join(dir, 'whole', 'probe.js'), scratch);
    const { bundles } = await import('../../scripts/bundles.mjs');
    const extension = bundles({ production: true, outdir: join(dir, 'real') }).find((b) => b.outfile.endsWith('extension.js'));
    assert.ok(extension?.engine, 'the extension is built with its engine');
    const { engine, ...options } = extension;
    real = await buildExtensionWithEngine(options, engine);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the engine is not loaded until the extension first uses it', () => {
    assert.deepEqual(
      split.map((s) => [s.name, s.engineLoaded]),
      [
        ['planned', false],
        ['instanceof before the engine', false],
        ['a call', true],
        ['new', true],
        ["the engine's error", true],
        ['a class the engine takes from the extension', true],
      ],
    );
    assert.ok(existsSync(join(dir, 'split', 'engine.js')));
  });

  it('calls, new and instanceof answer as they do in one file', () => {
    for (const [i, s] of split.entries()) {
      if (s.name === 'a class the engine takes from the extension') continue;
      assert.deepEqual(s.answer, whole[i]?.answer, `${s.name}: ${JSON.stringify(s.answer)} ≠ ${JSON.stringify(whole[i]?.answer)}`);
    }
    assert.deepEqual(split[2]?.answer, ['1.1']);
    assert.deepEqual(split[3]?.answer, [true, true]);
    assert.deepEqual(split[4]?.answer, [true, true, 'worktree-needs-commit']);
    assert.deepEqual(split[1]?.answer, [false, false]);
  });

  it('a class the engine uses is the extension’s own (one copy of each module)', () => {
    assert.equal(split[5]?.answer, true);
    assert.equal(whole[5]?.answer, 'one file');
  });

  it('the extension as built holds no part of the engine, and the two share no module', () => {
    const inExtension = new Set(real.extensionInputs);
    for (const engineOnly of ['src/core/run/scheduler.ts', 'src/node/agents/claude.ts', 'src/node/worktrees/merge.ts', 'src/node/runners/docker.ts', 'src/node/runSession.ts']) {
      assert.ok(real.engineInputs.includes(engineOnly), `${engineOnly} is in dist/engine.js`);
      assert.ok(!inExtension.has(engineOnly), `${engineOnly} is not in dist/extension.js`);
    }
    assert.deepEqual(real.engineInputs.filter((k) => inExtension.has(k)), []);
    // What the engine takes from the extension includes the classes the extension tells apart.
    for (const m of ['src/node/stores/lock.ts', 'src/core/runners.ts', 'src/core/state/index.ts']) assert.ok(real.shared.includes(m), `${m} shared`);
  });

  it('the facade exports only functions and classes, which is all its stand-in can forward', () => {
    const names = Object.keys(facade);
    assert.ok(names.length >= 5, names.join());
    for (const name of names) assert.equal(typeof (facade as Record<string, unknown>)[name], 'function', name);
  });
});
