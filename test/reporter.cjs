// Mocha's spec reporter plus the closing line CI reads: `N passed, N failed`.
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class RalphReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const line = `${s.passes} passed, ${s.failures} failed` + (s.pending ? `, ${s.pending} skipped` : '');
      if (process.env.RALPH_TEST_SUMMARY_FILE) {
        require('node:fs').writeFileSync(process.env.RALPH_TEST_SUMMARY_FILE, JSON.stringify({ passed: s.passes, failed: s.failures, skipped: s.pending }));
      }
      // Printed after the spec reporter's epilogue.
      process.on('exit', () => process.stdout.write(`\n${line}\n`));
    });
  }
}
module.exports = RalphReporter;
