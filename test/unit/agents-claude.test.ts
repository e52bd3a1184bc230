// The Claude Code reader against what Claude Code 2.1.332 really printed talking to the scripted
// model server (test/fixtures/agents/claude/<case>.stdout/.stderr/.json, recorded with the
// definition's own args and env; each .json says how and how long it took).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { claudeAgent } from '../../src/node/agents/claude';
import type { AgentContext, AgentVerdict, TranscriptLine } from '../../src/node/agents/definition';
import type { AgentUsage } from '../../src/core/ports';
import { anthropicTurn, workingDirectory } from '../agents/protocols/anthropic';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'agents', 'claude');

interface Recorded {
  readonly lines: TranscriptLine[];
  readonly verdict: AgentVerdict;
  readonly usage: AgentUsage | undefined;
  readonly meta: { args: string[]; exitCode: number | null; signal: string | null; ms: number; requests: string[] };
}

function replay(name: string): Recorded {
  const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Recorded['meta'];
  const reader = claudeAgent.reader();
  const lines: TranscriptLine[] = [];
  for (const l of fs.readFileSync(path.join(FIXTURES, `${name}.stdout`), 'utf8').split('\n')) lines.push(...reader.stdoutLine(l));
  for (const l of fs.readFileSync(path.join(FIXTURES, `${name}.stderr`), 'utf8').split('\n')) lines.push(...reader.stderrLine(l));
  return { lines, verdict: reader.verdict({ code: meta.exitCode, signal: meta.signal }), usage: reader.usage(), meta };
}

function assertReadable(lines: readonly TranscriptLine[]): void {
  assert.ok(lines.length > 0, 'some transcript');
  for (const l of lines) {
    assert.ok(!/^\s*[[{]/.test(l.text), `no raw JSON: ${l.text}`);
    assert.ok(!l.text.includes('"type":'), `no raw JSON: ${l.text}`);
    assert.ok(!/\u001b/.test(l.text), `no escapes: ${l.text}`);
  }
}

function assertCleanReason(reason: string | undefined): void {
  assert.ok(reason !== undefined && reason.trim() !== '', 'a reason');
  assert.ok(!reason.includes('\n'), 'one line');
  assert.ok(/[\p{L}\p{N}]/u.test(reason), 'not a lone bracket');
  assert.ok(!reason.trim().startsWith('{'), 'no JSON');
}

const tools = (lines: readonly TranscriptLine[]): string[] => lines.filter((l) => l.kind === 'tool').map((l) => l.text);
const ctx = (over: Partial<AgentContext> = {}): AgentContext => ({
  promptFile: '/tmp/p.md',
  progressFile: '/tmp/wt/specs/x/.progress-task-1.md',
  taskId: '1',
  specDir: 'specs/x',
  cwd: '/tmp/wt',
  writableDirs: [],
  env: {},
  ...over,
});

describe('claude agent (Claude Code 2.1.332 recordings)', () => {
  it('success: three Write lines relative to the cwd, the answer, ok, usage summed with cache reads', () => {
    const r = replay('success');
    assertReadable(r.lines);
    assert.deepEqual(tools(r.lines), ['✎ Write src/greet.txt', '✎ Write docs/notes.md', '✎ Write specs/demo/.progress-task-1.2.md']);
    assert.ok(r.lines.some((l) => l.kind === 'info' && l.text.startsWith('Claude Code 2.1.332')));
    assert.ok(r.lines.some((l) => l.text.startsWith('Done: task 1.2')));
    // The final answer once, not again from the result event.
    assert.equal(r.lines.filter((l) => l.text.startsWith('Done: task 1.2')).length, 1);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
    assert.match(r.verdict.summary ?? '', /^Done: task 1\.2/);
    // 4 calls × (800 input + 200 cache read) and 4 × 50 output; cost as Claude Code computed it.
    assert.deepEqual(
      { ...r.usage, costUsd: Math.round((r.usage?.costUsd ?? 0) * 1e5) / 1e5 },
      { inputTokens: 4000, outputTokens: 200, cachedInputTokens: 800, costUsd: 0.01696 },
    );
    assert.equal(r.meta.exitCode, 0);
  });

  it('not logged in: unavailable, the CLI message as the reason, no API call made', () => {
    const r = replay('not-logged-in');
    assertReadable(r.lines);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.equal(r.verdict.failure?.reason, 'Not logged in · Please run /login');
    assert.deepEqual(r.meta.requests, []);
    assert.equal(r.meta.exitCode, 1);
  });

  it('401: unavailable after its (bounded) retries', () => {
    const r = replay('auth-401');
    assertReadable(r.lines);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assertCleanReason(r.verdict.failure?.reason);
    assert.match(r.verdict.failure?.reason ?? '', /Invalid API key/);
    assert.equal(r.lines.filter((l) => /retry \d\/2/.test(l.text)).length, 2);
    assert.equal(r.meta.exitCode, 1);
  });

  it('429 once then ok: a retry line, then success', () => {
    const r = replay('rate-429-then-ok');
    assertReadable(r.lines);
    assert.ok(r.lines.some((l) => l.kind === 'info' && /HTTP 429/.test(l.text)));
    assert.equal(tools(r.lines).length, 3);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
  });

  for (const [name, status] of [
    ['rate-429-persistent', 429],
    ['overloaded-529', 529],
  ] as const) {
    it(`${name}: rateLimited with a clean reason`, () => {
      const r = replay(name);
      assertReadable(r.lines);
      assert.equal(r.verdict.ok, false);
      assert.equal(r.verdict.failure?.kind, 'rateLimited');
      assertCleanReason(r.verdict.failure?.reason);
      assert.ok(r.lines.some((l) => l.text.includes(`HTTP ${status}`)));
      assert.equal(r.meta.exitCode, 1);
    });
  }

  it('persistent 500: a task failure, fast with CLAUDE_CODE_MAX_RETRIES=2, minutes without', () => {
    const r = replay('server-500');
    assertReadable(r.lines);
    assert.equal(r.verdict.failure?.kind, 'task');
    assertCleanReason(r.verdict.failure?.reason);
    assert.match(r.verdict.failure?.reason ?? '', /500/);
    assert.equal(r.meta.requests.length, 3);
    assert.ok(r.meta.ms < 20_000, `bounded: ${r.meta.ms} ms`);
    const unbounded = replay('server-500-unbounded');
    assert.equal(unbounded.verdict.failure?.kind, 'task');
    assert.equal(unbounded.meta.requests.length, 11);
    assert.ok(unbounded.meta.ms > 120_000, 'the default retries take minutes');
  });

  it('no write: Claude Code calls it a success (Ralph must check the files), usage of one call', () => {
    const r = replay('no-write');
    assertReadable(r.lines);
    assert.deepEqual(tools(r.lines), []);
    assert.equal(r.verdict.ok, true);
    assert.deepEqual(r.usage, { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 200, costUsd: 0.004240000000000001 });
  });

  it('stream dropped once: retried, then success', () => {
    const r = replay('stream-dropped-once');
    assertReadable(r.lines);
    assert.ok(r.lines.some((l) => l.kind === 'info' && /retry 1\/2/.test(l.text)));
    assert.equal(r.verdict.ok, true);
    assert.equal(tools(r.lines).length, 3);
  });

  it('a write outside the worktree is denied, the others succeed: ok, and the summary names the denial', () => {
    const r = replay('permission-denied');
    assertReadable(r.lines);
    const denials = r.lines.filter((l) => l.kind === 'denied');
    assert.equal(denials.length, 1);
    assert.match(denials[0]?.text ?? '', /^✗ denied: Write \S*outside\.txt/);
    assert.equal(r.verdict.ok, true);
    assert.match(r.verdict.summary ?? '', /denied: Write \S*outside\.txt/);
  });

  it('every write denied: a failure although Claude Code says completed', () => {
    const r = replay('all-writes-denied');
    assertReadable(r.lines);
    assert.equal(r.meta.exitCode, 0);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'task');
    assertCleanReason(r.verdict.failure?.reason);
    assert.match(r.verdict.failure?.reason ?? '', /denied every write: Write \S*outside\.txt/);
  });

  it('a compound shell command is denied in acceptEdits: a $ line and a denied line', () => {
    const r = replay('shell-denied');
    assertReadable(r.lines);
    assert.ok(tools(r.lines).some((t) => t.startsWith("$ python3 -c 'print(1)'")));
    assert.ok(r.lines.some((l) => l.kind === 'denied' && l.text.includes('Bash python3')));
    assert.equal(r.verdict.ok, true);
  });

  it('--add-dir: the extra folder is writable', () => {
    const r = replay('add-dir');
    assert.ok(r.meta.args.includes('--add-dir'));
    assert.equal(r.lines.filter((l) => l.kind === 'denied').length, 0);
    assert.ok(tools(r.lines).some((t) => t.includes('shared-x/outside.txt')));
    assert.equal(r.verdict.ok, true);
  });

  it('a run killed before its result: usage from the messages so far, the signal as the reason', () => {
    const all = fs.readFileSync(path.join(FIXTURES, 'success.stdout'), 'utf8').split('\n');
    const reader = claudeAgent.reader();
    // Up to the second tool call: two model messages seen.
    for (const l of all.slice(0, 5)) reader.stdoutLine(l);
    const v = reader.verdict({ code: null, signal: 'SIGTERM' });
    assert.equal(v.failure?.kind, 'task');
    assert.equal(v.failure?.reason, 'Claude Code was stopped by SIGTERM');
    // Each message's usage counted once (the stream repeats it per content block).
    assert.deepEqual(reader.usage(), { inputTokens: 2000, outputTokens: 2, cachedInputTokens: 400 });
  });

  it('bad arguments: exit 1 and its stderr line as the reason', () => {
    const reader = claudeAgent.reader();
    // What 2.1.332 printed for stream-json without --verbose (exit 1).
    const lines = reader.stderrLine('Error: When using --print, --output-format=stream-json requires --verbose');
    assert.equal(lines[0]?.kind, 'error');
    const v = reader.verdict({ code: 1, signal: null });
    assert.equal(v.failure?.kind, 'task');
    assert.equal(v.failure?.reason, 'When using --print, --output-format=stream-json requires --verbose');
  });

  it('never throws on junk, shows no JSON', () => {
    const reader = claudeAgent.reader();
    assert.deepEqual(reader.stdoutLine('{'), []);
    assert.deepEqual(reader.stdoutLine('{"type":"assistant","message":7}'), []);
    assert.deepEqual(reader.stdoutLine('{"type":"stream_event","event":{}}'), []);
    assert.deepEqual(reader.stderrLine('   '), []);
    assert.deepEqual(reader.verdict({ code: 0, signal: null }), {});
  });

  it('args: print mode, stream-json, acceptEdits, no prompts, writable dirs; prompt on stdin', () => {
    assert.deepEqual(claudeAgent.args(ctx({ writableDirs: ['/a', '/b c'] })), [
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--permission-prompts',
      'none',
      '--add-dir',
      '/a',
      '--add-dir',
      '/b c',
    ]);
    assert.equal(claudeAgent.promptOnStdin, true);
    const recorded = replay('success').meta.args;
    assert.deepEqual(recorded, claudeAgent.args(ctx()), 'the recordings used the definition as it is');
  });

  it('env: offline, bounded retries and request time, the user’s own settings win', () => {
    const env = claudeAgent.env?.(ctx({ timeoutMs: 120_000 }));
    assert.deepEqual(env, { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: '2', API_TIMEOUT_MS: '120000' });
    assert.equal(claudeAgent.env?.(ctx({ timeoutMs: 3_600_000 }))?.API_TIMEOUT_MS, '600000');
    assert.equal(claudeAgent.env?.(ctx())?.API_TIMEOUT_MS, undefined);
    assert.equal(claudeAgent.env?.(ctx({ env: { CLAUDE_CODE_MAX_RETRIES: '5' } }))?.CLAUDE_CODE_MAX_RETRIES, undefined);
  });
});

describe('anthropic protocol handler', () => {
  it('finds the working directory Claude Code states in a system message, and counts tool results', () => {
    const body = {
      system: [{ type: 'text', text: 'You are Claude Code.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: '# Task 1.2: X' }] },
        { role: 'system', content: [{ type: 'text', text: '# Environment\n - Primary working directory: /tmp/wt/1.2\n' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Write', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
      ],
      tools: [{ name: 'Write' }, { name: 'Bash' }],
    };
    const { turn, context } = anthropicTurn(body);
    assert.equal(workingDirectory(context), '/tmp/wt/1.2');
    assert.equal(turn.toolResults, 1);
    assert.deepEqual(turn.tools, ['Write', 'Bash']);
    assert.match(turn.prompt, /# Task 1\.2: X/);
  });
});
