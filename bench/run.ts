// `npm run bench`: every benchmark, one after another, each in its own process so one's heap
// does not colour another's figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const benches = ['parse.bench.ts', 'hostile.bench.ts', 'plan.bench.ts', 'editor.bench.ts', 'decorations.bench.ts', 'gitRun.bench.ts', 'run.bench.ts', 'worktree.bench.ts', 'dag.bench.ts', 'agents.bench.ts', 'runners.bench.ts', 'bundle.bench.ts', 'activation.bench.ts'];
let failed = 0;
for (const b of benches) {
  const file = join(__dirname, b);
  if (!existsSync(file)) continue;
  console.log(`\n=== ${b} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
