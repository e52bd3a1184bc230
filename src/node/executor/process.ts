// One child process with everything Ralph needs around it: output streamed as it arrives and
// kept only as a bounded tail, stdout split into lines for agents that report in JSON, and a
// timeout or cancellation that takes down the whole process tree, not just the direct child.

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import treeKill from 'tree-kill';
import type { CancellationToken, Disposable } from '../../core/ports';
import { stopMarked } from './processTable';

export const DEFAULT_OUTPUT_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_KILL_GRACE_MS = 3000;
/** A stdout line longer than this is not an agent event worth parsing; it is skipped, not kept. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;
/** After the direct child exits, how long to wait for pipes held open by leftover descendants. */
const PIPE_DRAIN_MS = 1000;

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** A file descriptor to use as the child's stdin, or undefined for none. */
  readonly stdinFd?: number;
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
  readonly outputLimitBytes?: number;
  /** Needed for `cmd /c` on Windows, whose quoting Node must not touch. */
  readonly windowsVerbatimArguments?: boolean;
  /** An entry of `env` (`NAME=value`) unique to this process: when it is done, whatever still
   *  carries it is stopped too (Linux), since a descendant that called setsid() has left the
   *  process group and would outlive a group kill. */
  readonly marker?: string;
}

export interface ProcessOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Set when the process could not be started at all (ENOENT, EACCES, bad arguments). */
  readonly spawnError?: NodeJS.ErrnoException;
  readonly outputTail: string;
  readonly lastStderrLine?: string;
  readonly durationMs: number;
}

export interface ProcessObserver {
  /** The process exists (called once, synchronously after it was started). */
  onSpawn?(pid: number): void;
  onOutput?(chunk: string, stream: 'stdout' | 'stderr'): void;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
}

/** Keeps the last `limit` bytes of a stream of chunks without ever holding much more. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.limit <= 0) return;
    if (chunk.length >= this.limit) {
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0] as Buffer).length >= this.limit) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.length > this.limit ? all.subarray(all.length - this.limit) : all;
    // The cut may fall inside a UTF-8 sequence: drop the broken start rather than show junk.
    return tail.toString('utf8').replace(/^\uFFFD+/, '');
  }
}

/** Splits a text stream into lines, holding at most one partial line. */
export class LineSplitter {
  private partial = '';
  private overflow = false;
  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      if (!this.overflow) this.emit(this.partial + piece);
      this.partial = '';
      this.overflow = false;
      start = nl + 1;
    }
    if (this.overflow) return;
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.overflow = true;
    }
  }

  end(): void {
    if (!this.overflow && this.partial.length > 0) this.emit(this.partial);
    this.partial = '';
    this.overflow = false;
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

const isWindows = process.platform === 'win32';

/** Sends a signal to the child's whole tree: its process group on POSIX (it was spawned
 *  detached, so it leads one), tree-kill on Windows. Missing processes are not an error. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (isWindows) {
    treeKill(pid, signal, () => undefined);
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Whether any live (non-zombie) process is left in the group. Zombies count as gone: they
 *  hold no resources but a table entry, and a container's init may never reap them. */
export function groupAlive(pgid: number): boolean {
  if (isWindows) return false;
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[2] === String(pgid) && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

/** Process groups of children still running. Being detached, they would not get the terminal's
 *  Ctrl+C nor die with Ralph; if Ralph exits while they run, they are signalled on the way out. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  if (isWindows) return;
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const pgid of liveGroups) {
        try {
          process.kill(-pgid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    });
  }
}

export function runProcess(
  spec: ProcessSpec,
  token: CancellationToken,
  observer: ProcessObserver = {},
): Promise<ProcessOutcome> {
  const started = Date.now();
  const tail = new OutputTail(spec.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
  const graceMs = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;

  const finishedBeforeStart = (extra: Partial<ProcessOutcome>): ProcessOutcome => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    outputTail: '',
    durationMs: Date.now() - started,
    ...extra,
  });
  if (token.isCancellationRequested) return Promise.resolve(finishedBeforeStart({ cancelled: true }));

  const stdio: StdioOptions = [spec.stdinFd ?? 'ignore', 'pipe', 'pipe'];
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio,
      shell: false,
      // Own process group on POSIX so the whole tree can be signalled; on Windows detached
      // would open a console window, and tree-kill does the tree walk instead.
      detached: !isWindows,
      windowsHide: true,
      windowsVerbatimArguments: spec.windowsVerbatimArguments ?? false,
    });
  } catch (err) {
    // Synchronous failures: a NUL byte in an argument or in the environment, for instance.
    return Promise.resolve(finishedBeforeStart({ spawnError: err as NodeJS.ErrnoException }));
  }

  if (child.pid !== undefined) {
    trackGroup(child.pid);
    try {
      observer.onSpawn?.(child.pid);
    } catch {
      // Recording the process is the observer's business; it must not leave it unwatched.
    }
  }

  return new Promise<ProcessOutcome>((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let lastStderrLine: string | undefined;
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    let cancelSubscription: Disposable | undefined;

    const stdoutDecoder = new StringDecoder('utf8');
    const stderrDecoder = new StringDecoder('utf8');
    const stdoutLines = new LineSplitter((line) => observer.onStdoutLine?.(line));
    const stderrLines = new LineSplitter((line) => {
      observer.onStderrLine?.(line);
      const trimmed = line.trim();
      if (trimmed.length > 0) lastStderrLine = trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
    });

    const deliver = (text: string, stream: 'stdout' | 'stderr'): void => {
      if (text.length === 0) return;
      if (stream === 'stdout') stdoutLines.push(text);
      else stderrLines.push(text);
      observer.onOutput?.(text, stream);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      tail.push(chunk);
      deliver(stdoutDecoder.write(chunk), 'stdout');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      tail.push(chunk);
      deliver(stderrDecoder.write(chunk), 'stderr');
    });

    // When SIGTERM went to the tree: SIGKILL follows at this time if anything is still alive.
    let killDeadline: number | undefined;
    const terminate = (): void => {
      if (killDeadline !== undefined) return;
      killDeadline = Date.now() + graceMs;
      killTree(child, 'SIGTERM');
      // For a leader that ignores SIGTERM: without this it would never exit and never be reaped.
      timers.push(setTimeout(() => killTree(child, 'SIGKILL'), graceMs));
    };

    const finish = async (): Promise<void> => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      cancelSubscription?.dispose();
      deliver(stdoutDecoder.end(), 'stdout');
      deliver(stderrDecoder.end(), 'stderr');
      stdoutLines.end();
      stderrLines.end();
      child.stdout?.destroy();
      child.stderr?.destroy();
      // Descendants must not outlive the task: not after a kill, and not daemons the agent left
      // behind (they would hold its pipes and keep editing the tree after Ralph moved on).
      const pid = child.pid;
      if (!spawnError && pid !== undefined && !isWindows && groupAlive(pid)) {
        if (killDeadline === undefined) {
          killDeadline = Date.now() + graceMs;
          killTree(child, 'SIGTERM');
        }
        if (!(await waitForGroupExit(pid, killDeadline - Date.now()))) {
          killTree(child, 'SIGKILL');
          await waitForGroupExit(pid, 2000);
        }
      }
      if (pid !== undefined) liveGroups.delete(pid);
      if (!spawnError && pid !== undefined && spec.marker !== undefined) await stopMarked(spec.marker, graceMs).catch(() => undefined);
      resolve({
        exitCode,
        signal: exitSignal,
        timedOut,
        cancelled,
        spawnError,
        outputTail: tail.text(),
        lastStderrLine,
        durationMs: Date.now() - started,
      });
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      // 'error' without a pid means the process never started; later errors (a failed kill)
      // leave the run to end through 'exit'/'close'.
      if (child.pid === undefined) {
        spawnError = err;
        void finish();
      }
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // 'close' waits for every holder of the pipes; a daemonised grandchild could hold them
      // forever, so give the pipes a moment to drain and then stop waiting.
      const drain = setTimeout(() => void finish(), PIPE_DRAIN_MS);
      timers.push(drain);
    });
    child.on('close', (code, signal) => {
      if (exitCode === null && exitSignal === null) {
        exitCode = code;
        exitSignal = signal;
      }
      void finish();
    });

    if (spec.timeoutMs !== undefined && spec.timeoutMs > 0) {
      timers.push(
        setTimeout(() => {
          if (done || cancelled) return;
          timedOut = true;
          terminate();
        }, spec.timeoutMs),
      );
    }
    cancelSubscription = token.onCancellationRequested(() => {
      if (done || timedOut) return;
      cancelled = true;
      terminate();
    });
  });
}
