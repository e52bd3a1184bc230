// The SurvivorsPort: what a killed run left running, stopped before the next run starts a task
// again. Agents run in process groups of their own, so they outlive a Ralph killed outright; had
// they gone on, the resumed run would start a second agent on the same task, and an orphan would
// keep writing in a worktree the new run removes or sets up afresh.

import { hostname } from 'node:os';
import type { RecordedAgent, SurvivorProcess, SurvivorsPort, SurvivorsStopped } from '../../core/ports';
import { DEFAULT_KILL_GRACE_MS } from './process';
import { processesMarked, processStartTime, RUN_ID_ENV, stopProcesses, type StopTarget } from './processTable';

export interface ProcessSurvivorsOptions {
  /** Between SIGTERM and SIGKILL (default 3 s, as for a timeout). */
  readonly killGraceMs?: number;
}

export class ProcessSurvivors implements SurvivorsPort {
  constructor(private readonly options: ProcessSurvivorsOptions = {}) {}

  async stop(previous: { readonly runId: string; readonly agents: readonly { readonly taskId: string; readonly agent: RecordedAgent }[] }): Promise<SurvivorsStopped> {
    const picked: { target: StopTarget; who: SurvivorProcess }[] = [];
    const here = hostname();
    for (const { taskId, agent } of previous.agents) {
      // Another machine's pid names nothing here; a process without a recorded start time
      // cannot be told from one that got its pid later.
      if (agent.host !== undefined && agent.host !== here) continue;
      if (agent.startTime === undefined || processStartTime(agent.pid) !== agent.startTime) continue;
      picked.push({ target: { pid: agent.pid, startTime: agent.startTime, group: agent.pgid === agent.pid }, who: { pid: agent.pid, taskId } });
    }
    // What left the recorded groups (setsid, daemons), what stayed in a group whose leader is
    // gone, and agents whose record did not reach the disk before the kill: found by the marker
    // every agent hands down.
    const groups = new Set(picked.filter((x) => x.target.group).map((x) => x.target.pid));
    const recordedGroups = new Set(previous.agents.map((a) => a.agent.pgid));
    for (const p of processesMarked(`${RUN_ID_ENV}=${previous.runId}`)) {
      if (groups.has(p.pgid) || picked.some((x) => x.target.pid === p.pid)) continue;
      picked.push({
        target: { pid: p.pid, startTime: p.startTime, group: p.pgid === p.pid },
        who: { pid: p.pid, ...(p.taskId !== undefined ? { taskId: p.taskId } : {}), ...(recordedGroups.has(p.pgid) ? {} : { outsideGroup: true }) },
      });
    }
    if (picked.length === 0) return { stopped: [], left: [] };
    const left = new Set(await stopProcesses(picked.map((x) => x.target), this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS));
    return {
      stopped: picked.filter((x) => !left.has(x.target)).map((x) => x.who),
      left: picked.filter((x) => left.has(x.target)).map((x) => x.who),
    };
  }
}
