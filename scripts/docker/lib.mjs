// What scripts/docker/images.mjs, engines.mjs and the runner tests (test/runners/dockerEnv.ts) share:
// the image names, the second engine's socket, and running a command as an argv (never a shell).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The names the scripts and the tests (test/runners/dockerEnv.ts) share, in one file. */
const NAMES = JSON.parse(readFileSync(join(repo, 'scripts', 'docker', 'names.json'), 'utf8'));

/** A root filesystem from Debian's mirror (debootstrap), imported as is: no registry anywhere. */
export const ROOTFS_IMAGE = NAMES.rootfsImage;
/** The rootfs plus the host's node binary: what every test image starts FROM. */
export const BASE_IMAGE = NAMES.baseImage;
/** A label every test image carries, so they can be listed (and removed) as a set. */
export const TEST_LABEL = NAMES.testLabel;
/** The label holding the hash of an image's inputs: an image whose label matches is not rebuilt. */
export const INPUTS_LABEL = NAMES.inputsLabel;

/** The second engine, standing in for a remote host: its own data root, exec root and socket. */
export const SECOND_HOST = NAMES.secondHost;
export const SECOND_DIRS = {
  data: process.env.RALPH_DOCKER2_ROOT || '/var/lib/ralph-docker2',
  exec: '/var/run/ralph-docker2',
  pidfile: '/var/run/ralph-docker2.pid',
};

export const PINS = JSON.parse(readFileSync(join(repo, 'scripts', 'agent-clis', 'pins.json'), 'utf8'));

/** `ralph-test/agent-claude:2.1.332`: the pinned CLI's image. */
export function agentImage(name) {
  const pin = PINS[name];
  if (!pin) throw new Error(`unknown agent CLI: ${name} (known: ${Object.keys(PINS).join(', ')})`);
  return `${NAMES.agentImagePrefix}${name}:${pin.version}`;
}

export function cacheDir() {
  return process.env.RALPH_DOCKER_CACHE || join(homedir(), '.cache', 'ralph-docker');
}

export function sha(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : JSON.stringify(p)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** `docker` with `-H host` when a host is named (undefined: the main engine). */
export function dockerArgs(host, ...args) {
  return host ? ['-H', host, ...args] : args;
}

/** Runs an argv; never throws: { ok, code, out, err }. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const err = r.error ? String(r.error.message) : (r.stderr ?? '');
  return { ok: r.status === 0 && !r.error, code: r.status ?? r.signal, out: r.stdout ?? '', err };
}

/** The last non-empty line of a command's output: the reason a failure line gives. */
export function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** `docker info` against one engine, with a short timeout. */
export function engineInfo(host, timeoutMs = 5000) {
  const r = run('docker', dockerArgs(host, 'info', '--format', '{{.ServerVersion}}'), { timeout: timeoutMs });
  if (r.ok && r.out.trim()) return { ok: true, version: r.out.trim() };
  return { ok: false, reason: lastLine(r.err) || lastLine(r.out) || `docker info exited ${r.code}` };
}

/** The value of an image's label, or undefined when the image (or label) is missing. */
export function imageLabel(host, image, label) {
  const r = run('docker', dockerArgs(host, 'image', 'inspect', '--format', `{{index .Config.Labels "${label}"}}`, image));
  if (!r.ok) return undefined;
  const v = r.out.trim();
  return v && v !== '<no value>' ? v : undefined;
}

export function imageId(host, image) {
  const r = run('docker', dockerArgs(host, 'image', 'inspect', '--format', '{{.Id}}', image));
  return r.ok ? r.out.trim() : undefined;
}

/**
 * `a | b` with two argvs: the exit codes of both, and the stderr of each.
 * Used for `tar | docker import` and `docker save | docker -H … load`.
 */
export function pipe([cmdA, argsA, optsA = {}], [cmdB, argsB, optsB = {}]) {
  return new Promise((resolve) => {
    const a = spawn(cmdA, argsA, { ...optsA, stdio: ['ignore', 'pipe', 'pipe'] });
    const b = spawn(cmdB, argsB, { ...optsB, stdio: ['pipe', 'pipe', 'pipe'] });
    let errA = '';
    let errB = '';
    let outB = '';
    a.stderr.on('data', (d) => (errA += d));
    b.stderr.on('data', (d) => (errB += d));
    b.stdout.on('data', (d) => (outB += d));
    a.stdout.pipe(b.stdin);
    b.stdin.on('error', () => {}); // b died early: its own exit code says why
    let codeA;
    let codeB;
    let left = 2;
    const done = () => {
      if (--left === 0) resolve({ ok: codeA === 0 && codeB === 0, codeA, codeB, errA, errB, outB });
    };
    a.on('error', (e) => { errA += String(e.message); });
    b.on('error', (e) => { errB += String(e.message); });
    a.on('close', (c, s) => { codeA = c ?? s; done(); });
    b.on('close', (c, s) => { codeB = c ?? s; done(); });
  });
}

export function seconds(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
