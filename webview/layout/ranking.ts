// The DAG layout's ranks (layered.ts): a task's rank is its dependency depth, the longest path to
// it. Phases read top to bottom: a phase that something in an earlier phase leads into starts below
// the whole of that phase, so phases stack as they do in tasks.md instead of standing side by side
// wherever their depths overlap. A task nothing precedes sits just above its first successor,
// within its phase.

/**
 * Ranks of `n` vertices. `topo` is a topological order of the ranked edges `out`/`inn`; `phase[v]`
 * is v's outermost subgraph (-1: none), subgraphs numbered in the order they were written.
 */
export function assignRanks(n: number, topo: readonly number[], out: readonly (readonly number[])[], inn: readonly (readonly number[])[], phase: readonly number[]): number[] {
  const rank = new Array<number>(n).fill(0);
  const floor = new Array<number>(n).fill(0);
  const longestPaths = (): void => {
    for (const v of topo) rank[v] = floor[v] ?? 0;
    for (const v of topo) for (const w of out[v] ?? []) rank[w] = Math.max(rank[w] ?? 0, (rank[v] ?? 0) + 1);
  };
  longestPaths();

  // Which phases lead into each phase, in an order of the phases that follows those edges
  // (Kahn's, ties by number; an edge against it, only ever in a cycle, is left out).
  const members = new Map<number, number[]>();
  const into = new Map<number, Set<number>>();
  for (let v = 0; v < n; v++) {
    const p = phase[v] ?? -1;
    if (p === -1) continue;
    const list = members.get(p);
    if (list) list.push(v);
    else members.set(p, [v]);
    for (const w of out[v] ?? []) {
      const q = phase[w] ?? -1;
      if (q === -1 || q === p) continue;
      const set = into.get(q);
      if (set) set.add(p);
      else into.set(q, new Set([p]));
    }
  }
  const order = phaseOrder([...members.keys()], into);
  const place = new Map(order.map((p, i) => [p, i]));
  const before = new Map<number, number[]>();
  for (const [q, ps] of into) before.set(q, [...ps].filter((p) => (place.get(p) ?? 0) < (place.get(q) ?? 0)));
  const lowest = (p: number): number => (members.get(p) ?? []).reduce((m, v) => Math.max(m, rank[v] ?? 0), -Infinity);
  const highest = (p: number): number => (members.get(p) ?? []).reduce((m, v) => Math.min(m, rank[v] ?? 0), Infinity);
  for (const p of order) {
    const earlier = before.get(p) ?? [];
    if (earlier.length === 0) continue;
    const start = Math.max(...earlier.map(lowest)) + 1;
    if (highest(p) >= start) continue;
    for (const v of members.get(p) ?? []) floor[v] = Math.max(floor[v] ?? 0, start);
    longestPaths();
  }

  // Sources move down to just above their nearest successor, never below their phase's last rank.
  const last = new Map<number, number>();
  for (const p of members.keys()) last.set(p, lowest(p));
  for (let i = topo.length - 1; i >= 0; i--) {
    const v = topo[i] ?? 0;
    if ((inn[v]?.length ?? 0) > 0 || (out[v]?.length ?? 0) === 0) continue;
    const target = Math.min(...(out[v] ?? []).map((w) => rank[w] ?? 0)) - 1;
    const cap = last.get(phase[v] ?? -1) ?? Infinity;
    rank[v] = Math.max(rank[v] ?? 0, Math.min(target, cap));
  }
  return rank;
}

function phaseOrder(phases: readonly number[], into: ReadonlyMap<number, ReadonlySet<number>>): number[] {
  const pending = new Map(phases.map((p) => [p, new Set(into.get(p) ?? [])]));
  const order: number[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, from]) => [...from].every((f) => !pending.has(f))).map(([p]) => p);
    // A cycle: take the lowest-numbered phase left, as if what leads into it were not there.
    const next = ready.length > 0 ? Math.min(...ready) : Math.min(...pending.keys());
    order.push(next);
    pending.delete(next);
  }
  return order;
}
