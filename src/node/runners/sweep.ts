// Containers a killed run left: Ralph's docker client dies with it, the container does not. A
// resumed run removes every container labelled with the earlier run's id, on every engine this
// run uses and every engine the earlier run's records name, before any task runs again: a task
// must never get a second agent beside the first. On a cluster the same holds for Jobs: every Job
// labelled with the earlier run's id is deleted (with its pod) in each context this run uses.

import type { RecordedAgent, SurvivorsPort, SurvivorsStopped } from '../../core/ports';
import { labelValue } from '../../core/kubeJob';
import { DockerEngine, LABEL_RUN, LABEL_TASK } from './engine';
import { KubeCtl } from './kubernetes';

export class ContainerSurvivors implements SurvivorsPort {
  constructor(
    private readonly inner: SurvivorsPort,
    /** The engines of this run's docker runners (`undefined` = the default engine). */
    private readonly engines: readonly (string | undefined)[],
    private readonly log: (message: string) => void = () => undefined,
    /** The kubectl contexts of this run's kubernetes runners (`undefined` = the current one). */
    private readonly clusters: readonly (string | undefined)[] = [],
  ) {}

  async stop(previous: { readonly runId: string; readonly agents: readonly { readonly taskId: string; readonly agent: RecordedAgent }[] }): Promise<SurvivorsStopped> {
    const processes = await this.inner.stop(previous);
    const wheres = new Map<string, string | undefined>();
    for (const w of this.engines) wheres.set(w ?? '', w);
    for (const { agent } of previous.agents) {
      const m = agent.runner !== undefined ? /^docker(?:@(.*))?$/.exec(agent.runner) : null;
      // A label shortens an address to its host; the engines of this run are known in full.
      if (m && m[1] === undefined) wheres.set('', undefined);
    }
    const stopped = [...processes.stopped];
    for (const where of wheres.values()) {
      const engine = new DockerEngine(where);
      try {
        const ids = await engine.labelled({ [LABEL_RUN]: previous.runId });
        if (ids.length === 0) continue;
        const found = await this.describe(engine, ids);
        await engine.remove(ids);
        for (const c of found) stopped.push({ pid: 0, container: c.name, ...(c.taskId !== undefined ? { taskId: c.taskId } : {}) });
      } catch (error) {
        this.log(`could not look for containers left by run ${previous.runId} on ${where ?? 'the default engine'}: ${(error as Error).message}`);
      }
    }
    for (const context of new Set(this.clusters)) {
      try {
        stopped.push(...(await deleteRunJobs(new KubeCtl(context), previous.runId)));
      } catch (error) {
        this.log(`could not look for Jobs left by run ${previous.runId} in ${context ?? 'the current kubectl context'}: ${(error as Error).message}`);
      }
    }
    return { stopped, left: processes.left };
  }

  private async describe(engine: DockerEngine, ids: readonly string[]): Promise<{ name: string; taskId?: string }[]> {
    try {
      const r = await engine.docker(['inspect', '--format', `{{.Name}}\t{{index .Config.Labels "${LABEL_TASK}"}}`, ...ids]);
      return r.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const [name = '', taskId = ''] = l.split('\t');
          return { name: name.replace(/^\//, ''), ...(taskId !== '' ? { taskId } : {}) };
        });
    } catch {
      return ids.map((id) => ({ name: id.slice(0, 12) }));
    }
  }
}

/** Deletes, in every namespace, the Jobs (and their pods) labelled with run `runId`: what a
 *  killed run left on a cluster. */
export async function deleteRunJobs(kube: KubeCtl, runId: string): Promise<{ pid: number; container: string; taskId?: string }[]> {
  const selector = `${LABEL_RUN}=${labelValue(runId) || 'none'}`;
  const format = `{range .items[*]}{.metadata.namespace}{"\\t"}{.metadata.name}{"\\t"}{.metadata.labels.dev\\.ralph\\.task}{"\\n"}{end}`;
  const found = await kube.run(['get', 'jobs', '--all-namespaces', '-l', selector, '-o', `jsonpath=${format}`], { timeoutMs: 60_000 });
  const jobs = found.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
  const stopped: { pid: number; container: string; taskId?: string }[] = [];
  for (const namespace of new Set(jobs.map(([ns = '']) => ns))) {
    await new KubeCtl(kube.context, namespace).run(['delete', 'job', '-l', selector, '--ignore-not-found', '--wait=false', '--cascade=foreground'], { timeoutMs: 60_000 });
  }
  for (const [, name = '', taskId = ''] of jobs) stopped.push({ pid: 0, container: `job/${name}`, ...(taskId !== '' ? { taskId } : {}) });
  return stopped;
}
