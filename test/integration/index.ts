// The extensionTestsPath module: VS Code's extension host loads it (bundled, with mocha inside, by
// scripts/test-integration.mjs) and awaits run(). It runs every *.test.js bundled next to it with
// mocha's bdd interface, the one the unit tests use.
//
// Results leave the host two ways: each test's line through console.log (the workbench forwards the
// extension host's console to the runner, which prints lines with PREFIX), and the whole record as
// JSON in $RALPH_TEST_RESULTS (the server's environment reaches the extension host), which the
// runner counts from — it does not depend on picking lines out of the workbench's log.
//
// The same file serves the untrusted-window suite: it is bundled again into untrusted/, and each
// copy runs the tests of its own folder, minus subfolders that hold a suite of their own.
import { readdirSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { join, relative } from 'node:path';
import { inspect } from 'node:util';
import Mocha from 'mocha';

/** Lines the runner shows from the host's console output. */
export const PREFIX = '[ralph-it] ';

export interface TestRecord {
  title: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export interface SuiteResults {
  suite: string;
  done: boolean;
  passed: number;
  failed: number;
  pending: number;
  tests: TestRecord[];
}

// The bundles carry inline source maps. Node keeps a loaded file's map once this is on; the stacks
// are mapped by hand below, because the extension host installs its own Error.prepareStackTrace,
// which turns off Node's mapping of stack traces.
process.setSourceMapsEnabled(true);

/** `at fn (/…/x.test.js:12:5)` → `at fn (test/integration/x.test.ts:10:3)` where a map knows. */
function mapStack(stack: string): string {
  return stack.replace(/(\/[^\s()]+\.js):(\d+):(\d+)/g, (whole, file: string, line: string, column: string) => {
    const entry = findSourceMap(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return whole;
    const source = entry.originalSource.replace(/^file:\/\//, '').replace(/^(\.\.\/)+/, '');
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** *.test.js files under dir; a subfolder with an index.js of its own is another suite. */
function testFiles(dir: string, top = true): string[] {
  if (!top && existsSync(join(dir, 'index.js'))) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return testFiles(p, false);
      return name.endsWith('.test.js') ? [p] : [];
    });
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return inspect(err);
  const e = err as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean };
  let text = mapStack(e.stack ?? `${e.name}: ${e.message}`);
  if (!text.includes(e.message)) text = `${e.name}: ${e.message}\n${text}`;
  // Node's assert puts a diff (or both booleans) in the message already; other libraries' errors may not.
  if (e.showDiff !== false && 'expected' in e && typeof e.expected !== 'boolean' && !text.includes('+ actual - expected')) {
    text += `\n  expected: ${inspect(e.expected, { depth: 4 })}\n  actual:   ${inspect(e.actual, { depth: 4 })}`;
  }
  return text;
}

export function run(): Promise<void> {
  const suiteName = relative(join(__dirname, '..'), __dirname) || 'integration';
  const resultsFile = process.env.RALPH_TEST_RESULTS;
  const results: SuiteResults = { suite: suiteName, done: false, passed: 0, failed: 0, pending: 0, tests: [] };
  // Written after every test, so a host that dies half-way still leaves what it got to.
  const save = (): void => {
    if (resultsFile) writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  };
  const record = (test: TestRecord): void => {
    results.tests.push(test);
    if (test.state === 'passed') results.passed += 1;
    else if (test.state === 'failed') results.failed += 1;
    else results.pending += 1;
    save();
  };
  const say = (line: string): void => console.log(PREFIX + line);

  const { EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
  class Reporter {
    constructor(runner: Mocha.Runner) {
      runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
        if (suite.title) say(`${'  '.repeat(suite.titlePath().length - 1)}${suite.title}`);
      });
      const indent = (t: Mocha.Runnable): string => '  '.repeat(t.titlePath().length - 1);
      runner.on(EVENT_TEST_PASS, (t: Mocha.Test) => {
        say(`${indent(t)}✔ ${t.title} (${t.duration ?? 0}ms)`);
        record({ title: t.fullTitle(), file: t.file, state: 'passed', durationMs: t.duration });
      });
      // Also hook failures ("before all" hook …), which mocha reports through the same event.
      runner.on(EVENT_TEST_FAIL, (t: Mocha.Runnable, err: unknown) => {
        say(`${indent(t)}✘ ${t.title}`);
        record({ title: t.fullTitle(), file: t.file, state: 'failed', durationMs: t.duration, error: describeError(err) });
      });
      runner.on(EVENT_TEST_PENDING, (t: Mocha.Test) => {
        say(`${indent(t)}- ${t.title} (skipped)`);
        record({ title: t.fullTitle(), file: t.file, state: 'pending' });
      });
    }
  }

  // RALPH_IT_GREP (from the runner's environment) runs only the matching tests, for debugging one.
  const grep = process.env.RALPH_IT_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: Reporter as unknown as Mocha.ReporterConstructor, ...(grep ? { grep } : {}) });
  const files = testFiles(__dirname);
  if (files.length === 0) {
    record({ title: `${suiteName}: no *.test.js next to ${__filename}`, state: 'failed', error: 'no test files' });
  }
  for (const f of files) mocha.addFile(f);

  return new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      results.done = true;
      save();
      say(`${results.passed} passed, ${results.failed} failed` + (results.pending ? `, ${results.pending} skipped` : ''));
      if (results.failed > 0) reject(new Error(`${results.failed} integration test(s) failed`));
      else resolve();
    };
    try {
      mocha.run(() => finish());
    } catch (err) {
      // A test file that throws while loading (a bad import, an error at the top level).
      record({ title: `${suiteName}: loading the test files`, state: 'failed', error: describeError(err) });
      finish();
    }
  });
}
