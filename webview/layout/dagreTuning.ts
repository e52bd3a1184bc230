// How the page's copy of mermaid's dagre layout orders each rank (dagreOrder.ts). One object, so
// the benchmark can put dagre's own settings back in the same page and compare.
//
// Tried and left: a cheaper ranker (dagre's tight tree or longest path instead of network
// simplex). On a generated 300-task plan they drew the graph 2–6 times wider, with many more
// dummy nodes for long edges, and took longer overall, not less.

export interface DagreTuning {
  /** Crossing-reduction sweeps without improvement before stopping; dagre's own is 4. */
  patience: number;
  /** At most this many sweeps in all; dagre's own has no cap. */
  maxSweeps: number;
}

export const DAGRE_DEFAULTS: Readonly<DagreTuning> = { patience: 4, maxSweeps: Number.POSITIVE_INFINITY };

export const dagreTuning: DagreTuning = { patience: 2, maxSweeps: 8 };
