// Atomic replacement of a file: a reader (or a crash) sees the old content or the new one,
// never half of each. The temp file sits in the target's directory so the rename never
// crosses a file system.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { noSpace } from '../environment';

function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Temp files this module creates match this, so callers (and tests) can spot leftovers. */
export function isAtomicTempFile(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable. Windows cannot open a directory for fsync; there the
  // rename is as durable as the platform allows.
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EINVAL') throw err;
  } finally {
    await handle?.close();
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const swept = new Set<string>();

/**
 * Removes temp files that a process killed in the middle of a write (kill -9, power loss) left
 * next to `target`. A temp file of a process that is still alive is its write in flight, and is
 * left alone. Runs once per target per process, before the first write.
 */
export async function sweepStaleTempFiles(target: string): Promise<string[]> {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !isAtomicTempFile(name)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || processIsAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

async function existingMode(target: string): Promise<number | undefined> {
  try {
    return (await fs.stat(target)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` to a temp file next to `target`, fsyncs it, and renames it over `target` only if
 * `precondition` (called right before the rename) still holds. Returns whether it renamed.
 * The temp file is removed on every path that does not rename it.
 */
export async function replaceFileIf(
  target: string,
  data: string | Uint8Array,
  precondition: () => Promise<boolean>,
): Promise<boolean> {
  if (!swept.has(target)) {
    swept.add(target);
    await sweepStaleTempFiles(target);
  }
  const temp = tempPathFor(target);
  let renamed = false;
  try {
    const mode = await existingMode(target);
    const handle = await fs.open(temp, 'wx', mode ?? 0o666);
    try {
      await handle.writeFile(data);
      // The umask applied at open; an existing file's exact mode (e.g. executable) is kept.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!(await precondition())) return false;
    await fs.rename(temp, target);
    renamed = true;
    await fsyncDirectory(path.dirname(target));
    return true;
  } catch (error) {
    // A full disk fails the write of the temp file, whose name would only puzzle the user.
    throw noSpace(error, target) ?? error;
  } finally {
    if (!renamed) await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Atomically replaces (or creates) `target` with `data`. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await replaceFileIf(target, data, async () => true);
}

/**
 * Runs `work` after every earlier call with the same key has settled, so read-modify-write
 * cycles on one file from one process never interleave.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
