// What the runner tests need from Docker: the two engines (the machine's own, and the second one
// scripts/docker/engines.mjs starts to stand in for a remote host), the test images
// (scripts/docker/images.mjs), and `describeDocker`, which registers a suite that is reported
// SKIPPED, with the reason, when an engine or an image it needs is missing: never passed silently.
//
// `npm test` runs `engines.mjs start` and `images.mjs` before this part (scripts/test.mjs); when
// they fail it sets RUNNER_TESTS_SKIP to their last line, and every suite here skips with it.
// By hand: `node scripts/docker/engines.mjs start && node scripts/docker/images.mjs`, then
// `npx mocha 'test/runners/**/*.test.ts'`.

import { execFile } from 'node:child_process';
import names from '../../scripts/docker/names.json';
import pins from '../../scripts/agent-clis/pins.json';

export type Engine = 'main' | 'second';
export type Availability = { ok: true } | { ok: false; reason: string };

/** The base image: Debian bookworm (minbase, git, ca-certificates) with the host's node. */
export const BASE_IMAGE: string = names.baseImage;
/** Every test image carries this label (`docker images --filter label=ralph.test=1`). */
export const TEST_LABEL: string = names.testLabel;
/** The second engine's socket: pass as `-H`, or as DOCKER_HOST to what the test runs. */
export const SECOND_HOST: string = names.secondHost;

export type AgentCli = keyof typeof pins;

/** `ralph-test/agent-claude:2.1.332`: the pinned CLI, on PATH, in /opt/agent-clis/<name>. */
export function agentImage(name: AgentCli): string {
  return `${names.agentImagePrefix}${name}:${pins[name].version}`;
}

/** `-H <socket>` for the second engine, nothing for the main one. */
export function hostArgs(engine: Engine): string[] {
  return engine === 'second' ? ['-H', SECOND_HOST] : [];
}

/** DOCKER_HOST for a process (Ralph itself) that should talk to this engine. */
export function dockerHostEnv(engine: Engine): Record<string, string> {
  return engine === 'second' ? { DOCKER_HOST: SECOND_HOST } : {};
}

export interface DockerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `docker [-H …] args…` (an argv, no shell); never rejects, the exit code says how it went. */
export function docker(engine: Engine, args: string[], timeoutMs = 60_000): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile('docker', [...hostArgs(engine), ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === null ? String(err.message) : '') });
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((l) => l.trim())?.trim() ?? '';
}

const checked = new Map<Engine, Promise<Availability>>();

/** Whether the engine answers `docker info` within a few seconds (asked once per process). */
export function dockerAvailable(engine: Engine = 'main'): Promise<Availability> {
  let p = checked.get(engine);
  if (!p) {
    p = docker(engine, ['info', '--format', '{{.ServerVersion}}'], 8000).then((r): Availability => {
      if (r.code === 0 && r.stdout.trim()) return { ok: true };
      const why = firstLine(r.stderr) || firstLine(r.stdout) || `docker info exited ${r.code ?? 'on a timeout'}`;
      return { ok: false, reason: `the ${engine} Docker engine does not answer: ${why}` };
    });
    checked.set(engine, p);
  }
  return p;
}

/** Whether the engine has the image (by name). */
export async function imageAvailable(engine: Engine, image: string): Promise<Availability> {
  const r = await docker(engine, ['image', 'inspect', '--format', '{{.Id}}', image], 15_000);
  if (r.code === 0) return { ok: true };
  return { ok: false, reason: `${image} is not on the ${engine} engine (node scripts/docker/images.mjs)` };
}

export interface DockerNeeds {
  /** Default: the main engine. */
  engines?: Engine[];
  /** Default: the base image. Checked on every engine named. */
  images?: string[];
}

/** Why a suite with these needs cannot run here, or undefined when it can. */
export async function whyNot(needs: DockerNeeds = {}): Promise<string | undefined> {
  const preset = process.env.RUNNER_TESTS_SKIP;
  if (preset) return preset;
  const engines = needs.engines ?? ['main'];
  const images = needs.images ?? [BASE_IMAGE];
  for (const e of engines) {
    const a = await dockerAvailable(e);
    if (!a.ok) return a.reason;
  }
  for (const e of engines) {
    for (const i of images) {
      const a = await imageAvailable(e, i);
      if (!a.ok) return a.reason;
    }
  }
  return undefined;
}

/**
 * `describe`, whose tests are all reported skipped (mocha's pending count, which the closing
 * `N passed, N failed, N skipped` line shows) with the reason printed, when Docker or an image
 * the suite needs is missing.
 */
export function describeDocker(title: string, fn: (this: Mocha.Suite) => void, needs: DockerNeeds = {}): Mocha.Suite {
  return describe(title, function () {
    before(async function () {
      this.timeout(60_000);
      const reason = await whyNot(needs);
      if (reason) {
        console.log(`    (skipped: ${reason})`);
        this.skip();
      }
    });
    fn.call(this);
  });
}
