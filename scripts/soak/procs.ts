// Finding and stopping every process of a round. Each round puts a marker of its own in Ralph's
// environment; Ralph passes its environment on to git, the agents and whatever they start
// (setsid or not), so scanning /proc/*/environ for the marker finds all of them, wherever they
// were reparented. Linux only, as is the soak.

import { readdirSync, readFileSync } from 'node:fs';

export const MARKER_VAR = 'SOAK_ROUND_MARKER';

export interface ProcInfo {
  readonly pid: number;
  readonly cmdline: string;
}

/** Live (not zombie) processes whose environment holds `SOAK_ROUND_MARKER=<marker>`. */
export function processesWithMarker(marker: string): ProcInfo[] {
  const needle = `${MARKER_VAR}=${marker}`;
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      // A zombie's environ reads empty; its state says Z.
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!env.split('\0').includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
      out.push({ pid, cmdline });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** The "machine lost power" kill: every process of the round stops at once. They are frozen
 *  first (SIGSTOP), rescanning until no new one appears, so none can fork a survivor between the
 *  scan and the kill; then all get SIGKILL. Returns how many. */
export function killAllWithMarker(marker: string): number {
  const seen = new Set<number>();
  for (let pass = 0; pass < 20; pass++) {
    const fresh = processesWithMarker(marker).filter((p) => !seen.has(p.pid));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      seen.add(p.pid);
      signal(p.pid, 'SIGSTOP');
    }
  }
  for (const pid of seen) signal(pid, 'SIGKILL');
  return seen.size;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until no process of the round is left; true if none was left within `ms`. */
export async function waitForNoMarker(marker: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (processesWithMarker(marker).length === 0) return true;
    if (Date.now() > until) return false;
    await sleep(25);
  }
}

/** Before a round's folder is deleted: nothing of the round may still run in it. Kills and
 *  waits, again and again, until nothing is left; throws if something refuses to go. */
export async function stopEverything(marker: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    killAllWithMarker(marker);
    if (await waitForNoMarker(marker, 200)) return;
  }
  const left = processesWithMarker(marker);
  throw new Error(`processes of the round would not die: ${left.map((p) => `${p.pid} ${p.cmdline}`).join('; ')}`);
}
