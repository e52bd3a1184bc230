// Integration tests in a real VS Code (the server and web workbench of code-server 4.139.1 =
// VS Code 1.139.1, installed by scripts/vscode-host/setup.sh), then the UI pass.
//
//   1. bundles test/integration/index.ts (mocha inside) and every test/integration/**/*.test.ts
//      into dist/test/integration/ with esbuild;
//   2. for each suite, a window of its own: a fresh workspace (the fixture plus the demo spec, one
//      git commit), a fresh user profile, a VS Code server on a free port, headless Chromium opened
//      on the workbench with extensionDevelopmentPath (this repo) and extensionTestsPath in the URL
//      payload; the workbench calls window.codeAutomationExit when the tests are done;
//        - "trusted":   test/integration/**/*.test.ts, except untrusted/;
//        - "untrusted": test/integration/untrusted/**/*.test.ts, folder in Restricted Mode;
//   3. the UI pass (scripts/ui-pass.mjs): clicks through the workbench, one test per step;
//   4. prints the failures and one closing line, `N passed, N failed[, N skipped]`, the line
//      scripts/test.mjs and CI read; exits 1 when anything failed.
//
// Options: --setup (run scripts/vscode-host/setup.sh first, as `npm test` does), --no-ui (suites
// only), --ui-only, --keep (keep the run folder even when all passed).
// Env: RALPH_SKIP_VSCODE=1 (skip, counted as one skipped test), RALPH_IT_TIMEOUT_MS (per window,
// default 10 min), RALPH_VSCODE_HOST (see setup.sh).
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import { OUT, bundleTests } from './vscode-host/bundle.mjs';
import { REPO, assertHost, cleanupAll, makeRunDir, makeWorkspace, openBrowser, startServer } from './vscode-host/host.mjs';
import { runUiPass } from './ui-pass.mjs';

const WINDOW_TIMEOUT_MS = Number(process.env.RALPH_IT_TIMEOUT_MS ?? 10 * 60_000);
const PREFIX = '[ralph-it] '; // test/integration/index.ts prints its lines with it
const args = new Set(process.argv.slice(2));

/**
 * One window running one suite. Resolves with the suite's results, read from the JSON file the
 * in-host reporter writes; whatever went wrong around the tests becomes a failure of its own.
 */
async function runSuite(runDir, { name, trust, testsPath }) {
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const resultsFile = join(dir, 'results.json');
  const windowLog = join(dir, 'window.log');
  const started = Date.now();
  console.log(`\n=== ${name} window (${trust} workspace) ===`);
  const problems = [];
  let server;
  let context;
  try {
    const workspace = makeWorkspace(join(dir, 'workspace'));
    server = await startServer({
      dir,
      trust,
      // The server's environment reaches the extension host (checked: it is spawned with the
      // server's process.env), so this is how the tests get their results file, and how the demo
      // agent that Ralph spawns from the host runs fast.
      env: { RALPH_DEMO_SPEED: '0.05', RALPH_TEST_RESULTS: resultsFile },
    });
    ({ context } = await openBrowser(dir));
    const page = context.pages()[0];
    let finish;
    const finished = new Promise((r) => (finish = r));
    // The workbench's console, the extension host's included, arrives here (smoke-test driver).
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const text = format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      appendFileSync(windowLog, `[${type}] ${text}\n`);
      for (const line of text.split('\n')) {
        const at = line.indexOf(PREFIX);
        if (at >= 0) console.log('  ' + line.slice(at + PREFIX.length));
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish({ code }));
    page.on('crash', () => finish({ error: 'the browser tab crashed' }));
    page.on('pageerror', (err) => appendFileSync(windowLog, `[pageerror] ${err.stack ?? err}\n`));
    const timer = setTimeout(() => finish({ error: `no result within ${WINDOW_TIMEOUT_MS / 1000}s` }), WINDOW_TIMEOUT_MS);
    await page.goto(
      server.url(workspace, {
        extensionDevelopmentPath: server.remote(REPO),
        extensionTestsPath: server.remote(testsPath),
        skipWelcome: 'true',
      }),
    );
    const outcome = await finished;
    clearTimeout(timer);
    if (outcome.error) problems.push(outcome.error);
    else if (outcome.code !== 0 && !existsSync(resultsFile)) problems.push(`the extension host ended with code ${outcome.code}`);
  } catch (err) {
    problems.push(err?.message ?? String(err));
  } finally {
    await context?.close().catch(() => {});
    await server?.stop();
  }

  let results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    results = { suite: name, done: false, passed: 0, failed: 0, pending: 0, tests: [] };
    problems.push('the tests wrote no results (did the extension host start? is dist/extension.js built?)');
  }
  if (!results.done && problems.length === 0) problems.push('the suite did not run to its end');
  for (const p of problems) {
    results.tests.push({ title: `${name} window`, state: 'failed', error: `${p}\n(logs: ${dir})` });
    results.failed += 1;
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`  ${name}: ${results.passed} passed, ${results.failed} failed${results.pending ? `, ${results.pending} skipped` : ''} (${secs}s)`);
  return results.tests.map((t) => ({ ...t, suite: name }));
}

/** --setup: install the host first (seconds when it is there). A host that cannot be installed is a failure. */
function setup() {
  const r = spawnSync('bash', [join(REPO, 'scripts', 'vscode-host', 'setup.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`scripts/vscode-host/setup.sh failed (${r.status ?? r.signal}); set RALPH_SKIP_VSCODE=1 to skip the VS Code tests on purpose`);
}

async function main() {
  const t0 = Date.now();
  if (args.has('--setup')) setup();
  assertHost();
  if (!existsSync(join(REPO, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const runDir = makeRunDir();
  const tests = [];
  if (!args.has('--ui-only')) {
    const n = await bundleTests();
    console.log(`bundled ${n} integration test file(s) into ${relative(REPO, OUT)}/`);
    // The windows load a copy: a second run in this checkout (it happens: the lead's and a
    // helper's) re-bundles dist/ while this one's extension hosts are still loading from it.
    const bundled = join(runDir, 'tests');
    cpSync(OUT, bundled, { recursive: true });
    tests.push(...(await runSuite(runDir, { name: 'trusted', trust: 'trusted', testsPath: join(bundled, 'index.js') })));
    if (existsSync(join(bundled, 'untrusted'))) {
      tests.push(...(await runSuite(runDir, { name: 'untrusted', trust: 'untrusted', testsPath: join(bundled, 'untrusted', 'index.js') })));
    }
  }
  if (!args.has('--no-ui')) {
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
  console.log(`\n(integration: ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
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
