// Graph facts the planner needs: topological levels, the cycles that prevent them, and whether one
// task is an ancestor of another.

export interface Levels {
  /** Level of each node, -1 for a node on or behind a cycle. */
  readonly levelOf: readonly number[];
  /** Nodes in a topological order (only those with a level). */
  readonly order: readonly number[];
}

/** Kahn's algorithm over `nodes`; `succs` is the inverse of `preds`. */
export function topologicalLevels(nodes: readonly number[], preds: readonly (readonly number[])[], succs: readonly (readonly number[])[]): Levels {
  const size = preds.length;
  const remaining = new Int32Array(size);
  const levelOf: number[] = new Array<number>(size).fill(-1);
  const order: number[] = [];
  for (const n of nodes) remaining[n] = (preds[n] as readonly number[]).length;
  for (const n of nodes) {
    if (remaining[n] === 0) {
      levelOf[n] = 0;
      order.push(n);
    }
  }
  for (let head = 0; head < order.length; head++) {
    const n = order[head] as number;
    const level = (levelOf[n] as number) + 1;
    for (const s of succs[n] as readonly number[]) {
      if (level > (levelOf[s] as number)) levelOf[s] = level;
      remaining[s] = (remaining[s] as number) - 1;
      if (remaining[s] === 0) order.push(s);
    }
  }
  // Nodes left with unmet predecessors have no level; a node reached only partly may hold a
  // provisional value from above.
  for (const n of nodes) if (remaining[n] !== 0) levelOf[n] = -1;
  return { levelOf, order };
}

/** Strongly connected components that form cycles (two or more nodes, or a self-loop), iteratively. */
export function cyclicComponents(nodes: readonly number[], preds: readonly (readonly number[])[]): number[][] {
  const size = preds.length;
  const inSet = new Uint8Array(size);
  for (const n of nodes) inSet[n] = 1;
  const index = new Int32Array(size).fill(-1);
  const low = new Int32Array(size);
  const onStack = new Uint8Array(size);
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index[start] !== -1) continue;
    const work: [number, number][] = [[start, 0]];
    index[start] = low[start] = counter++;
    stack.push(start);
    onStack[start] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1] as [number, number];
      const [v, edge] = frame;
      const out = preds[v] as readonly number[];
      if (edge < out.length) {
        frame[1] = edge + 1;
        const w = out[edge] as number;
        if (!inSet[w]) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || out.includes(v)) result.push(component.sort((a, b) => a - b));
      }
    }
  }
  return result.sort((a, b) => (a[0] as number) - (b[0] as number));
}

/** The shortest cycle through `start` inside `component`, following `preds`, as `[start, …, start]`. */
export function shortestCycle(start: number, component: ReadonlySet<number>, preds: readonly (readonly number[])[]): number[] {
  const cameFrom = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    for (const w of preds[v] as readonly number[]) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = cameFrom.get(x) as number) path.push(x);
        path.push(start);
        // Built backwards from the end; put it in "waits for" order from start.
        return [start, ...path.slice(1, -1).reverse(), start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * Answers "is a an ancestor of b" for the nodes in `asked`. Each node carries the set of asked
 * ancestors as a bitset, filled in topological order; sets are dropped once no successor needs
 * them, so memory follows the asked nodes and the graph's width. Returns undefined when the
 * bitsets would take more than `budgetWords` 32-bit words.
 */
export function ancestryOracle(
  order: readonly number[],
  preds: readonly (readonly number[])[],
  succs: readonly (readonly number[])[],
  asked: readonly number[],
  budgetWords = 16_000_000,
): ((a: number, b: number) => boolean) | undefined {
  const size = preds.length;
  const bitOf = new Int32Array(size).fill(-1);
  let bits = 0;
  for (const n of asked) if (bitOf[n] === -1) bitOf[n] = bits++;
  const words = Math.ceil(bits / 32);
  if (words === 0) return () => false;
  if (words * bits > budgetWords) return undefined;
  // Asked nodes keep their sets in one block; the others hold theirs only while a successor still
  // needs it.
  const kept = new Uint32Array(words * bits);
  const sets: (Uint32Array | undefined)[] = new Array<Uint32Array | undefined>(size);
  const pendingSuccs = new Int32Array(size);
  for (const n of order) {
    const bit = bitOf[n] as number;
    const set = bit >= 0 ? kept.subarray(bit * words, (bit + 1) * words) : new Uint32Array(words);
    for (const p of preds[n] as readonly number[]) {
      const ps = sets[p];
      if (ps) for (let w = 0; w < words; w++) set[w] = (set[w] as number) | (ps[w] as number);
      const pbit = bitOf[p] as number;
      if (pbit >= 0) set[pbit >>> 5] = (set[pbit >>> 5] as number) | (1 << (pbit & 31));
      pendingSuccs[p] = (pendingSuccs[p] as number) - 1;
      if (pendingSuccs[p] === 0 && pbit < 0) sets[p] = undefined;
    }
    pendingSuccs[n] = (succs[n] as readonly number[]).length;
    if (bit >= 0 || pendingSuccs[n] !== 0) sets[n] = set;
  }
  return (a, b) => {
    const bit = bitOf[a] as number;
    const set = sets[b];
    if (bit < 0 || bitOf[b] === -1 || !set) return false;
    return (((set[bit >>> 5] as number) >>> (bit & 31)) & 1) === 1;
  };
}
