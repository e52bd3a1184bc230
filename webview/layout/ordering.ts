// The DAG layout's ranks and their order (layered.ts): who is in which subgraph, each rank's
// left-to-right order by barycenters with every subgraph kept whole, and the crossings counted.

/** A subgraph (phase, parallel group): its span of ranks, its key among its siblings, and the
 *  compaction's variables for its left and right border. */
export interface Cluster {
  readonly id: string;
  readonly index: number;
  readonly parent: number; // -1: the root
  readonly children: number[];
  readonly labelWidth: number;
  readonly labelHeight: number;
  minRank: number;
  maxRank: number;
  key: number;
  left: number; // border variables
  right: number;
}

/** A task, drawn node or long edge's waypoint (dummy) in its rank. */
export interface Vertex {
  readonly width: number;
  readonly height: number;
  readonly cluster: number; // -1: the root
  readonly dummy: boolean;
  readonly index: number; // input order
  rank: number;
  pos: number; // index in its rank
  bary: number;
  up: number[];
  down: number[];
}

export function isLive(c: Cluster | undefined): boolean {
  return c !== undefined && c.minRank <= c.maxRank;
}

export function setPos(vertices: Vertex[], v: number, i: number, n: number): void {
  const vx = vertices[v];
  if (!vx) return;
  vx.pos = i;
  vx.bary = (i + 0.5) / Math.max(1, n);
}

export function commonCluster(clusters: readonly Cluster[], a: number, b: number): number {
  const chain = new Set<number>();
  for (let c = a; c !== -1; c = clusters[c]?.parent ?? -1) chain.add(c);
  for (let c = b; c !== -1; c = clusters[c]?.parent ?? -1) if (chain.has(c)) return c;
  return -1;
}

/** A subgraph's place among its siblings: the mean position of everything in it, in all ranks,
 *  so that siblings keep one order from rank to rank. */
export function clusterKeys(vertices: readonly Vertex[], clusters: Cluster[], live: readonly Cluster[]): void {
  const sum = new Float64Array(clusters.length);
  const count = new Float64Array(clusters.length);
  for (const v of vertices) {
    for (let c = v.cluster; c !== -1; c = clusters[c]?.parent ?? -1) {
      sum[c] = (sum[c] ?? 0) + v.bary;
      count[c] = (count[c] ?? 0) + 1;
    }
  }
  for (const c of live) c.key = (count[c.index] ?? 0) > 0 ? (sum[c.index] ?? 0) / (count[c.index] ?? 1) : 0.5;
}

/** One rank left to right: its vertices, and where each subgraph that spans it opens and closes. */
export type Stream = ({ vertex: number } | { open: number } | { close: number })[];

/** The rank's vertices by barycenter, each subgraph's members kept together and every subgraph
 *  that spans the rank placed by its key. */
export function orderLayer(layer: readonly number[], vertices: readonly Vertex[], clusters: readonly Cluster[], roots: readonly number[], rank: number): { order: number[]; stream: Stream } {
  const byCluster = new Map<number, number[]>();
  for (const v of layer) {
    const c = vertices[v]?.cluster ?? -1;
    const list = byCluster.get(c);
    if (list) list.push(v);
    else byCluster.set(c, [v]);
  }
  const order: number[] = [];
  const stream: Stream = [];
  const emit = (c: number, childClusters: readonly number[]): void => {
    type Item = { key: number; index: number; vertex?: number; cluster?: number };
    const items: Item[] = (byCluster.get(c) ?? []).map((v) => ({ key: vertices[v]?.bary ?? 0, index: vertices[v]?.index ?? 0, vertex: v }));
    for (const k of childClusters) {
      const cl = clusters[k];
      if (cl && cl.minRank <= rank && rank <= cl.maxRank) items.push({ key: cl.key, index: -1 - cl.index, cluster: k });
    }
    items.sort((a, b) => a.key - b.key || a.index - b.index);
    for (const it of items) {
      if (it.vertex !== undefined) {
        order.push(it.vertex);
        stream.push({ vertex: it.vertex });
      } else if (it.cluster !== undefined) {
        stream.push({ open: it.cluster });
        emit(it.cluster, clusters[it.cluster]?.children ?? []);
        stream.push({ close: it.cluster });
      }
    }
  };
  emit(-1, roots);
  return { order, stream };
}

/** Crossings between each pair of neighbouring ranks (counted by insertion, fine for our sizes). */
export function crossings(vertices: readonly Vertex[], layers: readonly number[][]): number {
  let total = 0;
  for (let r = 0; r + 1 < layers.length; r++) {
    const pairs: [number, number][] = [];
    for (const v of layers[r] ?? []) for (const w of vertices[v]?.down ?? []) pairs.push([vertices[v]?.pos ?? 0, vertices[w]?.pos ?? 0]);
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    // Count inversions of the lower ends with a Fenwick tree.
    const size = (layers[r + 1]?.length ?? 0) + 1;
    const tree = new Int32Array(size + 1);
    let seen = 0;
    for (const [, lower] of pairs) {
      let le = 0;
      for (let i = lower + 1; i > 0; i -= i & -i) le += tree[i] ?? 0;
      total += seen - le;
      for (let i = lower + 1; i <= size; i += i & -i) tree[i] = (tree[i] ?? 0) + 1;
      seen++;
    }
  }
  return total;
}
