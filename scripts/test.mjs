// `npm test`'s last step: the unit, grammar, webview (headless Chromium) and integration (a real
// VS Code) suites, each in its own process with its own output, and one closing line that counts
// them all, the line CI reads: `N passed, N failed`.
//
// Each suite's counts are read from the closing line our reporter prints (test/reporter.cjs), not
// through RALPH_TEST_SUMMARY_FILE: that variable would be inherited by every process the tests
// spawn, and the executor tests check that agents see exactly the RALPH_* variables Ralph sets.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const mocha = join(process.cwd(), 'node_modules', 'mocha', 'bin', 'mocha.js');

const suites = [
  { name: 'unit', args: [mocha, 'test/unit/**/*.test.ts'] },
  { name: 'grammar', args: [mocha, 'test/grammar/**/*.test.ts'] },
  { name: 'webview', args: [mocha, 'test/webview/**/*.test.ts'] },
  // Runners: the Kubernetes Job checked by the real kubectl's client-side dry run (skipped, with
  // the reason, without kubectl or the schema package).
  { name: 'runners', args: [mocha, 'test/runners/**/*.test.ts'] },
  // A short soak: `ralph run` killed at random moments (seeded) in both isolation modes while a
  // simulated user edits, resumed to the end and checked (scripts/soak/; `npm run soak` for more).
  { name: 'soak', args: [mocha, 'test/soak/**/*.test.ts'] },
  // The real agent CLIs (pinned, installed on first use into .agent-clis/ by
  // scripts/agent-clis/setup.mjs) against the scripted model server. A CLI that cannot be
  // installed makes its tests skipped, with the reason, never passed.
  { name: 'conformance', setup: ['scripts/agent-clis/setup.mjs'], args: [mocha, 'test/conformance/**/*.test.ts'] },
  // A real VS Code (installed on first use into .vscode-test/host by scripts/vscode-host/setup.sh):
  // the extension's integration suites and the UI pass. It prints the same closing line. A host
  // that cannot be installed fails this suite; RALPH_SKIP_VSCODE=1 skips it on purpose.
  { name: 'integration', args: ['scripts/test-integration.mjs', '--setup'] },
];

const SUMMARY = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;

function runSuite(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4096);
    });
    child.on('close', (code, signal) => {
      const line = tail.trimEnd().split('\n').pop()?.trim() ?? '';
      const m = SUMMARY.exec(line);
      resolve({ code, signal, counts: m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) } : undefined });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite.name} tests ===`);
  if (suite.setup) {
    // Its own output says what was installed or what failed; the tests then skip what is missing.
    await new Promise((resolve) => spawn(process.execPath, suite.setup, { stdio: 'inherit' }).on('close', resolve));
  }
  const { code, signal, counts } = await runSuite(suite.args);
  if (!counts) {
    // Mocha died before reporting (a syntax error, a crash): count the suite as one failure.
    console.error(`\nThe ${suite.name} suite ended without a summary (exit ${code ?? signal}).`);
    failed += 1;
    continue;
  }
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  if (code !== 0 && counts.failed === 0) failed += 1;
}
console.log(`\n${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exitCode = failed > 0 ? 1 : 0;
