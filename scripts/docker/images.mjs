#!/usr/bin/env node
// Builds the images the runner tests use, with no registry: only Debian's mirror (debootstrap) and
// what is on this machine (its node binary, the pinned agent CLIs in .agent-clis/).
//
//   ralph-test/rootfs:bookworm        debootstrap --variant=minbase (git, ca-certificates), imported
//   ralph-test/base:bookworm          FROM rootfs + the host's node at /usr/local/bin/node
//   ralph-test/agent-<cli>:<version>  FROM base + .agent-clis/<cli>@<version> at /opt/agent-clis/<cli>
//
// Idempotent: each image carries a label with a hash of its inputs and is rebuilt only when they
// change; the debootstrap tree is cached as a tarball in $RALPH_DOCKER_CACHE (default
// ~/.cache/ralph-docker), so a second run on a clean engine costs an import, not a download.
// When the second engine (scripts/docker/engines.mjs) is running, the images are loaded into it.
//
// Usage: node scripts/docker/images.mjs [cli…|all|none]   (default: claude). Prints one line per
// image (built / ready / failed: why) and exits non-zero when any failed.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASE_IMAGE, INPUTS_LABEL, PINS, ROOTFS_IMAGE, SECOND_HOST, TEST_LABEL, agentImage, cacheDir, engineInfo,
  imageId, imageLabel, lastLine, pipe, repo, run, seconds, sha,
} from './lib.mjs';

/** The CLIs built when none is named: claude is the one the runner tests drive for real. */
export const DEFAULT_CLIS = ['claude'];

const ROOTFS = {
  suite: 'bookworm',
  variant: 'minbase',
  include: ['git', 'ca-certificates'],
  mirror: process.env.RALPH_DEBIAN_MIRROR || 'http://deb.debian.org/debian',
};

/** Deleted from the tree before it is tarred: apt's downloads and lists, docs (about 100 MB). */
const TRIM = ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale'];

/** The debootstrap tree as a tarball in the cache, made once per set of inputs. */
function rootfsTarball() {
  const key = sha(ROOTFS, TRIM);
  const dir = cacheDir();
  const tarball = join(dir, `rootfs-${ROOTFS.suite}-${key}.tar`);
  if (existsSync(tarball)) return { ok: true, tarball, key, cached: true };
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, 'debootstrap-'));
  const root = join(work, 'root');
  const log = join(dir, 'debootstrap.log');
  try {
    const t0 = Date.now();
    const r = run('debootstrap', [`--variant=${ROOTFS.variant}`, `--include=${ROOTFS.include.join(',')}`, ROOTFS.suite, root, ROOTFS.mirror], { timeout: 15 * 60_000 });
    writeFileSync(log, r.out + r.err);
    if (!r.ok) return { ok: false, reason: `debootstrap exited ${r.code}: ${lastLine(r.err) || lastLine(r.out)} (log: ${log})` };
    const debootstrapTime = seconds(t0);
    for (const p of TRIM) {
      rmSync(join(root, p), { recursive: true, force: true });
      mkdirSync(join(root, p), { recursive: true });
    }
    // --numeric-owner: the tree's owners are the image's, not this host's names for them.
    const tmp = `${tarball}.partial`;
    const t = run('tar', ['--numeric-owner', '-C', root, '-cf', tmp, '.']);
    if (!t.ok) return { ok: false, reason: `tar exited ${t.code}: ${lastLine(t.err)}` };
    renameSync(tmp, tarball);
    return { ok: true, tarball, key, cached: false, debootstrapTime };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function buildRootfs() {
  const fs = rootfsTarball();
  if (!fs.ok) return { image: ROOTFS_IMAGE, ok: false, line: `failed: ${fs.reason}` };
  if (imageLabel(undefined, ROOTFS_IMAGE, INPUTS_LABEL) === fs.key) return { image: ROOTFS_IMAGE, ok: true, line: 'ready' };
  const t0 = Date.now();
  const r = await pipe(
    ['cat', [fs.tarball]],
    ['docker', ['import', '--change', `LABEL ${TEST_LABEL}=1 ${INPUTS_LABEL}=${fs.key}`, '--change', 'CMD ["/bin/bash"]', '-', ROOTFS_IMAGE]],
  );
  if (!r.ok) return { image: ROOTFS_IMAGE, ok: false, line: `failed: docker import exited ${r.codeB}: ${lastLine(r.errB)}` };
  const how = fs.cached ? 'from the cached tarball' : `debootstrap ${fs.debootstrapTime}`;
  return { image: ROOTFS_IMAGE, ok: true, line: `built (${how}, import ${seconds(t0)})` };
}

/**
 * `docker build` from a Dockerfile on stdin and a context directory: --pull=false and a FROM that
 * names a local image, so no registry is ever asked.
 */
function dockerBuild(image, dockerfile, context, labels) {
  const args = ['build', '--pull=false', '-q', '-t', image, '-f', '-'];
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  args.push(context);
  const r = run('docker', args, { input: dockerfile, timeout: 10 * 60_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  return r.ok ? { ok: true } : { ok: false, reason: `docker build exited ${r.code}: ${lastLine(r.err) || lastLine(r.out)}` };
}

/** The node binary copied into the base image: the one running this script (or $RALPH_DOCKER_NODE). */
function hostNode() {
  return realpathSync(process.env.RALPH_DOCKER_NODE || process.execPath);
}

export function buildBase() {
  const node = hostNode();
  const dockerfile = [
    `FROM ${ROOTFS_IMAGE}`,
    'COPY node /usr/local/bin/node',
    'ENV LANG=C.UTF-8',
    'RUN node --version && git --version',
    '',
  ].join('\n');
  const st = statSync(node);
  const key = sha(imageId(undefined, ROOTFS_IMAGE), dockerfile, node, st.size, st.mtimeMs);
  if (imageLabel(undefined, BASE_IMAGE, INPUTS_LABEL) === key) return { image: BASE_IMAGE, ok: true, line: 'ready' };
  const ctx = mkdtempSync(join(tmpdir(), 'ralph-docker-base-'));
  try {
    copyFileSync(node, join(ctx, 'node'));
    const t0 = Date.now();
    const r = dockerBuild(BASE_IMAGE, dockerfile, ctx, { [TEST_LABEL]: '1', [INPUTS_LABEL]: key });
    if (!r.ok) return { image: BASE_IMAGE, ok: false, line: `failed: ${r.reason}` };
    return { image: BASE_IMAGE, ok: true, line: `built (node ${node}, ${seconds(t0)})` };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

function cliDir(name) {
  return join(process.env.RALPH_AGENT_CLIS || join(repo, '.agent-clis'), `${name}@${PINS[name].version}`);
}

function buildAgent(name) {
  const image = agentImage(name);
  const pin = PINS[name];
  const dir = cliDir(name);
  const stamp = join(dir, '.installed');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== `${pin.pkg}@${pin.version}`) {
    return { image, ok: false, line: `failed: ${pin.pkg}@${pin.version} is not installed in ${dir} (node scripts/agent-clis/setup.mjs ${name})` };
  }
  const home = `/opt/agent-clis/${name}`;
  const dockerfile = [
    `FROM ${BASE_IMAGE}`,
    `COPY . ${home}`,
    `ENV PATH=${home}/node_modules/.bin:$PATH`,
    '',
  ].join('\n');
  // The stamp names the package and version; the base image's id covers node and the rootfs.
  const key = sha(imageId(undefined, BASE_IMAGE), dockerfile, readFileSync(stamp, 'utf8'));
  if (imageLabel(undefined, image, INPUTS_LABEL) === key) return { image, ok: true, line: 'ready' };
  const t0 = Date.now();
  // The CLI's folder is the build context itself: nothing copied twice on this side.
  const r = dockerBuild(image, dockerfile, realpathSync(dir), { [TEST_LABEL]: '1', [INPUTS_LABEL]: key });
  if (!r.ok) return { image, ok: false, line: `failed: ${r.reason}` };
  return { image, ok: true, line: `built (${seconds(t0)})` };
}

/** Loads every image whose id differs on the second engine (`docker save | docker -H … load`). */
export async function syncToSecond(images) {
  const lines = [];
  let ok = true;
  for (const image of images) {
    const id = imageId(undefined, image);
    if (!id) continue;
    if (imageId(SECOND_HOST, image) === id) {
      lines.push(`${image} on the second engine: ready`);
      continue;
    }
    const t0 = Date.now();
    const r = await pipe(['docker', ['save', image]], ['docker', ['-H', SECOND_HOST, 'load', '-q']]);
    if (r.ok) lines.push(`${image} on the second engine: loaded (${seconds(t0)})`);
    else {
      ok = false;
      lines.push(`${image} on the second engine: failed: ${lastLine(r.errA) || lastLine(r.errB)}`);
    }
  }
  return { ok, lines };
}

function imageSize(image) {
  const r = run('docker', ['image', 'inspect', '--format', '{{.Size}}', image]);
  return r.ok ? `${Math.round(Number(r.out.trim()) / 1e6)} MB` : '?';
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
if (isMain) {
  const argv = process.argv.slice(2);
  const names = argv.includes('all') ? Object.keys(PINS) : argv.includes('none') ? [] : argv.length ? argv : DEFAULT_CLIS;
  for (const n of names) {
    if (!PINS[n]) {
      console.error(`unknown agent CLI: ${n} (known: ${Object.keys(PINS).join(', ')})`);
      process.exit(2);
    }
  }
  const main = engineInfo(undefined, 10_000);
  if (!main.ok) {
    console.log(`images: failed: the Docker engine does not answer (${main.reason}); start it with node scripts/docker/engines.mjs start`);
    process.exit(1);
  }
  const results = [];
  const report = (r) => {
    results.push(r);
    console.log(`image ${r.image}: ${r.line}${r.ok ? ` [${imageSize(r.image)}]` : ''}`);
  };
  report(await buildRootfs());
  if (results[0].ok) report(buildBase());
  for (const n of names) {
    if (results.every((r) => r.ok)) report(buildAgent(n));
    else report({ image: agentImage(n), ok: false, line: 'failed: the base image failed' });
  }
  let failed = results.filter((r) => !r.ok).length;
  if (engineInfo(SECOND_HOST, 3000).ok) {
    const s = await syncToSecond(results.filter((r) => r.ok && r.image !== ROOTFS_IMAGE).map((r) => r.image));
    for (const l of s.lines) console.log(`image ${l}`);
    if (!s.ok) failed++;
  }
  process.exitCode = failed ? 1 : 0;
}
