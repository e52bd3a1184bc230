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
  // `vsce package` and what the VSIX holds (~10 s; skipped, saying so, without @vscode/vsce).
  { name: 'package', args: [mocha, 'test/package/**/*.test.ts'] },
  // A short soak: `ralph run` killed at random moments (seeded) in both isolation modes while a
  // simulated user edits, resumed to the end and checked (scripts/soak/; `npm run soak` for more).
  { name: 'soak', args: [mocha, 'test/soak/**/*.test.ts'] },
  // The runners (issue 14): agents in Docker containers, on a second Docker engine standing in for
  // a remote host, Kubernetes Jobs. The engines and images (no registry: debootstrap from Debian's
  // mirror) are made first by scripts/docker/; when that fails, every test of the part is reported
  // skipped with the reason (RUNNER_TESTS_SKIP, read by test/runners/dockerEnv.ts).
  {
    name: 'runners',
    // The claude image is made from the pinned CLI, which the conformance part (later) also uses.
    require: [['scripts/docker/engines.mjs', 'start'], ['scripts/agent-clis/setup.mjs', 'claude'], ['scripts/docker/images.mjs']],
    skipEnv: 'RUNNER_TESTS_SKIP',
    args: [mocha, 'test/runners/**/*.test.ts'],
  },
  // The real agent CLIs (pinned, installed on first use into .agent-clis/ by
  // scripts/agent-clis/setup.mjs) against the scripted model server. A CLI that cannot be
  // installed makes its tests skipped, with the reason, never passed.
  { name: 'conformance', setup: ['scripts/agent-clis/setup.mjs'], args: [mocha, 'test/conformance/**/*.test.ts'] },
  // A real VS Code, twice: 1.139.1 and 1.90.2, the engines.vscode minimum (installed on first use
  // into .vscode-test/host and host-1.90 by scripts/vscode-host/setup.sh): the extension's
  // integration suites, the installed VSIX's smoke tests and (on 1.139) the UI pass. It prints the
  // same closing line. A current host that cannot be installed fails this suite, an oldest one is
  // one skipped test with the reason; RALPH_SKIP_VSCODE=1 skips it on purpose.
  { name: 'integration', args: ['scripts/test-integration.mjs', '--setup', '--vscode=all'] },
];

const SUMMARY = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;

function runSuite(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['inherit', 'pipe', 'inherit'] });
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

/** Runs each setup script in turn, echoing it; a failure's first `failed` line is the reason. */
async function runRequired(steps) {
  for (const step of steps) {
    const child = spawn(process.execPath, step, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      out += chunk.toString('utf8');
    });
    const code = await new Promise((resolve) => child.on('close', (c, sig) => resolve(c ?? sig)));
    if (code !== 0) {
      const lines = out.trim().split('\n');
      const why = lines.find((l) => /failed/.test(l)) ?? lines.pop() ?? '';
      return `${step.join(' ')} exited ${code}${why ? `: ${why.trim()}` : ''}`;
    }
  }
  return undefined;
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
  let env = process.env;
  if (suite.require) {
    const reason = await runRequired(suite.require);
    if (reason) {
      console.log(`\nThe ${suite.name} tests are skipped: ${reason}`);
      env = { ...process.env, [suite.skipEnv]: reason };
    }
  }
  const { code, signal, counts } = await runSuite(suite.args, env);
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
