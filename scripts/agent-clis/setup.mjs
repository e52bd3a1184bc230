#!/usr/bin/env node
// Installs the real agent CLIs the conformance tests run, at pinned versions, from the npm registry
// into <repo>/.agent-clis/<name>@<version>/ (gitignored; RALPH_AGENT_CLIS moves it). Idempotent: a
// stamp is written only after an install succeeded, so a second run costs a stat per CLI.
//
// Pinned because the conformance tests record what each version really prints: a new version is
// a deliberate change here plus a fresh recording, not a surprise in CI.
//
// Usage: node scripts/agent-clis/setup.mjs [name…]   (default: all). Prints one line per CLI and
// exits non-zero when any failed, naming the log to read.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The pins, in one file that the tests read too (test/agents/clis/pinned.ts). */
export const CLIS = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'pins.json'), 'utf8'));

export function cliRoot() {
  return process.env.RALPH_AGENT_CLIS || join(repo, '.agent-clis');
}

/** Where the CLI's executable lands once installed. */
export function cliBin(name) {
  const c = CLIS[name];
  return join(cliRoot(), `${name}@${c.version}`, 'node_modules', '.bin', c.bin);
}

function install(name) {
  const c = CLIS[name];
  const dir = join(cliRoot(), `${name}@${c.version}`);
  const stamp = join(dir, '.installed');
  const want = `${c.pkg}@${c.version}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(cliBin(name))) {
    return { ok: true, line: `${want} ready (already installed)` };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `ralph-agent-${name}`, private: true }) + '\n');
  const log = join(dir, 'install.log');
  // The outer npm's npm_* variables (user agent, prefix, lifecycle) would leak into this install.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  const r = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', '--prefix', dir, want],
    { env, encoding: 'utf8', timeout: 15 * 60_000 },
  );
  writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.status !== 0 || !existsSync(cliBin(name))) {
    return { ok: false, line: `${want} FAILED (exit ${r.status ?? r.signal}; log: ${log})` };
  }
  writeFileSync(stamp, want);
  return { ok: true, line: `${want} installed` };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CLIS);
  let failed = 0;
  for (const name of names) {
    if (!CLIS[name]) {
      console.error(`unknown agent CLI: ${name} (known: ${Object.keys(CLIS).join(', ')})`);
      process.exit(2);
    }
    const t0 = Date.now();
    const r = install(name);
    console.log(`agent CLI ${name}: ${r.line} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (!r.ok) failed++;
  }
  process.exitCode = failed ? 1 : 0;
}
