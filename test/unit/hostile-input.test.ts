// Bad and hostile input ("Nothing lost, ever"): every case gets a clear message naming the file and
// line where there is one, exit code 2 for bad input from the CLI, no stack trace, and time and
// memory linear in the input. One `it` per reported crash or hang.

import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Diagnostic, Spec } from '../../src/core/model';
import { toMermaid } from '../../src/core/mermaid';
import { parseManifest, parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import { StateError } from '../../src/core/state';
import { main, type CliIo } from '../../src/node/cli/main';
import { FileStateStore } from '../../src/node/stores/state';
import { isAtomicTempFile } from '../../src/node/stores/atomic';
import { CLI, ensureBuilt, makeRepo, ROOT, type Repo } from './e2e-helpers';

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && x.length > 200 ? `${x.slice(0, 200)}…` : x));
const codes = (spec: { diagnostics: readonly Diagnostic[] }): string[] => spec.diagnostics.map((d) => d.code);

/** `main` with captured output. */
async function cli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, cwd, env: { ...process.env, NO_COLOR: '1', ...env } };
  const code = await main(argv, io);
  return { code, out, err };
}

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at |internal error|Maximum call stack/, text);
}

/** The least of a few timings of `work`: scheduling noise only ever adds. */
function fastest(work: () => void, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

describe('hostile input', function () {
  this.timeout(120_000);
  const temps: string[] = [];
  const repos: Repo[] = [];
  const temp = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ralph-hostile-'));
    temps.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    for (const r of repos) r.cleanup();
  });

  it('2. reads an unclosed "(depends on" clause, and other constructs left open on a line, in time linear in their length', () => {
    // Each of these was quadratic (or worse) in n: a regex tried every start of a long run
    // against the rest of the line. Linear means 4× the input costs about 4× the time; a
    // quadratic reading costs 16×.
    // Sizes at which the old readings took about a second: [P left open was cubic.
    const cases: Record<string, [number, (n: number) => string]> = {
      'unclosed (depends on': [64 * 1024, (n) => `- [ ] T001 Do ${'(depends on '.repeat(n / 12)}\n- [ ] T002 Next\n`],
      'unclosed (depends on with a long list': [64 * 1024, (n) => `- [ ] T001 Do (depends on ${'T002, '.repeat(n / 6)}\n- [ ] T002 Next\n`],
      'marker left open': [1024, (n) => `- [ ] 1.1 [P${' '.repeat(n)}x\n`],
      'parentheses in Files': [64 * 1024, (n) => `- [ ] 1.1 X\n  - **Files**: a${' ('.repeat(n / 2)}\n`],
      'blanks in Requirements': [64 * 1024, (n) => `- [ ] 1.1 X\n  - _Requirements: 1${' '.repeat(n)}x_\n`],
      'blanks in a heading': [64 * 1024, (n) => `# a${' '.repeat(n)}b\n- [ ] 1.1 X\n`],
      'a long token in Depends': [64 * 1024, (n) => `- [ ] 1.1 X\n- [ ] 1.2 Y\n  - **Depends**: T${'1'.repeat(n)}!\n`],
      'dots and parentheses after an id': [64 * 1024, (n) => `- [ ] 1.1 X\n- [ ] 1.2 Y\n  - **Depends**: 1.1${'.)'.repeat(n / 2)}x\n`],
      'closing punctuation in a spec-kit path': [64 * 1024, (n) => `- [ ] T001 Edit src/a.py${')'.repeat(n)}x\n- [ ] T002 Y\n`],
    };
    for (const [name, [n, make]] of Object.entries(cases)) {
      const read = (size: number) => {
        const text = make(size);
        return () => planSpec(parseSpec(text, { path: 'tasks.md' }));
      };
      read(256)();
      const small = fastest(read(n));
      // Ask again while the answer is no, so that one slow moment of the machine is not taken
      // for the cost of the input.
      let large = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 3 && !(large < 8 * small + 2); attempt++) large = Math.min(large, fastest(read(4 * n), 1));
      assert.ok(large < 8 * small + 2, `${name}: ${n} characters took ${small.toFixed(1)} ms, ${4 * n} took ${large.toFixed(1)} ms`);
    }
    // What the clause means is unchanged.
    const spec = parseSpec('- [ ] T001 A\n- [ ] T002 B (depends on (T001), and T001)\n- [ ] T003 C (depends on: T002) (depends on T001)\n- [ ] T004 D (depends on none)\n', {
      path: 'tasks.md',
    });
    assert.deepEqual(
      spec.tasks.map((t) => t.declaredDependsOn),
      [undefined, ['T001'], ['T002'], []],
      show(spec.tasks.map((t) => t.declaredDependsOn)),
    );
  });
});
