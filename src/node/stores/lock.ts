// One run per spec at a time: two `ralph run`s (or the CLI and the extension) on one spec would
// start the same agents twice and write the same state. The lock file holds the owner's pid; a
// lock whose owner is gone (kill -9) is taken over, so a crash never locks a spec for good.

import { openSync, writeSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';

export class SpecLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another Ralph run (pid ${pid}) is running this spec; stop it first, or delete ${path} if you are sure it is gone`);
    this.name = 'SpecLockedError';
  }
}

interface LockBody {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockBody | undefined {
  try {
    const body = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockBody>;
    return typeof body.pid === 'number' ? { pid: body.pid, host: String(body.host ?? ''), startedAt: String(body.startedAt ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws SpecLockedError; returns the release function. */
export function acquireSpecLock(path: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      const body: LockBody = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
      writeSync(fd, JSON.stringify(body) + '\n');
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(path);
      // Another host's pid says nothing here (a shared folder): respect its lock.
      if (owner && (owner.host !== hostname() || alive(owner.pid)) && owner.pid !== process.pid) {
        throw new SpecLockedError(path, owner.pid);
      }
      // The owner is gone (or the file is half-written by a crash): take it over.
      rmSync(path, { force: true });
    }
  }
  throw new SpecLockedError(path, readOwner(path)?.pid ?? -1);
}
