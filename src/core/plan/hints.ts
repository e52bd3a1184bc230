// Where a markdown task list could say more with `[P]`, and where its `[P]` says nothing.
//
// A `[P]` task runs beside the `[P]` tasks right next to it; with none there (in spec-kit files
// read for issue 11: 75 of 742 `[P]` tasks) it is a group of one and runs exactly as without the
// marker. And two tasks next to each other that share no file and do not depend on each other run
// one after the other only because neither is marked.

import type { Diagnostic, ParallelHints, Spec, Task } from '../model';
import { isBarrier, runsInParallel, type Structure } from './dag';
import { filesOverlap } from './files';

/** Members of one opportunity at most: each newcomer is compared with every member, and a long
 *  list of unmarked tasks would otherwise cost the square of its length. */
const OPPORTUNITY_MAX = 12;

/** Whether the two tasks may run side by side as far as Ralph can tell: both name their files,
 *  none in common, and neither declares the other as a dependency or a conflict. */
function independent(a: Task, b: Task): boolean {
  if (a.files.length === 0 || b.files.length === 0) return false;
  const names = (t: Task, other: Task): boolean => (t.declaredDependsOn ?? []).includes(other.id) || t.conflictsWith.includes(other.id);
  if (names(a, b) || names(b, a)) return false;
  return !a.files.some((f) => b.files.some((g) => filesOverlap(f, g)));
}

/** A task that a `[P]` could put beside its neighbours: it runs, runs alone in the list order,
 *  and takes its place from that order (a `**Depends**` field places it by itself already). */
function couldJoin(task: Task, structure: Structure, i: number): boolean {
  return !task.done && !structure.containers.has(i) && !isBarrier(task) && task.dependsFrom !== 'field';
}

export function parallelHints(spec: Spec, structure: Structure, groupOf: ReadonlyMap<number, number>, diagnostics: Diagnostic[]): ParallelHints {
  const empty: ParallelHints = { opportunities: [], joinable: {} };
  if (spec.format === 'manifest' || spec.format === 'taskmaster') return empty;
  const { tasks } = spec;
  const task = (i: number): Task => tasks[i] as Task;
  const opportunities: number[][] = [];
  const joinable: [string, string[]][] = [];

  const visit = (list: readonly number[]): void => {
    // A task is "sequential" here when it is in no group: unmarked, or a `[P]` group of one.
    const sequential = (k: number): boolean => {
      const i = list[k];
      return i !== undefined && !groupOf.has(i);
    };
    // Neighbours k and k+1 with nothing between them.
    const adjacent = (k: number): boolean => k >= 0 && k + 1 < list.length && !task(list[k + 1] as number).separatedFromPrevious;

    list.forEach((i, k) => {
      const t = task(i);
      if (!runsInParallel(t) || groupOf.has(i) || t.done) return;
      const marker = t.markers.find((m) => m.name === 'P');
      if (!marker) return;
      const sides = [k - 1, k + 1].filter((n) => n >= 0 && n < list.length);
      const cutOff = sides.filter((n) => runsInParallel(task(list[n] as number)) && !adjacent(Math.min(n, k)));
      // Neighbours that, marked `[P]` too, would run beside this task: the whole run they would
      // then form must be free of shared files and dependencies.
      const fits = sides.filter((n) => {
        const j = list[n] as number;
        if (!adjacent(Math.min(n, k)) || !sequential(n) || !couldJoin(task(j), structure, j)) return false;
        const beyond: Task[] = [];
        for (let m = n + (n - k); m >= 0 && m < list.length && adjacent(Math.min(m, m - (n - k))) && runsInParallel(task(list[m] as number)); m += n - k) {
          beyond.push(task(list[m] as number));
        }
        return [t, ...beyond].every((other) => independent(other, task(j))) && beyond.every((other) => independent(other, t));
      });
      const fitIds = fits.map((n) => task(list[n] as number).id);
      joinable.push([t.id, fitIds]);
      const why =
        cutOff.length > 0
          ? `the heading or text between it and ${cutOff.map((n) => task(list[n] as number).id).join(' and ')} ends the [P] run`
          : sides.length === 0
            ? 'it is the only task of its list'
            : `no task next to it (${sides.map((n) => task(list[n] as number).id).join(', ')}) is [P]`;
      const advice =
        fitIds.length > 0
          ? `Mark ${fitIds.join(' or ')} [P] too to run it beside ${t.id} (no file in common), or remove the [P].`
          : 'A [P] task runs beside the [P] tasks right next to it, with no heading or text between them.';
      diagnostics.push({
        severity: 'hint',
        code: 'parallel-no-effect',
        message: `[P] has no effect on ${t.id}: ${why}, so it runs in list order as if unmarked. ${advice}`,
        range: marker.range,
        taskId: t.id,
      });
    });

    // Runs of adjacent sequential tasks, cut into groups whose members are pairwise independent.
    let current: number[] = [];
    const close = (): void => {
      if (current.length >= 2) opportunities.push(current);
      current = [];
    };
    list.forEach((i, k) => {
      const t = task(i);
      const candidate = sequential(k) && couldJoin(t, structure, i) && t.files.length > 0;
      if (!candidate || t.separatedFromPrevious) close();
      if (!candidate) return;
      if (current.length >= OPPORTUNITY_MAX || !current.every((m) => independent(task(m), t))) close();
      current.push(i);
    });
    close();
  };

  visit(structure.roots);
  for (const i of structure.containers) visit(structure.children[i] as readonly number[]);
  opportunities.sort((a, b) => (a[0] as number) - (b[0] as number));
  return { opportunities: opportunities.map((o) => o.map((i) => task(i).id)), joinable: Object.fromEntries(joinable) };
}
