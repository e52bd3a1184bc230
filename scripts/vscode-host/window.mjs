// One window running one suite, shared by scripts/test-integration.mjs and bench/activation.bench.ts:
// a fresh workspace and profile, a VS Code server, headless Chromium on the workbench with the
// suite's extensionTestsPath in the URL payload, the results read back from the JSON file the
// in-host reporter (test/integration/index.ts) writes. Whatever goes wrong around the tests
// becomes a failure of its own.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { REPO, VERSION, VERSION_NAME, makeWorkspace, openBrowser, startServer } from './host.mjs';

const WINDOW_TIMEOUT_MS = Number(process.env.RALPH_IT_TIMEOUT_MS ?? 10 * 60_000);
const PREFIX = '[ralph-it] '; // test/integration/index.ts prints its lines with it
export const SHOTS = join(REPO, 'test', 'integration', 'screenshots');

/**
 * @param {string} runDir
 * @param {object} s
 * @param {string} s.name
 * @param {'trusted'|'untrusted'} s.trust
 * @param {string} s.testsPath     the suite's bundled index.js
 * @param {string} [s.developmentPath]  the extension under development (default: this repo)
 * @param {string} [s.extensionsDir]    installed extensions (see installExtensions)
 * @param {{fixture?: string, demoSpec?: boolean}} [s.workspace]
 * @param {Record<string,string>} [s.env]  more environment for the extension host
 * @param {string} [s.container]  an image to run the VS Code server in (a Dev Container's shape)
 * @param {boolean} [s.screenshot]  a picture of the window when its tests are done (the extension
 *   host has stopped by then), to test/integration/screenshots/<version>-<name>-end.png; the tests
 *   take their own with screenshot() of test/integration/helpers.ts
 * @returns {Promise<Array<object>>} the tests, each with its suite
 */
export async function runSuite(runDir, { name, trust, testsPath, developmentPath = REPO, extensionsDir, workspace: ws = {}, env = {}, screenshot = false, container }) {
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const resultsFile = join(dir, 'results.json');
  const windowLog = join(dir, 'window.log');
  const started = Date.now();
  console.log(`\n=== ${name} window (${trust} workspace, VS Code ${VERSION.vscode}) ===`);
  const problems = [];
  let server;
  let context;
  try {
    const workspace = makeWorkspace(join(dir, 'workspace'), ws);
    server = await startServer({
      dir,
      trust,
      extensionsDir,
      container,
      // The server's environment reaches the extension host (checked: it is spawned with the
      // server's process.env), so this is how the tests get their results file, and how the demo
      // agent that Ralph spawns from the host runs fast.
      env: { RALPH_DEMO_SPEED: '0.05', RALPH_TEST_RESULTS: resultsFile, RALPH_IT_VSCODE: VERSION.vscode, ...env },
    });
    ({ context } = await openBrowser(dir));
    const page = context.pages()[0];
    const takeShot = async (what) => {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${VERSION_NAME}-${name}-${what}.png`) }).catch(() => {});
    };
    let finish;
    const finished = new Promise((r) => (finish = r));
    // The workbench's console, the extension host's included, arrives here (smoke-test driver).
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const text = format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      appendFileSync(windowLog, `[${type}] ${text}\n`);
      for (const line of text.split('\n')) {
        const at = line.indexOf(PREFIX);
        if (at < 0) continue;
        const said = line.slice(at + PREFIX.length);
        // test/integration/helpers.ts screenshot(): a picture now, while the extension host runs.
        const shot = /^screenshot ([\w-]+)$/.exec(said.trim());
        if (shot) void takeShot(shot[1]);
        else console.log('  ' + said);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish({ code }));
    page.on('crash', () => finish({ error: 'the browser tab crashed' }));
    page.on('pageerror', (err) => appendFileSync(windowLog, `[pageerror] ${err.stack ?? err}\n`));
    const timer = setTimeout(() => finish({ error: `no result within ${WINDOW_TIMEOUT_MS / 1000}s` }), WINDOW_TIMEOUT_MS);
    await page.goto(
      server.url(workspace, {
        extensionDevelopmentPath: server.remote(developmentPath),
        extensionTestsPath: server.remote(testsPath),
        skipWelcome: 'true',
      }),
    );
    const outcome = await finished;
    clearTimeout(timer);
    if (screenshot) await takeShot('end');
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
