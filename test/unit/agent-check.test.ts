// "Ralph: Check Agent" / `ralph check-agent`: the outcome of each check, classified from real
// child processes — small stand-in CLIs written to a temp dir that print a version, report a
// login or fail the way the real ones do — never from mocks.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentUsable, checkAgent, describeAgentCheck, versionIn } from '../../src/node/agents/check';
import { AGENTS } from '../../src/node/agents';
import { main } from '../../src/node/cli/main';

let dir: string;
let bin: string;
let home: string;

/** A stand-in CLI on the test PATH: a Node script (absolute shebang, so PATH needs nothing else). */
function fakeCli(name: string, body: string): void {
  const file = join(bin, name);
  writeFileSync(file, `#!${process.execPath}\nconst args = process.argv.slice(2).join(' ');\n${body}\n`);
  chmodSync(file, 0o755);
}

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: bin, ...extra });

describe('checking an agent CLI', function () {
  this.timeout(20_000);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ralph-check-'));
    bin = join(dir, 'bin');
    home = join(dir, 'home');
    mkdirSync(bin);
    mkdirSync(home);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('not on PATH: not installed, with the preset install line', async () => {
    const check = await checkAgent('claude', { env: env(), cwd: dir, home });
    assert.equal(check.status, 'notInstalled', JSON.stringify(check));
    assert.equal(agentUsable(check), false);
    assert.match(describeAgentCheck(check), /Claude Code is not installed: claude was not found\. To install it: npm install -g @anthropic-ai\/claude-code\./);
  });

  it('Claude Code logged out (`claude auth status` exits 1): not logged in, with its version and how to log in', async () => {
    fakeCli('claude', `if (args === '--version') { console.log('2.1.332 (Claude Code)'); process.exit(0); }
if (args === 'auth status') { console.log(JSON.stringify({ loggedIn: !!process.env.ANTHROPIC_API_KEY })); process.exit(process.env.ANTHROPIC_API_KEY ? 0 : 1); }
process.exit(9);`);
    const out = await checkAgent('claude', { env: env(), cwd: dir, home });
    assert.deepEqual(out, { status: 'notLoggedIn', label: 'Claude Code', version: '2.1.332', todo: 'run `claude auth login` in a terminal (or set ANTHROPIC_API_KEY)' });
    assert.match(describeAgentCheck(out), /^Claude Code 2\.1\.332 is installed but not logged in\. To log in: run `claude auth login`/);
    const ready = await checkAgent('claude', { env: env({ ANTHROPIC_API_KEY: 'k' }), cwd: dir, home });
    assert.equal(ready.status, 'ready', JSON.stringify(ready));
    assert.equal(agentUsable(ready), true);
  });

  it('a version command that fails or hangs: broken, with what it said and what to run', async () => {
    fakeCli('codex', `process.stderr.write('error: libc too old\\n'); process.exit(3);`);
    const failed = await checkAgent('codex', { env: env(), cwd: dir, home });
    assert.equal(failed.status, 'broken', JSON.stringify(failed));
    assert.match(describeAgentCheck(failed), /`codex --version` exited with 3: error: libc too old\. Run `codex --version` in a terminal/);
    fakeCli('codex', `setTimeout(() => {}, 60000);`);
    const hung = await checkAgent('codex', { env: env(), cwd: dir, home, timeoutMs: 500 });
    assert.equal(hung.status, 'broken', JSON.stringify(hung));
    assert.match(describeAgentCheck(hung), /gave no answer within/);
  });

  it('Codex logged in (`codex login status` exits 0): ready', async () => {
    fakeCli('codex', `if (args === '--version') console.log('codex-cli 0.171.0'); else if (args === 'login status') console.log('Logged in using ChatGPT'); else process.exit(9);`);
    const out = await checkAgent('codex', { env: env(), cwd: dir, home });
    assert.deepEqual(out, { status: 'ready', label: 'Codex CLI', version: '0.171.0', login: '`codex login status` reports a login' });
  });

  it('Gemini CLI: logged in by a key in the environment or a Google login in ~/.gemini, else not', async () => {
    fakeCli('gemini', `if (args === '--version') console.log('0.61.0'); else process.exit(9);`);
    assert.equal((await checkAgent('gemini', { env: env(), cwd: dir, home })).status, 'notLoggedIn');
    assert.equal((await checkAgent('gemini', { env: env({ GEMINI_API_KEY: 'k' }), cwd: dir, home })).status, 'ready');
    mkdirSync(join(home, '.gemini'));
    writeFileSync(join(home, '.gemini', 'oauth_creds.json'), '{}');
    const out = await checkAgent('gemini', { env: env(), cwd: dir, home });
    assert.deepEqual(out, { status: 'ready', label: 'Gemini CLI', version: '0.61.0', login: '~/.gemini/oauth_creds.json holds a login' });
  });

  it('opencode: "0 credentials" and no key in the environment is logged out; a key it lists is a login', async () => {
    fakeCli('opencode', `if (args === '--version') { console.log('1.18.33'); process.exit(0); }
if (args !== 'auth list') process.exit(9);
console.log('┌  Credentials ~/.local/share/opencode/auth.json\\n│\\n└  0 credentials');
if (process.env.ANTHROPIC_API_KEY) console.log('\\n┌  Environment\\n│\\n●  Anthropic ANTHROPIC_API_KEY\\n│\\n└  1 environment variable');`);
    const out = await checkAgent('opencode', { env: env(), cwd: dir, home });
    assert.equal(out.status, 'notLoggedIn', JSON.stringify(out));
    assert.match(describeAgentCheck(out), /run `opencode auth login`/);
    assert.equal((await checkAgent('opencode', { env: env({ ANTHROPIC_API_KEY: 'k' }), cwd: dir, home })).status, 'ready');
  });

  it('Aider: installed, login unknown (only a model call would tell), still usable', async () => {
    fakeCli('aider', `if (args === '--version') console.log('aider 0.86.1'); else process.exit(9);`);
    const out = await checkAgent('aider', { env: env(), cwd: dir, home });
    assert.equal(out.status, 'loginUnknown', JSON.stringify(out));
    assert.equal(agentUsable(out), true);
    assert.match(describeAgentCheck(out), /^Aider 0\.86\.1 is installed; Aider reads its keys/);
  });

  it('a custom command is looked up on PATH, never run', async () => {
    const ran = join(dir, 'ran');
    assert.equal((await checkAgent('custom', { env: env(), cwd: dir, home, commandTemplate: 'my-agent --prompt {promptFile}' })).status, 'notInstalled');
    fakeCli('my-agent', `require('fs').writeFileSync(${JSON.stringify(ran)}, args);`);
    const out = await checkAgent('custom', { env: env(), cwd: dir, home, commandTemplate: 'my-agent --prompt {promptFile}' });
    assert.equal(out.status, 'loginUnknown', JSON.stringify(out));
    assert.equal(existsSync(ran), false, 'the custom command was started');
    assert.equal((await checkAgent('custom', { env: env(), cwd: dir, home, commandTemplate: '  ' })).status, 'broken');
  });

  it('the demo agent is ready wherever its script is', async () => {
    assert.equal((await checkAgent('demo', { env: env(), cwd: dir, home })).status, 'ready');
    assert.equal((await checkAgent('demo', { env: env({ RALPH_DEMO_AGENT: join(dir, 'gone.mjs') }), cwd: dir, home })).status, 'notInstalled');
  });

  it('`ralph check-agent` prints the same message and exits 1 unless a run could start', async () => {
    fakeCli('claude', `if (args === '--version') console.log('2.1.332 (Claude Code)'); else process.exit(1);`);
    let out = '';
    const io = { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: () => true }, cwd: dir, env: env() } as never;
    assert.equal(await main(['check-agent', '--agent', 'claude'], io), 1);
    assert.equal(out, `${describeAgentCheck(await checkAgent('claude', { env: env(), cwd: dir, home }))}\n`);
    out = '';
    assert.equal(await main(['check-agent', '--agent', 'demo', '--json'], io), 0);
    assert.equal((JSON.parse(out) as { status: string }).status, 'ready');
  });

  it('every preset but demo and custom runs a version command; those with a login command name how to log in', () => {
    for (const def of Object.values(AGENTS)) {
      if (def.id !== 'demo' && def.id !== 'custom') assert.deepEqual(def.check.version, ['--version'], def.id);
      const login = def.check.login;
      if (login.kind !== 'none') assert.match(login.howTo, /^run `/, def.id);
    }
    assert.equal(versionIn('codex-cli 0.171.0\n'), '0.171.0');
    assert.equal(versionIn('no digits'), undefined);
  });
});
