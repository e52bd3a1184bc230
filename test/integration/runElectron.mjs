// `npm run test:electron`: the same integration suites under @vscode/test-electron's runTests, in a
// desktop VS Code that it downloads from update.code.visualstudio.com (RALPH_VSCODE_VERSION, default
// 'stable') and starts with Electron.
//
// Not part of `npm test`: this machine and its CI reach only the npm registry and Debian apt, so no
// desktop VS Code can be downloaded; `npm test` runs the suites in the VS Code server and web
// workbench that code-server ships instead (scripts/test-integration.mjs). Use this one on a
// developer machine or a CI with internet access; on Linux without a display, run it under xvfb-run.
//
// The suites are the same bundles (scripts/vscode-host/bundle.mjs): the trusted one in a window with
// --disable-workspace-trust, the untrusted one in a window whose fresh profile has trust on and
// never trusted the folder. Each window gets a fresh copy of the fixture workspace.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { OUT, bundleTests } from '../../scripts/vscode-host/bundle.mjs';
import { BASE_SETTINGS, REPO, TRUST_SETTINGS, makeWorkspace, writeUserSettings } from '../../scripts/vscode-host/host.mjs';

const version = process.env.RALPH_VSCODE_VERSION ?? 'stable';
await bundleTests();
const scratch = mkdtempSync(join(tmpdir(), 'ralph-electron-'));
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  for (const [name, dir] of [
    ['trusted', OUT],
    ['untrusted', join(OUT, 'untrusted')],
  ]) {
    const trust = name;
    console.log(`\n=== ${name} window (desktop VS Code ${version}) ===`);
    const base = join(scratch, name);
    const workspace = makeWorkspace(join(base, 'workspace'));
    const userDataDir = join(base, 'user');
    writeUserSettings(userDataDir, { ...BASE_SETTINGS, ...TRUST_SETTINGS[trust] });
    const resultsFile = join(base, 'results.json');
    let error;
    try {
      await runTests({
        version,
        extensionDevelopmentPath: REPO,
        extensionTestsPath: join(dir, 'index.js'),
        // Task worktrees in the scratch folder, removed with it (not in ~/.local/state).
        extensionTestsEnv: { RALPH_DEMO_SPEED: '0.05', RALPH_TEST_RESULTS: resultsFile, RALPH_WORKTREES_DIR: join(base, 'worktrees'), RALPH_LOGS_DIR: join(base, 'agent-logs') },
        launchArgs: [
          workspace,
          '--user-data-dir', userDataDir,
          '--extensions-dir', join(base, 'extensions'),
          '--disable-extensions', // other extensions; the one under development still loads
          '--skip-welcome',
          '--skip-release-notes',
          ...(trust === 'trusted' ? ['--disable-workspace-trust'] : []),
        ],
      });
    } catch (err) {
      error = err;
    }
    let results;
    try {
      results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    } catch {
      console.error(`${name}: no results (${error?.message ?? 'the window wrote none'})`);
      failed += 1;
      continue;
    }
    for (const t of results.tests.filter((x) => x.state === 'failed')) console.log(`\n  ✘ ${t.title}\n${t.error?.replace(/^/gm, '      ')}`);
    passed += results.passed;
    failed += results.failed + (results.done ? 0 : 1);
    skipped += results.pending;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`\n${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exitCode = failed ? 1 : 0;
