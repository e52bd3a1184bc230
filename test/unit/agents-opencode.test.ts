// The opencode preset's reader on what opencode-ai 1.18.33 really printed against the scripted
// model server (test/fixtures/agents/opencode/, recorded with the preset's own args and env).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { opencodeAgent, opencodePermission } from '../../src/node/agents/opencode';
import type { AgentContext, AgentVerdict, TranscriptLine } from '../../src/node/agents/definition';
import type { AgentUsage } from '../../src/core/ports';

const FIXTURES = path.resolve(__dirname, '../fixtures/agents/opencode');

interface Recording {
  readonly args: string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly requests: string[];
}

interface Replay {
  readonly lines: TranscriptLine[];
  readonly verdict: AgentVerdict;
  readonly usage: AgentUsage | undefined;
  readonly meta: Recording;
}

function replay(name: string): Replay {
  const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Recording;
  const reader = opencodeAgent.reader();
  const lines: TranscriptLine[] = [];
  const read = (file: string): string[] => {
    const p = path.join(FIXTURES, file);
    return fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n') : [];
  };
  for (const line of read(`${name}.stdout`)) lines.push(...reader.stdoutLine(line));
  for (const line of read(`${name}.stderr`)) lines.push(...reader.stderrLine(line));
  const verdict = reader.verdict({ code: meta.exitCode, signal: meta.signal });
  return { lines, verdict, usage: reader.usage(), meta };
}

function texts(lines: readonly TranscriptLine[]): string[] {
  return lines.map((l) => l.text);
}

/** Every line readable: no raw JSON, no escapes, no lone bracket. */
function assertReadable(lines: readonly TranscriptLine[]): void {
  for (const l of lines) {
    assert.doesNotMatch(l.text, /^\s*[{[]/, `raw JSON in transcript: ${l.text}`);
    assert.doesNotMatch(l.text, /"type":|"sessionID"|\u001b\[/, `unreadable line: ${l.text}`);
    assert.match(l.text, /[\p{L}\p{N}]/u, `empty line: ${JSON.stringify(l.text)}`);
  }
}

function assertCleanReason(reason: string | undefined): void {
  assert.ok(reason !== undefined && reason.length > 0);
  assert.doesNotMatch(reason, /\n|\u001b|^\W*$/);
  assert.ok(reason.length <= 300);
}

describe('opencode agent (opencode-ai 1.18.33 recordings)', () => {
  it('success: tool lines for the three writes, the final answer, usage and cost from step_finish', () => {
    const r = replay('success');
    assertReadable(r.lines);
    const t = texts(r.lines);
    assert.ok(t.includes('✎ Write src/hello.txt'), t.join('\n'));
    assert.ok(t.includes('✎ Write docs/notes.md'));
    assert.ok(t.includes('✎ Write specs/demo/.progress-task-1.2.md'));
    assert.ok(t.some((l) => l.startsWith('Done: task 1.2')));
    assert.equal(r.lines.filter((l) => l.kind === 'tool').length, 3);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
    assert.match(r.verdict.summary ?? '', /^Done: task 1\.2 \(Add greeting files\)/);
    // 4 model calls, each 1000 prompt tokens (200 cached) and 50 completion tokens (10 reasoning);
    // opencode prints input 800 / output 40 / reasoning 10 / cache.read 200 per step.
    assert.deepEqual(r.usage, { inputTokens: 4000, outputTokens: 200, cachedInputTokens: 800, costUsd: 0.01284 });
  });

  it('success was recorded with the preset args: prompt on stdin, worktree as --dir', () => {
    const r = replay('success');
    assert.deepEqual(r.meta.args.slice(0, 4), ['run', '--format', 'json', '--dir']);
    assert.ok(!r.meta.args.some((a) => a.includes('Create `')), 'task text must not be in argv');
    assert.equal(opencodeAgent.promptOnStdin, true);
  });

  it('rate-429-then-ok: the retry is silent and the run succeeds', () => {
    const r = replay('rate-429-then-ok');
    assertReadable(r.lines);
    assert.equal(r.meta.requests.filter((q) => q.endsWith(' 429')).length, 1);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.lines.filter((l) => l.kind === 'tool').length, 3);
    assert.equal(r.usage?.inputTokens, 4000);
  });

  it('auth-401: unavailable, with the server message and status in one line', () => {
    const r = replay('auth-401');
    assertReadable(r.lines);
    assert.equal(r.meta.exitCode, 1);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.equal(r.verdict.failure?.reason, 'invalid x-api-key (HTTP 401)');
    assertCleanReason(r.verdict.failure?.reason);
    assert.deepEqual(texts(r.lines), ['✗ invalid x-api-key (HTTP 401)']);
    assert.equal(r.usage, undefined);
  });

  it('not-logged-in: ProviderAuthError is unavailable', () => {
    const r = replay('not-logged-in');
    assertReadable(r.lines);
    assert.equal(r.meta.exitCode, 1);
    assert.equal(r.meta.requests.length, 0);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.match(r.verdict.failure?.reason ?? '', /^Anthropic API key is missing/);
    assertCleanReason(r.verdict.failure?.reason);
  });

  it('rate-429 (persisting): rateLimited after opencode gave up its 5 retries', () => {
    const r = replay('rate-429');
    assertReadable(r.lines);
    assert.equal(r.meta.requests.length, 6);
    assert.equal(r.verdict.failure?.kind, 'rateLimited');
    assert.equal(r.verdict.failure?.reason, 'rate limit exceeded (HTTP 429)');
  });

  it('overloaded-503: an "overloaded" 503 counts as rateLimited', () => {
    const r = replay('overloaded-503');
    assertReadable(r.lines);
    assert.equal(r.meta.exitCode, 1);
    assert.equal(r.verdict.failure?.kind, 'rateLimited');
    assert.match(r.verdict.failure?.reason ?? '', /overloaded.*\(HTTP 503\)$/);
  });

  it('server-500 (persisting): a task failure with the server message', () => {
    const r = replay('server-500');
    assertReadable(r.lines);
    assert.equal(r.meta.exitCode, 1);
    assert.equal(r.meta.requests.length, 6);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'task');
    assert.equal(r.verdict.failure?.reason, 'internal server error (HTTP 500)');
  });

  it('no-write: opencode reports success with no tool call (the progress check must catch it)', () => {
    const r = replay('no-write');
    assertReadable(r.lines);
    assert.equal(r.lines.filter((l) => l.kind === 'tool').length, 0);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.summary, 'I finished task 1.2.');
    assert.deepEqual(r.usage, { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 200, costUsd: 0.00321 });
  });

  it('denied-outside: the refused write is one denied line, the run goes on', () => {
    const r = replay('denied-outside');
    assertReadable(r.lines);
    const deniedLines = r.lines.filter((l) => l.kind === 'denied');
    assert.equal(deniedLines.length, 1);
    assert.match(deniedLines[0]?.text ?? '', /^✗ denied: Write \/.*\/outside\/\.progress-task-1\.2\.md$/);
    assert.equal(r.lines.filter((l) => l.kind === 'tool').length, 2);
  });

  it('auto-rejected (opencode default permissions): the run stops at the refused call and fails', () => {
    // Recorded WITHOUT the preset's OPENCODE_PERMISSION: external_directory is "ask", `run`
    // auto-rejects it (stderr line), and opencode ends the run with exit 0 and no answer.
    const r = replay('auto-rejected');
    assertReadable(r.lines);
    assert.equal(r.meta.exitCode, 0);
    const t = texts(r.lines);
    assert.ok(t.includes('✎ Write src/hello.txt'));
    assert.ok(t.some((l) => /^✗ denied: Write \/.*\/outside\/\.progress-task-1\.2\.md$/.test(l)), t.join('\n'));
    assert.ok(t.some((l) => /^✗ denied: external_directory \(\/.*\/outside\/\*\)$/.test(l)), t.join('\n'));
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'task');
    assert.match(r.verdict.failure?.reason ?? '', /^stopped after a denied tool call: /);
    assertCleanReason(r.verdict.failure?.reason);
  });

  it('a killed run and garbage lines', () => {
    const reader = opencodeAgent.reader();
    assert.deepEqual(reader.stdoutLine('{'), []);
    assert.deepEqual(reader.stdoutLine('   '), []);
    assert.deepEqual(reader.stdoutLine('{"type":"step_start","part":{}}'), []);
    const v = reader.verdict({ code: null, signal: 'SIGTERM' });
    assert.equal(v.ok, false);
    assert.equal(v.failure?.reason, 'opencode was stopped by SIGTERM');
    assert.equal(reader.usage(), undefined);
  });

  it('args and env: worktree as --dir and PWD, narrow permission as OPENCODE_PERMISSION', () => {
    const ctx: AgentContext = {
      promptFile: '/tmp/p.md',
      progressFile: '/w/1.2/specs/s/.progress-task-1.2.md',
      taskId: '1.2',
      specDir: '/w/1.2/specs/s',
      cwd: '/w/1.2',
      writableDirs: ['/shared/out/'],
      env: {},
    };
    assert.deepEqual(opencodeAgent.args(ctx), ['run', '--format', 'json', '--dir', '/w/1.2', '--title', 'Ralph task 1.2']);
    assert.equal(opencodeAgent.args({ ...ctx, taskId: 'x y; rm -rf' }).at(-1), 'Ralph task');
    const env = opencodeAgent.env?.(ctx) ?? {};
    assert.equal(env.PWD, '/w/1.2');
    const perm = JSON.parse(env.OPENCODE_PERMISSION ?? '{}') as Record<string, unknown>;
    assert.deepEqual(perm, opencodePermission(['/shared/out/']));
    assert.equal(perm['*'], 'deny');
    assert.equal(perm.edit, 'allow');
    assert.equal(perm.bash, undefined);
    assert.deepEqual(perm.read, { '*': 'allow', '*.env': 'deny', '*.env.*': 'deny', '*.env.example': 'allow' });
    assert.deepEqual(perm.external_directory, { '*': 'deny', '/shared/out': 'allow', '/shared/out/*': 'allow' });
  });
});
