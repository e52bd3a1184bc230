// The DAG layout's x coordinates (layered.ts): each rank's left-to-right order, subgraph borders
// included, becomes difference constraints between neighbours; the graph is packed, then each node
// is pulled towards its neighbours as far as its rank lets it.

import { isLive, type Cluster, type Stream, type Vertex } from './ordering';

interface Token {
  readonly variable: number;
  readonly half: number;
  readonly kind: 'node' | 'dummy' | 'open' | 'close';
}

/** x of every vertex and subgraph border (borders get variable numbers after the vertices). */
export function placeX(vertices: readonly Vertex[], clusters: Cluster[], layers: readonly number[][], streams: readonly Stream[], o: { nodeSep: number; pad: number }): Float64Array {
  let next = vertices.length;
  for (const c of clusters) {
    if (!isLive(c)) continue;
    c.left = next++;
    c.right = next++;
  }
  const count = next;
  const left: { from: number; gap: number }[][] = Array.from({ length: count }, () => []);
  const right: { to: number; gap: number }[][] = Array.from({ length: count }, () => []);
  const constrain = (a: number, b: number, gap: number): void => {
    left[b]?.push({ from: a, gap });
    right[a]?.push({ to: b, gap });
  };
  const sep = (a: Token, b: Token): number => {
    if (a.kind === 'open' || b.kind === 'close') return o.pad;
    if (a.kind === 'dummy' && b.kind === 'dummy') return o.nodeSep / 3;
    return o.nodeSep;
  };
  for (const stream of streams) {
    const tokens: Token[] = stream.map((item) => {
      if ('vertex' in item) {
        const vx = vertices[item.vertex];
        return { variable: item.vertex, half: (vx?.width ?? 0) / 2, kind: vx?.dummy ? 'dummy' : 'node' };
      }
      if ('open' in item) return { variable: clusters[item.open]?.left ?? 0, half: 0, kind: 'open' };
      return { variable: clusters[item.close]?.right ?? 0, half: 0, kind: 'close' };
    });
    for (let i = 1; i < tokens.length; i++) {
      const a = tokens[i - 1];
      const b = tokens[i];
      if (a && b) constrain(a.variable, b.variable, a.half + b.half + sep(a, b));
    }
  }
  for (const c of clusters) if (isLive(c)) constrain(c.left, c.right, c.labelWidth + 2 * o.pad);

  // Packed to the left: the longest path over the constraints, in topological order.
  const order = constraintOrder(count, right, left);
  const x = new Float64Array(count);
  for (const v of order) for (const { from, gap } of left[v] ?? []) x[v] = Math.max(x[v] ?? 0, (x[from] ?? 0) + gap);
  // Right-packed too, to the same width; starting halfway between gives every node room to move.
  const width = order.reduce((m, v) => Math.max(m, x[v] ?? 0), 0);
  const xr = new Float64Array(count).fill(width);
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i] ?? 0;
    for (const { to, gap } of right[v] ?? []) xr[v] = Math.min(xr[v] ?? width, (xr[to] ?? width) - gap);
  }
  for (let v = 0; v < count; v++) x[v] = ((x[v] ?? 0) + (xr[v] ?? 0)) / 2;

  const lo = (v: number): number => (left[v] ?? []).reduce((m, c) => Math.max(m, (x[c.from] ?? 0) + c.gap), -Infinity);
  const hi = (v: number): number => (right[v] ?? []).reduce((m, c) => Math.min(m, (x[c.to] ?? 0) - c.gap), Infinity);
  const isBorderLeft = new Uint8Array(count);
  for (const c of clusters) if (isLive(c)) isBorderLeft[c.left] = 1;
  const tightenBorders = (): void => {
    // Innermost first: a subgraph's borders hug what it holds.
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i] ?? 0;
      if (v < vertices.length || !isBorderLeft[v]) continue;
      const h = hi(v);
      if (Number.isFinite(h)) x[v] = h;
    }
    for (const v of order) {
      if (v < vertices.length || isBorderLeft[v]) continue;
      const l = lo(v);
      if (Number.isFinite(l)) x[v] = l;
    }
  };
  tightenBorders();
  for (let pass = 0; pass < 8; pass++) {
    const down = pass % 2 === 0;
    for (let k = 0; k < layers.length; k++) {
      const layer = layers[down ? k : layers.length - 1 - k] ?? [];
      for (const v of layer) {
        const vx = vertices[v];
        if (!vx) continue;
        const ns = pass >= 6 ? [...vx.up, ...vx.down] : down ? vx.up : vx.down;
        if (ns.length === 0) continue;
        // A long edge's waypoints pull hard on each other (it runs straight) and lightly on its
        // ends (a task stays under what it waits for rather than drifting towards a long edge).
        let sum = 0;
        let weight = 0;
        for (const n of ns) {
          const w = vx.dummy ? (vertices[n]?.dummy ? 4 : 1) : vertices[n]?.dummy ? 0.25 : 1;
          sum += w * (x[n] ?? 0);
          weight += w;
        }
        const want = sum / weight;
        x[v] = Math.min(Math.max(want, lo(v)), hi(v));
      }
    }
    tightenBorders();
  }
  return x;
}

function constraintOrder(n: number, right: readonly { to: number }[][], left: readonly { from: number }[][]): number[] {
  const indegree = left.map((l) => l.length);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    for (const { to } of right[queue[head] ?? 0] ?? []) {
      indegree[to] = (indegree[to] ?? 1) - 1;
      if (indegree[to] === 0) queue.push(to);
    }
  }
  if (queue.length < n) throw new Error('layeredLayout: the rank orders contradict each other (a bug in the layout)');
  return queue;
}
