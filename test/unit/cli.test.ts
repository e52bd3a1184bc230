// `ralph plan` and `ralph graph` through the real bundled CLI.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CLI, ensureBuilt, makeRepo, ROOT, runCli } from './e2e-helpers';

const FIX = join(ROOT, 'test', 'fixtures', 'cli');
const DEMO = join(ROOT, 'examples', 'demo-spec');

describe('ralph plan / graph (CLI)', function () {
  this.timeout(30_000);
  before(() => ensureBuilt());

  it('prints groups, levels, conflicts, diagnostics and the estimate for a spec folder', async () => {
    const res = await runCli(['plan', DEMO], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /group 1: 1\.2, 1\.3, 1\.4/, res.stdout);
    assert.match(res.stdout, /serial\s+1 h 29 min/, res.stdout);
    assert.match(res.stdout, /critical path\s+1\.1 → /, res.stdout);
  });

  it('--json prints one stable object with 1-based lines, marker names and DAG predecessors', async () => {
    const res = await runCli(['plan', join(DEMO, 'tasks.md'), '--json', '--max-concurrent', '2'], ROOT);
    assert.equal(res.code, 0, res.stderr);
    const plan = JSON.parse(res.stdout);
    assert.deepEqual(Object.keys(plan).sort(), ['conflicts', 'diagnostics', 'estimate', 'exclusive', 'groups', 'levels', 'parallelOpportunities', 'spec', 'tasks', 'version'], res.stdout);
    const t12 = plan.tasks.find((t: { id: string }) => t.id === '1.2');
    assert.deepEqual(
      { line: t12.line, markers: t12.markers, files: t12.files, dependsOn: t12.dependsOn, verify: t12.verify },
      { line: 20, markers: ['P'], files: ['src/slug.js'], dependsOn: ['1.1'], verify: 'grep -q slug src/slug.js' },
      JSON.stringify(t12),
    );
    const t22 = plan.tasks.find((t: { id: string }) => t.id === '2.2');
    assert.deepEqual(t22.dependsOn, ['1.5'], JSON.stringify(t22));
    assert.equal(plan.estimate.maxConcurrent, 2, JSON.stringify(plan.estimate));
    assert.deepEqual(plan.groups[0].taskIds, ['1.2', '1.3', '1.4'], JSON.stringify(plan.groups));
  });

  it('reads route folders, remarks and brace lists as paths: no false conflict, the [P] group stays parallel', async () => {
    const res = await runCli(['plan', join(FIX, 'route-folders.md'), '--json'], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const plan = JSON.parse(res.stdout);
    assert.deepEqual([plan.conflicts, plan.diagnostics], [[], []], res.stdout);
    assert.deepEqual(plan.levels, [['1.1'], ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']], JSON.stringify(plan.levels));
    const t18 = plan.tasks.find((t: { id: string }) => t.id === '1.8');
    assert.deepEqual(t18.files, ['src/helpers/', 'src/date.ts', 'src/money.ts'], JSON.stringify(t18));
  });

  it('reads no paths in spec-kit prose words (in backend/, per research.md, .ics, and/or, N/A): no false conflict', async () => {
    const res = await runCli(['plan', join(FIX, 'speckit-prose.md'), '--json'], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const plan = JSON.parse(res.stdout);
    assert.deepEqual([plan.conflicts, plan.diagnostics], [[], []], res.stdout);
    assert.deepEqual(plan.groups[0].taskIds, ['T002', 'T003', 'T004', 'T005'], JSON.stringify(plan.groups));
    assert.deepEqual(
      plan.tasks.map((t: { files: string[] }) => t.files),
      [[], ['backend/src/models/calendar.py'], ['backend/src/services/event_service.py'], ['backend/src/api/export.py'], ['backend/tests/contract/test_export.py', 'backend/tests/fixtures/']],
      res.stdout,
    );
  });

  it('finds the overlap a brace list named: the two [P] tasks are kept apart, with a warning', async () => {
    const res = await runCli(['plan', join(FIX, 'brace-overlap.md')], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /1\.1 ↔ 1\.2/, res.stdout);
    assert.match(res.stdout, /brace-overlap\.md:9: warning: Task 1\.2 is in parallel group 1 with 1\.1 but both touch src\/lib\/tax\.ts/, res.stdout);
  });

  it('exits 1 and prints file:line diagnostics when the plan has errors', async () => {
    const res = await runCli(['plan', 'test/fixtures/cli/cycle.md'], ROOT);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /test\/fixtures\/cli\/cycle\.md:3: error: .*cycle.*1\.1.*1\.3/, res.stdout);
    assert.match(res.stdout, /cycle\.md:8: error: .*9\.9/, res.stdout);
  });

  it('reads a JSON manifest: its dependencies are the DAG, parallel:false runs alone', async () => {
    const res = await runCli(['plan', join(FIX, 'manifest.json'), '--json'], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const plan = JSON.parse(res.stdout);
    assert.deepEqual(plan.levels, [['SETUP--T01'], ['HASH--T01', 'WRITER--T01'], ['SCHEMA--T01']], JSON.stringify(plan.levels));
    assert.deepEqual(plan.exclusive.sort(), ['SCHEMA--T01', 'SETUP--T01'], JSON.stringify(plan.exclusive));
    assert.equal(plan.estimate.serialMinutes, 77, JSON.stringify(plan.estimate));
  });

  it('exits 2 with file and line, and no stack trace, on malformed input', async () => {
    const res = await runCli(['plan', 'test/fixtures/cli/broken.json'], ROOT);
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /^ralph: test\/fixtures\/cli\/broken\.json:\d+: /, res.stderr);
    assert.doesNotMatch(res.stderr, /\n\s+at /, res.stderr);
  });

  it('exits 2 with a clear message for a missing spec or an unknown option', async () => {
    const missing = await runCli(['plan', 'nowhere/tasks.md'], ROOT);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /nowhere\/tasks\.md: no such file/, missing.stderr);
    const bad = await runCli(['plan', DEMO, '--frobnicate'], ROOT);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /frobnicate/, bad.stderr);
    const zero = await runCli(['plan', DEMO, '--max-concurrent', '0'], ROOT);
    assert.equal(zero.code, 2, zero.stderr);
  });

  it('reads a Kiro list with flat parents and optional tasks as a person means it', async () => {
    const kiro = 'test/fixtures/kiro/flat-tasks.md';
    const res = await runCli(['plan', kiro], ROOT);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const expected = [
      `${kiro} — kiro, 9 tasks (1 done, 2 optional skipped), 0 phases`,
      '',
      'Parallel groups',
      '  (none)',
      '',
      'DAG levels (tasks on one level may run at the same time; * optional)',
      ...['1.1', '1.2', '1.3*', '1', '2.1', '2.2', '2.3*', '2', '3'].map((id, i) => `   ${i}: ${id}`),
      '',
      'Optional tasks (skipped: run with --include-optional, or run one with --task ID)',
      '  1.3  Write unit tests for the migration runner',
      '  2.3  Write integration tests for the session API',
    ];
    assert.equal(res.stdout.split('\n').slice(0, expected.length).join('\n'), expected.join('\n'), res.stdout);
    // Four tasks of work: the parents 1 and 2 are containers, 2.1 is done, 1.3 and 2.3 are skipped.
    assert.match(res.stdout, /serial {10}40 min\n/, res.stdout);
    assert.match(res.stdout, /critical path {3}1\.1 → 1\.2 → 2\.2 → 3 {2}\(40 min\)/, res.stdout);

    const all = await runCli(['plan', kiro, '--include-optional', '--json'], ROOT);
    assert.equal(all.code, 0, all.stdout + all.stderr);
    const plan = JSON.parse(all.stdout);
    const t = (id: string) => plan.tasks.find((x: { id: string }) => x.id === id);
    assert.deepEqual([t('2.3').optional, t('2.3').skipped, t('2.3').parent, t('1').parent], [true, false, '2', null], all.stdout);
    assert.equal(plan.estimate.serialMinutes, 60, JSON.stringify(plan.estimate));
  });

  it('graph --mermaid prints a flowchart with phases as subgraphs', async () => {
    const res = await runCli(['graph', DEMO, '--mermaid'], ROOT);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^flowchart TD/, res.stdout);
    assert.match(res.stdout, /subgraph .*Phase 1/, res.stdout);
  });

  it('a run of one task with its dependencies on a terminal draws its bar to the end (the live view crashed with a RangeError)', async function () {
    this.timeout(120_000);
    // A real pseudo-terminal: the redraw timer only runs on a TTY. util-linux `script` makes one.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const r = makeRepo({ 'specs/demo/tasks.md': readFileSync(join(DEMO, 'tasks.md'), 'utf8') });
    try {
      const command = `"${process.execPath}" "${CLI}" run specs/demo --agent demo --isolation none --commit none --task 2.1 --with-dependencies`;
      const res = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: r.dir, encoding: 'utf8', env: { ...process.env, RALPH_DEMO_SPEED: '0', TERM: 'xterm' }, timeout: 100_000 });
      const out = `${res.stdout}${res.stderr}`;
      assert.equal(res.status, 0, out);
      assert.doesNotMatch(out, /RangeError|listener threw|internal error/, out);
      const bars = [...out.matchAll(/[█░]{24} (\d+)\/(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      assert.ok(bars.length > 0, out);
      const [done, total] = bars[bars.length - 1] as [number, number];
      assert.ok(total > 1 && done === total, `the last bar counts the task and what it waits for: ${done}/${total}`);
    } finally {
      r.cleanup();
    }
  });
});

