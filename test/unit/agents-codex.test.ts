// The Codex CLI preset's reader, on what codex 0.171.0 really printed against the scripted model
// server (test/fixtures/agents/codex/<case>.stdout/.stderr/.json; see each .json's notes).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codexAgent, codexFailureKind, codexReason } from '../../src/node/agents/codex';
import type { AgentContext, AgentVerdict, TranscriptLine } from '../../src/node/agents/definition';
import type { AgentUsage } from '../../src/core/ports';

const DIR = path.join(__dirname, '..', 'fixtures', 'agents', 'codex');

interface Recording {
  readonly lines: TranscriptLine[];
  readonly verdict: AgentVerdict;
  readonly usage: AgentUsage | undefined;
  readonly meta: { exitCode: number | null; signal: string | null; args: string[] };
}

function replay(name: string): Recording {
  const meta = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Recording['meta'];
  const reader = codexAgent.reader();
  const lines: TranscriptLine[] = [];
  for (const l of fs.readFileSync(path.join(DIR, `${name}.stdout`), 'utf8').split('\n')) lines.push(...reader.stdoutLine(l));
  for (const l of fs.readFileSync(path.join(DIR, `${name}.stderr`), 'utf8').split('\n')) lines.push(...reader.stderrLine(l));
  return { lines, verdict: reader.verdict({ code: meta.exitCode, signal: meta.signal }), usage: reader.usage(), meta };
}

const texts = (r: Recording, kind?: TranscriptLine['kind']): string[] => r.lines.filter((l) => kind === undefined || l.kind === kind).map((l) => l.text);

function assertReadable(r: Recording): void {
  for (const l of r.lines) {
    assert.ok(!/^\s*[[{]/.test(l.text), `raw JSON in the transcript: ${l.text}`);
    assert.ok(/[\p{L}\p{N}]/u.test(l.text), `empty-looking line: ${JSON.stringify(l.text)}`);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u001b\n\r]/.test(l.text), `escape or newline in: ${JSON.stringify(l.text)}`);
  }
}

function assertCleanReason(v: AgentVerdict): string {
  const reason = v.failure?.reason ?? '';
  assert.ok(reason.length > 0 && reason.length <= 300, `reason: ${reason}`);
  assert.ok(/[\p{L}\p{N}]/u.test(reason) && !/^[\s[\]{}()]*$/.test(reason), `reason: ${reason}`);
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\u001b\n\r]/.test(reason), `reason: ${JSON.stringify(reason)}`);
  assert.ok(!/url: |request id: /.test(reason), `reason keeps codex's url/request id: ${reason}`);
  return reason;
}

const WRITES = [/^✎ Write \S*\/src\/hello\.txt$/, /^✎ Write \S*\/docs\/notes\.md$/, /^✎ Write \S*\/\.progress-task-1\.2\.md$/];

function assertWrites(r: Recording, expected: readonly RegExp[] = WRITES): void {
  const tools = texts(r, 'tool');
  assert.equal(tools.length, expected.length, `tool lines: ${tools.join(' | ')}`);
  expected.forEach((re, i) => assert.match(tools[i] ?? '', re));
}

describe('codex agent (recorded from codex 0.171.0)', () => {
  it('success: three apply_patch writes as ✎ lines, the final answer, usage summed over 4 calls', () => {
    const r = replay('success');
    assertReadable(r);
    assertWrites(r);
    assert.ok(texts(r, 'text').some((t) => t.startsWith('Done: task 1.2 (Make greetings)')));
    assert.deepEqual(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
    assert.match(r.verdict.summary ?? '', /^Done: task 1\.2/);
    assert.deepEqual(r.usage, { inputTokens: 4000, outputTokens: 200, cachedInputTokens: 800 });
    assert.equal(r.meta.exitCode, 0);
    // The /tmp CODEX_HOME warning on stderr is noise, not shown.
    assert.ok(!texts(r).some((t) => t.includes('PATH aliases')));
  });

  it('auth-401: unavailable, the API message without url / request id', () => {
    const r = replay('auth-401');
    assertReadable(r);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.match(assertCleanReason(r.verdict), /^HTTP 401: Incorrect API key provided/);
    assert.equal(r.meta.exitCode, 1);
    // The retry notice is shown, as a warning, not as the failure.
    assert.ok(texts(r, 'info').some((t) => t.startsWith('⚠ Reconnecting... 1/1')));
    assert.equal(texts(r, 'error').length, 1);
    // The error event that repeats turn.failed is not shown twice.
    assert.equal(texts(r).filter((t) => t.includes('Incorrect API key')).length, 2);
  });

  it('not-logged-in: codex sends no key, the API says so, unavailable', () => {
    const r = replay('not-logged-in');
    assertReadable(r);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.match(assertCleanReason(r.verdict), /^HTTP 401: You didn't provide an API key/);
    assert.equal(r.meta.exitCode, 1);
  });

  it('rate-429-then-ok: the error event is only a notice, the run succeeds', () => {
    const r = replay('rate-429-then-ok');
    assertReadable(r);
    assert.ok(texts(r, 'info').includes('⚠ Reconnecting... 1/1 (exceeded retry limit, last status: 429 Too Many Requests)'));
    assertWrites(r);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
    assert.equal(r.usage?.inputTokens, 4000);
  });

  it('rate-429-persistent: rateLimited', () => {
    const r = replay('rate-429-persistent');
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'rateLimited');
    assert.match(assertCleanReason(r.verdict), /exceeded retry limit, last status: 429 Too Many Requests$/);
  });

  it('quota-429: an exhausted balance is unavailable, not a rate limit', () => {
    const r = replay('quota-429');
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.equal(assertCleanReason(r.verdict), 'Quota exceeded. Check your plan and billing details.');
  });

  it('overloaded-503: rateLimited', () => {
    const r = replay('overloaded-503');
    assert.equal(r.verdict.failure?.kind, 'rateLimited');
    assert.match(assertCleanReason(r.verdict), /^HTTP 503: The engine is currently overloaded/);
  });

  it('server-500 (bounded retries): a task failure with codex\'s own wording', () => {
    const r = replay('server-500');
    assertReadable(r);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'task');
    assert.match(assertCleanReason(r.verdict), /experiencing high demand/);
  });

  it('server-500 on the built-in provider: 5 reconnect notices, then a task failure', () => {
    const r = replay('server-500-builtin-provider');
    assertReadable(r);
    assert.equal(texts(r, 'info').filter((t) => t.startsWith('⚠ Reconnecting...')).length, 5);
    assert.equal(r.verdict.failure?.kind, 'task');
  });

  it('no-write: ok as the agent says, no tool lines, one call of usage', () => {
    const r = replay('no-write');
    assertReadable(r);
    assert.equal(texts(r, 'tool').length, 0);
    assert.deepEqual(texts(r, 'text'), ['I finished task 1.2.']);
    assert.equal(r.verdict.ok, true);
    assert.deepEqual(r.usage, { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 200 });
  });

  for (const name of ['stream-dropped-once', 'stream-dropped-mid-once']) {
    it(`${name}: codex reconnects by itself and succeeds`, () => {
      const r = replay(name);
      assertReadable(r);
      assertWrites(r);
      assert.equal(r.verdict.ok, true);
      assert.equal(r.verdict.failure, undefined);
    });
  }

  it('read-only-denied: every patch refused, visible only on stderr, shown as denied', () => {
    const r = replay('read-only-denied');
    assertReadable(r);
    assert.equal(texts(r, 'tool').length, 0);
    const denied = texts(r, 'denied');
    assert.equal(denied.length, 3);
    for (const d of denied) assert.match(d, /^✗ denied: patch rejected: writing is blocked by read-only sandbox/);
    // Codex itself calls the turn completed (exit 0): the verdict reports what it said.
    assert.equal(r.verdict.ok, true);
  });

  it('outside-cwd-denied: a write outside the workspace is refused, the others pass', () => {
    const r = replay('outside-cwd-denied');
    assertWrites(r, WRITES.slice(0, 2));
    assert.deepEqual(texts(r, 'denied'), ['✗ denied: patch rejected: writing outside of the project; rejected by user approval settings']);
  });

  it('add-dir: with --add-dir the same write outside the cwd succeeds', () => {
    const r = replay('add-dir');
    assertWrites(r, [WRITES[0] as RegExp, WRITES[1] as RegExp, /^✎ Write \/var\/tmp\/\S*\/\.progress-task-1\.2\.md$/]);
    assert.equal(texts(r, 'denied').length, 0);
    assert.ok(r.meta.args.includes('--add-dir'));
  });
});

describe('codex agent (synthetic edge cases)', () => {
  const ctx = (writableDirs: string[]): AgentContext => ({
    promptFile: '/w/.ralph/prompt.md',
    progressFile: '/w/specs/x/.progress-task-1.md',
    taskId: '1',
    specDir: '/w/specs/x',
    cwd: '/w',
    writableDirs,
    env: {},
  });

  it('args: headless JSON, workspace-write, prompt from stdin, one --add-dir per writable folder', () => {
    const args = codexAgent.args(ctx(['/a', '/b c']));
    assert.deepEqual(args.slice(0, 2), ['exec', '--json']);
    assert.equal(args[args.indexOf('--sandbox') + 1], 'workspace-write');
    assert.deepEqual(args.slice(-5), ['--add-dir', '/a', '--add-dir', '/b c', '-']);
    assert.equal(codexAgent.promptOnStdin, true);
    assert.ok(!codexAgent.args(ctx([])).includes('--add-dir'));
  });

  it('a config.toml codex refuses (exit 1, no JSON) is unavailable', () => {
    const reader = codexAgent.reader();
    reader.stderrLine('Error loading config.toml: invalid type: integer `5`, expected a string');
    reader.stderrLine('in `model`');
    const v = reader.verdict({ code: 1, signal: null });
    assert.equal(v.failure?.kind, 'unavailable');
    assert.equal(v.failure?.reason, 'Error loading config.toml: invalid type: integer `5`, expected a string');
  });

  it('killed by a signal: a task failure naming it', () => {
    const reader = codexAgent.reader();
    reader.stdoutLine('{"type":"turn.started"}');
    assert.deepEqual(reader.verdict({ code: null, signal: 'SIGTERM' }).failure, { kind: 'task', reason: 'codex was stopped by SIGTERM' });
  });

  it('a shell command: one $ line, its failure, never raw JSON', () => {
    const reader = codexAgent.reader();
    const started = reader.stdoutLine('{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc \'npm test\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}');
    const done = reader.stdoutLine('{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc \'npm test\'","aggregated_output":"1 failing\\n","exit_code":1,"status":"failed"}}');
    assert.deepEqual(started, [{ kind: 'tool', text: "$ bash -lc 'npm test'" }]);
    assert.deepEqual(done, [{ kind: 'error', text: '✗ exit 1' }]);
    assert.deepEqual(reader.stdoutLine('not json at all ['), [{ kind: 'info', text: 'not json at all [' }]);
    assert.deepEqual(reader.stdoutLine(']'), []);
  });

  it('failure kinds and reasons of the messages codex prints', () => {
    assert.equal(codexFailureKind('We’re currently experiencing high demand, which may cause temporary errors.'), 'task');
    assert.equal(codexFailureKind('The model `gpt-5.5` does not exist or you do not have access to it.'), 'unavailable');
    assert.equal(codexFailureKind('unexpected status 502 Bad Gateway: bad gateway, url: http://x/v1/responses'), 'task');
    assert.equal(codexReason('unexpected status 502 Bad Gateway: bad gateway, url: http://x/v1/responses'), 'HTTP 502: bad gateway');
  });
});
