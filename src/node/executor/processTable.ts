// What the operating system says of processes that are not (or no longer) Ralph's children:
// whether a pid is still the process Ralph started (its start time), which processes carry a
// marker in their environment (Linux), and how to stop a set of them and know they are gone.
//
// Agents run in process groups of their own, so a Ralph killed outright leaves them running, and
// a descendant that called setsid() leaves even the group. A pid is only a name that the system
// hands out again, so nothing is signalled on the strength of a recorded pid alone: its start
// time must match the one recorded when Ralph started it.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const isLinux = process.platform === 'linux';
const isWindows = process.platform === 'win32';

/** Set in every agent's environment: the run it belongs to (the same across resumes). */
export const RUN_ID_ENV = 'RALPH_RUN_ID';
/** Set in every agent's environment: this one agent process, unique per spawn. */
export const AGENT_ID_ENV = 'RALPH_AGENT_ID';

interface Stat {
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly startTicks: string;
}

function readStat(pid: number): Stat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses. After it, field 3
  // (state) is at index 0, so field 22 (starttime, clock ticks after boot) is at index 19.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]), pgid: Number(fields[2]), startTicks: fields[19] ?? '' };
}

/** Zombies hold nothing but a table entry: they count as gone, and cannot be signalled anyway. */
const gone = (state: string): boolean => state === 'Z' || state === 'X';

let bootId: string | undefined;
/** Start ticks count from boot: with the boot's id they cannot match a process of another boot
 *  (or of another machine, for a spec on a shared folder). */
function linuxBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

/** When the process started, as an opaque text to compare; undefined when it is gone (or a
 *  zombie), or when this system cannot say (Windows). */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (isLinux) {
    const stat = readStat(pid);
    return stat && !gone(stat.state) && stat.startTicks !== '' ? `linux:${linuxBootId()}:${stat.startTicks}` : undefined;
  }
  if (isWindows) return undefined;
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // One spelling of the date whatever the user's locale and zone.
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
      timeout: 5000,
    }).trim();
    return out !== '' ? `ps:${out.replace(/\s+/g, ' ')}` : undefined;
  } catch {
    return undefined;
  }
}

export interface MarkedProcess {
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: string;
  /** RALPH_TASK_ID from its environment, for telling the user what it was. */
  readonly taskId?: string;
}

/** Whether this system lets Ralph find processes by their environment (Linux: /proc). */
export const canFindByEnvironment = isLinux;

/** This process and its ancestors: never a survivor, whatever their environment says. */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid); ) {
    out.add(pid);
    const stat = readStat(pid);
    if (!stat) break;
    pid = stat.ppid;
  }
  return out;
}

/**
 * Live processes of this user whose environment holds `entry` exactly (`NAME=value`), on Linux;
 * none elsewhere. Other users' environments are unreadable, so their processes are never found.
 * The environment is the one the process started with: a marker survives setsid() and fork(),
 * and is lost only by a program that starts its children with a new environment of its own.
 */
export function processesMarked(entry: string): MarkedProcess[] {
  if (!isLinux) return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const skip = selfAndAncestors();
  const found: MarkedProcess[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (skip.has(pid)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'utf8');
    } catch {
      continue;
    }
    const vars = environ.split('\0');
    if (!vars.includes(entry)) continue;
    const stat = readStat(pid);
    if (!stat || gone(stat.state)) continue;
    const taskVar = vars.find((v) => v.startsWith('RALPH_TASK_ID='));
    found.push({
      pid,
      pgid: stat.pgid,
      startTime: `linux:${linuxBootId()}:${stat.startTicks}`,
      ...(taskVar !== undefined ? { taskId: taskVar.slice('RALPH_TASK_ID='.length) } : {}),
    });
  }
  return found;
}

/** A process to stop, proven Ralph's by its start time when it was picked. */
export interface StopTarget {
  readonly pid: number;
  readonly startTime: string;
  /** Signal its whole process group (it leads one). */
  readonly group: boolean;
}

/** Process groups with a live (non-zombie) member, in one pass over /proc; undefined elsewhere. */
function liveGroupsNow(): Set<number> | undefined {
  if (!isLinux) return undefined;
  const groups = new Set<number>();
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = readStat(Number(name));
      if (stat && !gone(stat.state)) groups.add(stat.pgid);
    }
  } catch {
    return undefined;
  }
  return groups;
}

function groupAliveIn(pgid: number, live: Set<number> | undefined): boolean {
  if (live !== undefined) return live.has(pgid);
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to each target (to its group where it leads one), SIGKILL to whatever is left after
 * `graceMs`, then waits until all are gone, `waitMs` at most. A target is still there while its
 * pid has the start time it was picked with, or, for a group, while the group has a live member
 * (a group id is not handed out again while the group exists). Returns the targets still there.
 */
export async function stopProcesses(targets: readonly StopTarget[], graceMs: number, waitMs = 5000): Promise<StopTarget[]> {
  if (isWindows || targets.length === 0) return [];
  const present = (t: StopTarget, live: Set<number> | undefined): boolean =>
    processStartTime(t.pid) === t.startTime || (t.group && groupAliveIn(t.pid, live));
  const signal = (t: StopTarget, sig: NodeJS.Signals): void => {
    try {
      if (t.group) process.kill(-t.pid, sig);
      // Checked again right before the signal, so a pid handed out anew meanwhile is left alone.
      else if (processStartTime(t.pid) === t.startTime) process.kill(t.pid, sig);
    } catch {
      // ESRCH: gone already. EPERM: not ours to signal; it stays in what is returned.
    }
  };
  const remaining = (): StopTarget[] => {
    const live = liveGroupsNow();
    return targets.filter((t) => present(t, live));
  };
  const waitUntil = async (deadline: number): Promise<StopTarget[]> => {
    for (;;) {
      const left = remaining();
      if (left.length === 0 || Date.now() >= deadline) return left;
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
  };
  for (const t of targets) signal(t, 'SIGTERM');
  let left = await waitUntil(Date.now() + graceMs);
  if (left.length === 0) return [];
  for (const t of left) signal(t, 'SIGKILL');
  return waitUntil(Date.now() + waitMs);
}

/** Stops every process whose environment holds `entry` (Linux; nothing elsewhere): what an agent
 *  started and that left its process group (setsid, a daemon), once the agent itself is done. */
export async function stopMarked(entry: string, graceMs: number): Promise<void> {
  const found = processesMarked(entry);
  if (found.length === 0) return;
  await stopProcesses(
    found.map((p) => ({ pid: p.pid, startTime: p.startTime, group: p.pgid === p.pid })),
    graceMs,
  );
}
