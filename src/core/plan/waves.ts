// What `--mode waves` runs together: decided here once, for the scheduler that runs it and for
// the plan's estimate of how long it takes.

import { isJsonFormat, type SpecFormat } from '../model';

/** The parts of a Plan the waves are read from. */
export interface WaveInput {
  readonly spec: { readonly format: SpecFormat };
  /** Tasks of the DAG, file order. */
  readonly taskIds: readonly string[];
  readonly groups: readonly { readonly taskIds: readonly string[] }[];
  readonly levels: readonly (readonly string[])[];
  readonly containers?: readonly string[];
}

/**
 * The wave of each task: each parallel group is one wave, every other task a wave of its own, in
 * file order; a waves run works on the lowest wave with unfinished tasks only. A JSON task list
 * has no list order to speak of: there each level of its DAG is one wave. Containers never run
 * and have no wave.
 */
export function waveNumbers(plan: WaveInput): Map<string, number> {
  if (isJsonFormat(plan.spec.format)) {
    const byLevel = new Map<string, number>();
    plan.levels.forEach((level, i) => level.forEach((id) => byLevel.set(id, i)));
    return byLevel;
  }
  const containers = new Set(plan.containers ?? []);
  const groupOf = new Map<string, number>();
  plan.groups.forEach((group, g) => group.taskIds.forEach((id) => groupOf.set(id, g)));
  const waveOfGroup = new Map<number, number>();
  const waveOf = new Map<string, number>();
  let next = 0;
  for (const id of plan.taskIds) {
    if (containers.has(id)) continue;
    const g = groupOf.get(id);
    if (g === undefined) {
      waveOf.set(id, next++);
    } else {
      if (!waveOfGroup.has(g)) waveOfGroup.set(g, next++);
      waveOf.set(id, waveOfGroup.get(g) as number);
    }
  }
  return waveOf;
}
