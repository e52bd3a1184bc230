#!/usr/bin/env node
// The Docker engines the runner tests use: the machine's own, and a second one on this machine
// standing in for a remote host (a `DOCKER_HOST=ssh://…` engine): its own data root, exec root,
// pidfile, containerd namespace and socket, no bridge and no iptables rules, in its own network
// namespace (so it never fights the first engine over the network), and none of this machine's
// working folders: in its own mount namespace /work, /tmp, /home and /root are covered by empty
// tmpfs, so a test that leans on a bind mount instead of moving code by git sees an empty folder
// there, as on a real remote host. Containers on it get `--network none` by default.
//
//   node scripts/docker/engines.mjs start    both engines up (the main one started when `docker
//                                            info` fails), the test images loaded into the second
//   node scripts/docker/engines.mjs stop     the second engine stopped (the main one is left)
//   node scripts/docker/engines.mjs status   {"main":{ok,reason},"second":{ok,reason,host}}
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { BASE_IMAGE, SECOND_DIRS, SECOND_HOST, agentImage, engineInfo, imageId, lastLine, repo, run, seconds } from './lib.mjs';
import { DEFAULT_CLIS, syncToSecond } from './images.mjs';

const MAIN_LOG = '/tmp/dockerd.log';
const SECOND_LOG = `${SECOND_DIRS.data}.log`;
/**
 * Covered by an empty tmpfs in the second engine's mount namespace (those that exist here), with
 * this checkout and the temp folder wherever they are (CI clones elsewhere).
 */
const HIDDEN = ['/work', '/tmp', '/home', '/root', '/var/tmp', '/mnt', '/srv', repo, tmpdir()];
const WAIT_MS = 30_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function which(cmd) {
  return run('sh', ['-c', 'command -v "$1"', 'sh', cmd]).out.trim() || undefined;
}

/** Starts argv detached with its output appended to a log; the engine outlives this script. */
function launch(cmd, args, log) {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => {});
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Polls `docker info` until it answers or WAIT_MS passed; the failure names what it saw last. */
async function waitFor(host, log, child) {
  const t0 = Date.now();
  let exited;
  child?.on('exit', (c, s) => (exited = c ?? s));
  let last = engineInfo(host, 3000);
  while (!last.ok && Date.now() - t0 < WAIT_MS && exited === undefined) {
    await sleep(500);
    last = engineInfo(host, 3000);
  }
  if (last.ok) return { ok: true, took: seconds(t0) };
  const tail = existsSync(log) ? lastLine(readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')) : '';
  const why = exited !== undefined ? `dockerd exited ${exited}` : `no answer after ${WAIT_MS / 1000} s`;
  return { ok: false, reason: `${why}; docker info said: ${last.reason}${tail ? `; ${log} ends: ${tail}` : ''}` };
}

export async function startMain() {
  const now = engineInfo(undefined, 5000);
  if (now.ok) return { ok: true, line: `running (Docker ${now.version})` };
  if (!which('dockerd')) return { ok: false, line: 'failed: dockerd is not installed (apt-get install docker.io iptables)' };
  const child = launch('dockerd', [], MAIN_LOG);
  const w = await waitFor(undefined, MAIN_LOG, child);
  return w.ok ? { ok: true, line: `started in ${w.took}` } : { ok: false, line: `failed: ${w.reason}` };
}

function pidOf() {
  try {
    const pid = Number(readFileSync(SECOND_DIRS.pidfile, 'utf8').trim());
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'dockerd' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function secondArgs() {
  return [
    '--host', SECOND_HOST,
    '--data-root', SECOND_DIRS.data,
    '--exec-root', SECOND_DIRS.exec,
    '--pidfile', SECOND_DIRS.pidfile,
    '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip-forward=false',
    // Its own containerd namespaces, should both engines ever share a system containerd.
    '--containerd-namespace', 'ralph-docker2', '--containerd-plugins-namespace', 'ralph-docker2-plugins',
  ];
}

/** Mounts an empty tmpfs on each argument before `--`, then execs what follows it. */
const HIDE_SCRIPT = 'while [ "$1" != "--" ]; do mount -t tmpfs -o size=64m,mode=0755 ralph-hidden "$1" || exit 97; shift; done; shift; exec "$@"';

async function startSecond() {
  const now = engineInfo(SECOND_HOST, 3000);
  if (now.ok) return { ok: true, line: `running at ${SECOND_HOST}` };
  if (!which('dockerd')) return { ok: false, line: 'failed: dockerd is not installed (apt-get install docker.io iptables)' };
  if (pidOf() === undefined) rmSync(SECOND_DIRS.pidfile, { force: true }); // a stale pidfile stops dockerd
  mkdirSync(SECOND_DIRS.data, { recursive: true });
  const own = [SECOND_DIRS.data, SECOND_DIRS.exec, SECOND_DIRS.pidfile];
  const under = (p, d) => p === d || p.startsWith(`${d}/`);
  // A folder inside another hidden one is hidden already (and could not be mounted on: it is gone).
  const candidates = [...new Set(HIDDEN.filter((d) => existsSync(d)).map((d) => realpathSync(d)))];
  const hidden = candidates.filter(
    (d) => d !== '/' && !own.some((p) => under(p, d)) && !candidates.some((o) => o !== d && under(d, o)),
  );
  const t0 = Date.now();
  // Its own network namespace too: with --bridge=none, dockerd deletes any `docker0` it sees at
  // start, which in the host's namespace is the main engine's bridge (measured: the main engine's
  // next `docker run` failed with "could not find bridge docker0").
  if (!which('unshare')) return { ok: false, line: 'failed: unshare (util-linux) is not installed: the second engine needs its own mount and network namespaces' };
  const child = launch('unshare', ['--mount', '--net', '--propagation', 'private', '--', 'sh', '-c', HIDE_SCRIPT, 'sh', ...hidden, '--', 'dockerd', ...secondArgs()], SECOND_LOG);
  const w = await waitFor(SECOND_HOST, SECOND_LOG, child);
  if (!w.ok) return { ok: false, line: `failed: ${w.reason}` };
  return { ok: true, line: `started at ${SECOND_HOST} in ${seconds(t0)} (own network namespace; hidden from it: ${hidden.join(' ')})` };
}

async function stopSecond() {
  const pid = pidOf();
  if (pid === undefined) return { ok: true, line: 'not running' };
  process.kill(pid, 'SIGTERM');
  const t0 = Date.now();
  while (Date.now() - t0 < WAIT_MS && existsSync(`/proc/${pid}`)) await sleep(200);
  if (existsSync(`/proc/${pid}`)) {
    process.kill(pid, 'SIGKILL');
    return { ok: true, line: `killed (no exit ${WAIT_MS / 1000} s after SIGTERM)` };
  }
  return { ok: true, line: `stopped in ${seconds(t0)}` };
}

export function status() {
  const main = engineInfo(undefined, 5000);
  const second = engineInfo(SECOND_HOST, 5000);
  return {
    main: { ok: main.ok, reason: main.ok ? `Docker ${main.version}` : main.reason },
    second: { ok: second.ok, reason: second.ok ? `Docker ${second.version}` : second.reason, host: SECOND_HOST },
  };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
if (isMain) {
  const cmd = process.argv[2];
  if (cmd === 'status') {
    console.log(JSON.stringify(status()));
  } else if (cmd === 'stop') {
    console.log(`engine second: ${(await stopSecond()).line}`);
  } else if (cmd === 'start') {
    const main = await startMain();
    console.log(`engine main: ${main.line}`);
    const second = main.ok ? await startSecond() : { ok: false, line: 'failed: the main engine is not running' };
    console.log(`engine second: ${second.line}`);
    let ok = main.ok && second.ok;
    if (ok) {
      // The test images the main engine has (images.mjs builds them and loads them here too).
      const images = [BASE_IMAGE, ...DEFAULT_CLIS.map(agentImage)].filter((i) => imageId(undefined, i));
      const s = await syncToSecond(images);
      for (const l of s.lines) console.log(`image ${l}`);
      ok = s.ok;
      if (images.includes(BASE_IMAGE)) {
        const r = run('docker', ['-H', SECOND_HOST, 'run', '--rm', '--network', 'none', BASE_IMAGE, 'git', '--version'], { timeout: 60_000 });
        console.log(`engine second: ${r.ok ? `runs a container (${r.out.trim()})` : `failed to run a container: ${lastLine(r.err)}`}`);
        ok = ok && r.ok;
      }
    }
    process.exitCode = ok ? 0 : 1;
  } else {
    console.error('usage: node scripts/docker/engines.mjs start|stop|status');
    process.exitCode = 2;
  }
}
