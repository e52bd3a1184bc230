// Integration tests in a real VS Code (the server and web workbench that code-server carries,
// installed by scripts/vscode-host/setup.sh), then the UI pass.
//
//   0. --vscode=current|oldest|all picks the VS Code (scripts/vscode-host/versions.json): current is
//      1.139.1, oldest 1.90.2, the engines.vscode minimum; all (what `npm test` runs) runs this
//      script once per version and adds up their closing lines;
//   1. bundles test/integration/index.ts (mocha inside) and every test/integration/**/*.test.ts
//      into dist/test/integration/ with esbuild; builds the VSIX (`vsce package`);
//   2. for each suite, a window of its own: a fresh workspace (the fixture plus the demo spec, one
//      git commit), a fresh user profile, a VS Code server on a free port, headless Chromium opened
//      on the workbench with extensionDevelopmentPath and extensionTestsPath in the URL payload;
//      the workbench calls window.codeAutomationExit when the tests are done;
//        - "trusted":   test/integration/**/*.test.ts, except untrusted/ and vsix/, Ralph loaded
//                       from this folder;
//        - "untrusted": test/integration/untrusted/**/*.test.ts, folder in Restricted Mode;
//        - "vsix":      test/integration/vsix/**/*.test.ts against Ralph installed from the VSIX
//                       with the server's --install-extension (the extension under development is
//                       then test/integration/fixtures/empty-extension, which does nothing);
//        - "container": the same, with the server in a Docker container, as a Dev Container runs
//                       it (test/integration/container/; current VS Code only; skipped, saying
//                       why, where Docker or its image cannot start — scripts/vscode-host/container.mjs);
//   3. the UI pass (scripts/ui-pass.mjs): clicks through the workbench, one test per step; on the
//      current VS Code only (its selectors are 1.139's internals), reported skipped on the oldest;
//   4. prints the failures and one closing line, `N passed, N failed[, N skipped]`, the line
//      scripts/test.mjs and CI read; exits 1 when anything failed.
//
// Options: --vscode=current|oldest|all (default $RALPH_VSCODE_VERSION, else current), --setup (run
// scripts/vscode-host/setup.sh first, as `npm test` does; on the oldest version a setup that fails
// makes the version's tests one skipped test with the reason), --no-ui (suites only), --ui-only,
// --keep (keep the run folder even when all passed).
// Env: RALPH_SKIP_VSCODE=1 (skip, counted as one skipped test), RALPH_IT_TIMEOUT_MS (per window,
// default 10 min), RALPH_VSCODE_HOSTS (see setup.sh), RALPH_IT_VSIX (a VSIX to install instead of
// building one).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readlinkSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const argv = process.argv.slice(2);
const vscodeAt = argv.findIndex((a) => a === '--vscode' || a.startsWith('--vscode='));
const which = vscodeAt < 0 ? process.env.RALPH_VSCODE_VERSION || 'current' : argv[vscodeAt].includes('=') ? argv[vscodeAt].split('=')[1] : argv[vscodeAt + 1];
const rest = vscodeAt < 0 ? argv : argv.filter((_, i) => i !== vscodeAt && !(i === vscodeAt + 1 && !argv[vscodeAt].includes('=')));
const args = new Set(rest);
const SUMMARY = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;

/** --vscode=all: this script once per version, one after the other, the closing lines added up. */
async function runAll() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const version of ['current', 'oldest']) {
    console.log(`\n##### VS Code ${version} #####`);
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...rest], {
      env: { ...process.env, RALPH_VSCODE_VERSION: version },
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4096);
    });
    const code = await new Promise((r) => child.on('close', (c, sig) => r(c ?? sig)));
    const m = SUMMARY.exec(tail.trimEnd().split('\n').pop()?.trim() ?? '');
    if (!m) {
      console.log(`\nthe run on VS Code ${version} ended without a summary (exit ${code})`);
      totals.failed += 1;
      continue;
    }
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]) + (code !== 0 && Number(m[2]) === 0 ? 1 : 0);
    totals.skipped += Number(m[3] ?? 0);
  }
  console.log(`\n${totals.passed} passed, ${totals.failed} failed` + (totals.skipped ? `, ${totals.skipped} skipped` : ''));
  return totals.failed ? 1 : 0;
}

if (which === 'all' && process.env.RALPH_SKIP_VSCODE !== '1') {
  process.exit(await runAll());
}
process.env.RALPH_VSCODE_VERSION = which === 'all' ? 'current' : which;
const { OUT, bundleTests } = await import('./vscode-host/bundle.mjs');
const { VERSION, VERSION_NAME, assertHost, cleanupAll, installExtensions, makeRunDir } = await import('./vscode-host/host.mjs');
const { runSuite } = await import('./vscode-host/window.mjs');
const { buildVsix } = await import('./vscode-host/vsix.mjs');
const { runUiPass } = await import('./ui-pass.mjs');

/** --setup: install the host first (seconds when it is there). A host that cannot be installed is a failure. */
function setup() {
  const r = spawnSync('bash', [join(REPO, 'scripts', 'vscode-host', 'setup.sh'), VERSION_NAME], { stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(r.stderr ?? '');
  if (r.status === 0) return undefined;
  const why = `scripts/vscode-host/setup.sh ${VERSION_NAME} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n')[0]}`;
  // The oldest VS Code is a second opinion: a machine that cannot build its native modules reports
  // its tests skipped, with the reason; the current one must install.
  if (VERSION_NAME === 'oldest') return why;
  throw new Error(`${why}; set RALPH_SKIP_VSCODE=1 to skip the VS Code tests on purpose`);
}

/** The windows load a copy of the bundled tests, in the run's folder. */
const bundled = (runDir) => join(runDir, 'tests');

/**
 * A window whose Ralph is the VSIX installed into its server's extensions folder (the extension
 * under development is then an empty stand-in): the "vsix" window, and with `container` the
 * "container" window, whose server runs in that image.
 */
async function installedWindow(runDir, name, vsix, { container, env = {} } = {}) {
  const extensionsDir = join(runDir, name, 'extensions');
  try {
    installExtensions(extensionsDir, [vsix], { logFile: join(runDir, `install-extension-${name}.log`) });
    return await runSuite(runDir, {
      name,
      trust: 'trusted',
      testsPath: join(bundled(runDir), name, 'index.js'),
      developmentPath: join(REPO, 'test', 'integration', 'fixtures', 'empty-extension'),
      extensionsDir,
      container,
      env: { RALPH_IT_INSTALLED_FROM: vsix, ...env },
    });
  } catch (err) {
    return [{ suite: name, title: `${name} window: Ralph installed from the VSIX`, state: 'failed', error: err?.message ?? String(err) }];
  }
}

/** The installed VSIX's smoke tests with the VS Code server in a container (a Dev Container). */
async function containerWindow(runDir, vsix) {
  const { containerImage } = await import('./vscode-host/container.mjs');
  const found = await containerImage();
  if (!found.image) {
    console.log(`\n=== container window: skipped: ${found.reason} ===`);
    return [{ suite: 'container', title: `container window (a Dev Container): ${found.reason}`, state: 'pending' }];
  }
  return installedWindow(runDir, 'container', vsix, {
    container: found.image,
    env: { RALPH_IT_CONTAINER_IMAGE: found.image, RALPH_IT_RUNNER_MOUNT_NS: readlinkSync('/proc/self/ns/mnt') },
  });
}

async function main() {
  const t0 = Date.now();
  if (args.has('--setup')) {
    const skipped = setup();
    if (skipped) {
      console.log(`\nintegration tests on VS Code ${VERSION.vscode} skipped: ${skipped}`);
      console.log('\n0 passed, 0 failed, 1 skipped');
      return 0;
    }
  }
  assertHost();
  if (!existsSync(join(REPO, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const runDir = makeRunDir();
  const tests = [];
  if (!args.has('--ui-only')) {
    // First, as it rebuilds dist/ (production for the VSIX, then development again).
    let vsix = process.env.RALPH_IT_VSIX;
    let vsixProblem;
    try {
      vsix ??= buildVsix(join(runDir, 'ralph.vsix'));
    } catch (err) {
      vsixProblem = err?.message ?? String(err);
    }
    const n = await bundleTests();
    console.log(`bundled ${n} integration test file(s) into ${relative(REPO, OUT)}/`);
    // The windows load a copy: a second run in this checkout (it happens: the lead's and a
    // helper's) re-bundles dist/ while this one's extension hosts are still loading from it.
    const bundledDir = bundled(runDir);
    cpSync(OUT, bundledDir, { recursive: true });
    tests.push(...(await runSuite(runDir, { name: 'trusted', trust: 'trusted', testsPath: join(bundledDir, 'index.js') })));
    if (existsSync(join(bundledDir, 'untrusted'))) {
      tests.push(...(await runSuite(runDir, { name: 'untrusted', trust: 'untrusted', testsPath: join(bundledDir, 'untrusted', 'index.js') })));
    }
    // Without a VSIX, each window that installs it is a failure saying why.
    const unbuilt = (name) => [{ suite: name, title: `${name} window: Ralph installed from the VSIX`, state: 'failed', error: vsixProblem }];
    if (existsSync(join(bundledDir, 'vsix'))) tests.push(...(vsixProblem ? unbuilt('vsix') : await installedWindow(runDir, 'vsix', vsix)));
    if (VERSION_NAME === 'current' && existsSync(join(bundledDir, 'container'))) {
      tests.push(...(vsixProblem ? unbuilt('container') : await containerWindow(runDir, vsix)));
    }
  }
  if (!args.has('--no-ui') && VERSION_NAME !== 'current') {
    // Its selectors are VS Code 1.139's internals; the suites above are the check on this version.
    console.log(`\n=== UI pass: skipped on VS Code ${VERSION.vscode} (its selectors are VS Code 1.139's internals) ===`);
    tests.push({ suite: 'ui', title: `UI pass on VS Code ${VERSION.vscode}`, state: 'pending' });
  } else   if (!args.has('--no-ui')) {
    console.log('\n=== UI pass ===');
    const steps = await runUiPass({ dir: join(runDir, 'ui') });
    tests.push(
      ...steps.map((s) => ({ suite: 'ui', title: s.title, state: s.ok ? 'passed' : 'failed', error: s.ok ? undefined : s.reason })),
    );
  }

  const failures = tests.filter((t) => t.state === 'failed');
  const passed = tests.filter((t) => t.state === 'passed').length;
  const skipped = tests.filter((t) => t.state === 'pending').length;
  if (failures.length) {
    console.log(`\n${failures.length} failing:`);
    failures.forEach((t, i) => {
      console.log(`\n  ${i + 1}) [${t.suite}] ${t.title}`);
      const text = (t.error ?? '').split('\n').filter((l) => !/^\s+at .*(node:internal|node_modules)/.test(l));
      console.log(text.map((l) => '     ' + l).join('\n'));
    });
    console.log(`\nThe run's workspaces, profiles and logs are kept in ${runDir}`);
  } else if (!args.has('--keep')) {
    rmSync(runDir, { recursive: true, force: true });
  }
  console.log(`\n(integration on VS Code ${VERSION.vscode}: ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  console.log(`\n${passed} passed, ${failures.length} failed` + (skipped ? `, ${skipped} skipped` : ''));
  return failures.length ? 1 : 0;
}

let code = 1;
try {
  if (process.env.RALPH_SKIP_VSCODE === '1') {
    // Only on purpose: a machine that cannot install the host fails the suite instead.
    console.log('integration tests in VS Code skipped: RALPH_SKIP_VSCODE=1');
    console.log('\n0 passed, 0 failed, 1 skipped');
    process.exit(0);
  }
  code = await main();
} catch (err) {
  console.error(`\nintegration tests could not run: ${err?.message ?? err}`);
  console.log('\n0 passed, 1 failed');
} finally {
  await cleanupAll();
}
process.exit(code);
