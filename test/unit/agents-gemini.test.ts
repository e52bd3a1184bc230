// The Gemini CLI reader on what @google/gemini-cli 0.61.0 really printed against the scripted
// model server (test/fixtures/agents/gemini/, recorded with /tmp/gemini-work/record.ts; each
// <case>.json says how and what was seen).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentContext, AgentVerdict, TranscriptLine } from '../../src/node/agents/definition';
import { GeminiReader, geminiAgent, parseApiError } from '../../src/node/agents/gemini';

const FIXTURES = path.resolve(__dirname, '../fixtures/agents/gemini');

interface Recording {
  readonly args: string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly notes: string;
}

interface Replay {
  readonly lines: TranscriptLine[];
  readonly verdict: AgentVerdict;
  readonly reader: GeminiReader;
  readonly meta: Recording;
}

function lines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const t = fs.readFileSync(file, 'utf8');
  return t === '' ? [] : t.replace(/\n$/, '').split('\n');
}

function replay(name: string): Replay {
  const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Recording;
  const reader = new GeminiReader();
  const out: TranscriptLine[] = [];
  // stderr first, as Ralph may see it before stdout's last line; order does not change a verdict.
  for (const l of lines(path.join(FIXTURES, `${name}.stderr`))) out.push(...reader.stderrLine(l));
  for (const l of lines(path.join(FIXTURES, `${name}.stdout`))) out.push(...reader.stdoutLine(l));
  const verdict = reader.verdict({ code: meta.exitCode, signal: meta.signal });
  return { lines: out, verdict, reader, meta };
}

function assertReadable(r: Replay): void {
  for (const l of r.lines) {
    assert.ok(!/^\s*[[{]/.test(l.text), `raw JSON in the transcript: ${l.text}`);
    assert.ok(/[\p{L}\p{N}]/u.test(l.text), `empty-ish line: ${JSON.stringify(l.text)}`);
    assert.ok(!/\u001b/.test(l.text), `escape in the transcript: ${l.text}`);
    assert.ok(!/^\s+at /.test(l.text), `stack frame in the transcript: ${l.text}`);
    assert.ok(!/\{"error"/.test(l.text), `an API error body in the transcript: ${l.text}`);
  }
}

function assertCleanReason(reason: string | undefined): void {
  assert.ok(reason !== undefined && reason.trim() !== '', 'a reason');
  assert.ok(!/\n/.test(reason), `one line: ${reason}`);
  assert.ok(/[\p{L}\p{N}]/u.test(reason), `meaningful: ${reason}`);
  assert.ok(!/^[\s{}[\]]*$/.test(reason), `not a bracket: ${reason}`);
  assert.ok(!/\{"error"/.test(reason), `no raw JSON body: ${reason}`);
}

const texts = (r: Replay, kind?: TranscriptLine['kind']): string[] => r.lines.filter((l) => kind === undefined || l.kind === kind).map((l) => l.text);

describe('gemini agent (Gemini CLI 0.61.0 recordings)', () => {
  it('success: tool lines, the answer, usage with cached and thinking tokens', () => {
    const r = replay('success');
    assertReadable(r);
    const tools = texts(r, 'tool');
    assert.equal(tools.length, 3);
    assert.match(tools[0] as string, /^✎ Write \/.*\/src\/greet\.txt$/);
    assert.match(tools[1] as string, /^✎ Write \/.*\/docs\/notes\.md$/);
    assert.match(tools[2] as string, /^✎ Write \/.*\.progress-task-1\.2\.md$/);
    assert.ok(texts(r, 'text').includes('Writing src/greet.txt.'));
    assert.match(texts(r, 'text').at(-1) ?? '', /^Done: task 1\.2 \(Add greeting\)/);
    assert.deepEqual(texts(r, 'result'), ['Gemini CLI finished (3 tool calls)']);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
    assert.match(r.verdict.summary ?? '', /^Done: task 1\.2/);
    // 5 calls (router + 4 turns) × (1000 prompt of which 200 cached, 50 out + 30 thoughts).
    assert.deepEqual(r.reader.usage(), { inputTokens: 5000, outputTokens: 400, cachedInputTokens: 1000 });
    // The stderr noise of every run is not shown.
    assert.ok(!r.lines.some((l) => /256-color|Ripgrep/.test(l.text)));
  });

  it('auth-401: unavailable, exit 145, a clean reason from the API body', () => {
    const r = replay('auth-401');
    assert.equal(r.meta.exitCode, 145);
    assertReadable(r);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assertCleanReason(r.verdict.failure?.reason);
    assert.equal(r.verdict.failure?.reason, 'Gemini API error 401: API key not valid. Please pass a valid API key.');
    // The call that succeeded (the router's) still counts.
    assert.deepEqual(r.reader.usage(), { inputTokens: 1000, outputTokens: 80, cachedInputTokens: 200 });
  });

  it('not-logged-in: exit 41 with nothing on stdout is unavailable, reason from stderr', () => {
    const r = replay('not-logged-in');
    assert.equal(r.meta.exitCode, 41);
    assertReadable(r);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assertCleanReason(r.verdict.failure?.reason);
    assert.match(r.verdict.failure?.reason ?? '', /Please set an Auth method/);
    assert.equal(r.reader.usage(), undefined);
    assert.equal(geminiAgent.exitCodes?.[41]?.kind, 'unavailable');
  });

  it('rate-429-then-ok: the retry notice is shown, the run succeeds', () => {
    const r = replay('rate-429-then-ok');
    assertReadable(r);
    assert.ok(texts(r, 'info').some((t) => /^Attempt 1 failed: Resource has been exhausted/.test(t)));
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.failure, undefined);
    assert.equal(texts(r, 'tool').length, 3);
  });

  it('overloaded-503: rateLimited although the message lost its status (exit 247 keeps it)', () => {
    const r = replay('overloaded-503');
    assert.equal(r.meta.exitCode, 247);
    assertReadable(r);
    assert.equal(r.verdict.failure?.kind, 'rateLimited');
    assertCleanReason(r.verdict.failure?.reason);
    assert.equal(r.verdict.failure?.reason, 'Gemini API error 503: The model is overloaded. Please try again later.');
  });

  it('server-500: a task failure with a clean reason', () => {
    const r = replay('server-500');
    assert.equal(r.meta.exitCode, 244);
    assertReadable(r);
    assert.equal(r.verdict.failure?.kind, 'task');
    assert.equal(r.verdict.failure?.reason, 'Gemini API error 500: Internal error encountered.');
  });

  it('no-write: success said, no tool line', () => {
    const r = replay('no-write');
    assertReadable(r);
    assert.equal(texts(r, 'tool').length, 0);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.summary, 'I finished task 1.2.');
    assert.deepEqual(r.reader.usage(), { inputTokens: 2000, outputTokens: 160, cachedInputTokens: 400 });
  });

  it('stream-drop: the retried turn completes', () => {
    const r = replay('stream-drop');
    assertReadable(r);
    assert.ok(texts(r, 'info').some((t) => /^Attempt 1 failed\. Retrying with backoff/.test(t)));
    assert.equal(r.verdict.ok, true);
    assert.equal(texts(r, 'tool').length, 3);
  });

  it('denied-default-mode: write_file not registered shows as denied lines', () => {
    const r = replay('denied-default-mode');
    assertReadable(r);
    const denied = texts(r, 'denied');
    assert.equal(denied.length, 3);
    assert.match(denied[0] as string, /^✗ denied: write_file: Tool "write_file" not found/);
  });

  it('outside-workspace: a write outside the workspace is an error line, not a crash', () => {
    const r = replay('outside-workspace');
    assertReadable(r);
    assert.ok(texts(r).some((t) => /write_file: Path not in workspace/.test(t)));
    assert.equal(r.verdict.ok, true);
  });

  it('untrusted: exit 55 is unavailable with the trust message', () => {
    const r = replay('untrusted');
    assert.equal(r.meta.exitCode, 55);
    assertReadable(r);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.match(r.verdict.failure?.reason ?? '', /not running in a trusted directory/);
  });

  it('json-auth-401: the pretty-printed stderr JSON becomes one error line and the verdict', () => {
    const r = replay('json-auth-401');
    assertReadable(r);
    assert.equal(r.verdict.failure?.kind, 'unavailable');
    assert.equal(r.verdict.failure?.reason, 'Gemini API error 401: API key not valid. Please pass a valid API key.');
    assert.ok(texts(r, 'error').includes('✗ API key not valid. Please pass a valid API key.'));
  });

  it('streamed text pieces are joined into lines', () => {
    const reader = new GeminiReader();
    const ev = (content: string) => JSON.stringify({ type: 'message', role: 'assistant', content, delta: true });
    assert.deepEqual(reader.stdoutLine(ev('Hel')), []);
    assert.deepEqual(reader.stdoutLine(ev('lo\nwor')), [{ kind: 'text', text: 'Hello' }]);
    const out = reader.stdoutLine(JSON.stringify({ type: 'tool_use', tool_name: 'run_shell_command', tool_id: 'x', parameters: { command: 'npm test' } }));
    assert.deepEqual(out, [{ kind: 'text', text: 'wor' }, { kind: 'tool', text: '$ npm test' }]);
  });

  it('a stream cut before its result (exit 0, as after SIGTERM to the group) is a task failure', () => {
    const reader = new GeminiReader();
    reader.stdoutLine(JSON.stringify({ type: 'init', session_id: 's', model: 'auto' }));
    reader.stdoutLine(JSON.stringify({ type: 'message', role: 'assistant', content: 'Working', delta: true }));
    const v = reader.verdict({ code: 0, signal: null });
    assert.equal(v.ok, false);
    assert.equal(v.failure?.kind, 'task');
  });

  it('parseApiError reads the forms 0.61.0 prints', () => {
    assert.deepEqual(parseApiError('[API Error: {"error":{"code":429,"message":"Quota [x] exceeded","status":"RESOURCE_EXHAUSTED"}}]'), {
      status: 429,
      message: 'Quota [x] exceeded',
    });
    assert.deepEqual(parseApiError('[API Error: Resource has been exhausted (e.g. check quota).\nSuggested retry after 1s.]\nPlease wait and try again later.'), {
      message: 'Resource has been exhausted (e.g. check quota). Suggested retry after 1s. Please wait and try again later.',
    });
  });

  it('a persistent 429 (its real message) is rateLimited', () => {
    const reader = new GeminiReader();
    reader.stdoutLine(
      JSON.stringify({
        type: 'result',
        status: 'error',
        error: { type: 'unknown', message: '[API Error: Resource has been exhausted (e.g. check quota).\nSuggested retry after 1s.]\nPlease wait and try again later. To increase your limits, request a quota increase through AI Studio, or switch to another /auth method' },
        stats: { total_tokens: 0, input_tokens: 0, output_tokens: 0, cached: 0, input: 0 },
      }),
    );
    const v = reader.verdict({ code: 173, signal: null });
    assert.equal(v.failure?.kind, 'rateLimited');
    assert.match(v.failure?.reason ?? '', /^Gemini API error 429: Resource has been exhausted/);
  });

  it('args: headless stream-json, auto_edit, skip-trust, extra folders; prompt on stdin', () => {
    const ctx: AgentContext = {
      promptFile: '/tmp/p.md',
      progressFile: '/w/specs/a/.progress-task-1.md',
      taskId: '1',
      specDir: 'specs/a',
      cwd: '/w',
      writableDirs: ['/x', '/y'],
      env: {},
    };
    assert.deepEqual(geminiAgent.args(ctx), ['--output-format', 'stream-json', '--approval-mode', 'auto_edit', '--skip-trust', '--include-directories', '/x,/y']);
    assert.deepEqual(geminiAgent.args({ ...ctx, writableDirs: [] }).includes('--include-directories'), false);
    assert.equal(geminiAgent.promptOnStdin, true);
  });
});
