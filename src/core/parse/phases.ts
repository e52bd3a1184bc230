// Which `##` headings of a tasks.md are phases. spec-kit files end with `## Dependencies`,
// `## Parallel Example`, `## Notes` and the like, and start with `## Format: …`: sections about
// the tasks, holding none. Counted as phases they made a 7-phase file read as 13, and showed
// empty phases in the tree and the graph.

import type { Phase } from '../model';

/**
 * The headings that are phases: those with a task under them, and those titled `Phase N` (an
 * author's phase with nothing in it yet is still a phase). `taskPhases` holds, per task, the
 * index of the heading it sits under; the result maps each old index to the new one.
 */
export function keepPhases(headings: readonly Phase[], taskPhases: readonly (number | undefined)[]): { phases: Phase[]; indexOf: (old: number) => number | undefined } {
  const holdsTasks = new Set(taskPhases.filter((p): p is number => p !== undefined));
  const newIndex: (number | undefined)[] = [];
  const phases: Phase[] = [];
  headings.forEach((h, i) => {
    if (holdsTasks.has(i) || h.number !== undefined) {
      newIndex[i] = phases.length;
      phases.push(h);
    }
  });
  return { phases, indexOf: (old) => newIndex[old] };
}
