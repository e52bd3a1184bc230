// A short soak inside `npm test` (its own suite in scripts/test.mjs): a few rounds per isolation
// mode with a fixed seed, each killing `ralph run` at seeded moments while a simulated user
// edits, then checking that nothing was lost (scripts/soak/). Any violation fails the test and is
// printed in full, with the kept round's folder. `npm run soak` runs as many rounds as wanted.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { formatRound, formatSummary, runSoak, type Isolation } from '../../scripts/soak';

const ROOT = join(__dirname, '..', '..');
const SEED = Number(process.env.RALPH_SOAK_SEED ?? 20240611);
const ROUNDS = Number(process.env.RALPH_SOAK_ROUNDS ?? 3);

describe('soak: ralph run killed at random moments resumes with nothing lost', function () {
  // A round ends by itself or its own watchdog (run-hung) ends it: no fixed timeout here.
  this.timeout(0);

  before(() => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  });

  for (const isolation of ['none', 'worktree'] as Isolation[]) {
    it(`${ROUNDS} rounds with --isolation ${isolation} (seed ${SEED})`, async () => {
      const summary = await runSoak({ rounds: ROUNDS, isolation, seed: SEED, runTimeoutMs: 120_000, onRound: (r) => console.log(`      ${formatRound(r).split('\n').join('\n      ')}`) });
      assert.equal(summary.violations, 0, `${formatSummary(summary)}\n${summary.rounds.filter((r) => r.violations.length > 0).map(formatRound).join('\n')}`);
    });
  }
});
