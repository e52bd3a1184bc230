// The image the "container" window runs the VS Code server in (scripts/test-integration.mjs): the
// runner tests' Debian base image (scripts/docker/images.mjs: debootstrap minbase with git, and a
// node), made with no registry, on this machine's Docker engine, started when it is not running.
import { startMain } from '../docker/engines.mjs';
import { buildBase, buildRootfs } from '../docker/images.mjs';
import { BASE_IMAGE } from '../docker/lib.mjs';

/** @returns {Promise<{image: string} | {reason: string}>} the image, or why there is none */
export async function containerImage() {
  const engine = await startMain();
  if (!engine.ok) return { reason: `the Docker engine: ${engine.line}` };
  const rootfs = await buildRootfs();
  if (!rootfs.ok) return { reason: `${rootfs.image}: ${rootfs.line}` };
  const base = buildBase();
  if (!base.ok) return { reason: `${base.image}: ${base.line}` };
  return { image: BASE_IMAGE };
}
