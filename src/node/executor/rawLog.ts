// The raw output of one attempt, kept for when the transcript is not enough: every stdout and
// stderr line as the agent printed it. Bounded: past the limit the middle is dropped (the start
// says how the agent began, the end holds its result), and the log says so.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';

/** Creates `<dir>/<base><ext>` exclusively (never over someone else's file), `.1`, `.2`… when
 *  taken; returns the path and an open descriptor. */
export function createExclusive(dir: string, base: string, ext: string): { file: string; fd: number } {
  mkdirSync(dir, { recursive: true });
  for (let n = 0; ; n++) {
    const file = path.join(dir, n === 0 ? `${base}${ext}` : `${base}.${n}${ext}`);
    try {
      return { file, fd: openSync(file, 'wx', 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && n < 1000) continue;
      throw err;
    }
  }
}

export const DEFAULT_LOG_LIMIT_BYTES = 8 * 1024 * 1024;
const TAIL_BYTES = 1024 * 1024;

export class RawLog {
  private written = 0;
  private dropped = 0;
  private tail: string[] = [];
  private tailBytes = 0;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    private readonly limit: number,
  ) {}

  static create(dir: string, base: string, limit = DEFAULT_LOG_LIMIT_BYTES): RawLog {
    const { file, fd } = createExclusive(dir, base, '.log');
    return new RawLog(file, fd, limit);
  }

  header(command: string, args: readonly string[], cwd: string): void {
    this.write(`# ralph: ${new Date().toISOString()} ${JSON.stringify([command, ...args])} in ${cwd}\n`);
  }

  line(stream: 'stdout' | 'stderr', line: string): void {
    const text = stream === 'stdout' ? `${line}\n` : `[stderr] ${line}\n`;
    if (this.written + text.length <= this.limit - TAIL_BYTES) {
      this.write(text);
      return;
    }
    // Past the head's share: keep a sliding tail, written at close.
    this.tail.push(text);
    this.tailBytes += text.length;
    while (this.tailBytes > TAIL_BYTES && this.tail.length > 1) {
      const gone = this.tail.shift() as string;
      this.tailBytes -= gone.length;
      this.dropped += gone.length;
    }
  }

  footer(text: string): void {
    this.flushTail();
    this.write(`# ralph: ${text}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.flushTail();
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private flushTail(): void {
    if (this.dropped > 0) this.write(`# ralph: … ${this.dropped} bytes of output left out here (the log keeps ${this.limit} bytes) …\n`);
    this.dropped = 0;
    for (const t of this.tail) this.write(t);
    this.tail = [];
    this.tailBytes = 0;
  }

  private write(text: string): void {
    if (this.closed) return;
    try {
      this.written += writeSync(this.fd, text);
    } catch {
      // A full disk must not stop the agent: the log just ends.
      this.closed = true;
    }
  }
}
