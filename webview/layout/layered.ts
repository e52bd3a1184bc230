// The DAG page's own layered layout (mermaid draws; this only places). Ralph's plans are DAGs,
// so there is nothing to search for in the ranking: a task's rank is its dependency depth (the
// longest path to it; a task nothing waits on before it sits just above its first successor).
// Then a few barycenter sweeps order each rank, long edges get one waypoint per rank they cross,
// and the x coordinates come from a compaction of the ranks' left-to-right order: packed, then
// nudged a few times towards the mean of each node's neighbours. Subgraphs (phases, parallel
// groups) stay rectangles that hold exactly their members: in every rank a subgraph's members are
// side by side, sibling subgraphs keep one left-to-right order everywhere, and their borders are
// positions of their own in the compaction. Pure and deterministic: no DOM, no randomness.

import { placeX } from './compaction';
import { assignRanks } from './ranking';
import { clusterKeys, commonCluster, crossings, isLive, orderLayer, setPos, type Cluster, type Stream, type Vertex } from './ordering';

export interface LayoutNodeIn {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** The subgraph this node or subgraph sits in. */
  readonly parentId?: string;
  /** A subgraph: its box is computed from its members. */
  readonly isGroup?: boolean;
  /** A subgraph's title, drawn at its top. */
  readonly labelWidth?: number;
  readonly labelHeight?: number;
}

export interface LayoutEdgeIn {
  readonly id: string;
  readonly start: string;
  readonly end: string;
  /** A line that does not order its ends (a file conflict, `-.-`): drawn, never ranked. */
  readonly unranked?: boolean;
}

export interface LayoutOptions {
  readonly direction?: 'TB' | 'LR';
  readonly nodeSep?: number;
  readonly rankSep?: number;
  /** Space between a subgraph's border and what it holds. */
  readonly clusterPadding?: number;
  readonly sweeps?: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Centres, sizes and edge waypoints (first and last are the ends' centres). */
export interface LayoutResult {
  readonly nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  readonly edges: Map<string, Point[]>;
  readonly ranks: Map<string, number>;
  readonly width: number;
  readonly height: number;
}

const DUMMY_WIDTH = 8;

export function layeredLayout(nodesIn: readonly LayoutNodeIn[], edgesIn: readonly LayoutEdgeIn[], options: LayoutOptions = {}): LayoutResult {
  const lr = options.direction === 'LR';
  const nodeSep = options.nodeSep ?? 30;
  const rankSep = options.rankSep ?? 40;
  const pad = options.clusterPadding ?? 8;

  // Subgraphs, their nesting, and the vertices (tasks and drawn nodes; waypoints come later).
  const clusterIndex = new Map<string, number>();
  const clusters: Cluster[] = [];
  for (const n of nodesIn) {
    if (!n.isGroup) continue;
    clusterIndex.set(n.id, clusters.length);
    const [lw, lh] = lr ? [n.labelHeight ?? 0, n.labelWidth ?? 0] : [n.labelWidth ?? 0, n.labelHeight ?? 0];
    clusters.push({ id: n.id, index: clusters.length, parent: -1, children: [], labelWidth: lw, labelHeight: lh, minRank: Infinity, maxRank: -Infinity, key: 0, left: -1, right: -1 });
  }
  const parentOf = (id: string | undefined): number => (id === undefined ? -1 : (clusterIndex.get(id) ?? -1));
  for (const n of nodesIn) {
    if (!n.isGroup) continue;
    const c = clusters[clusterIndex.get(n.id) ?? -1];
    let p = parentOf(n.parentId);
    // A subgraph inside itself (bad input) would loop: hang it from the root instead.
    for (let q = p, guard = 0; q !== -1; q = clusters[q]?.parent ?? -1, guard++) if (q === c?.index || guard > clusters.length) p = -1;
    if (c) (c as { parent: number }).parent = p;
    if (p !== -1) clusters[p]?.children.push(c?.index ?? -1);
  }
  const vertexIndex = new Map<string, number>();
  const vertices: Vertex[] = [];
  const ids: string[] = [];
  for (const n of nodesIn) {
    if (n.isGroup) continue;
    vertexIndex.set(n.id, vertices.length);
    ids.push(n.id);
    const [w, h] = lr ? [n.height, n.width] : [n.width, n.height];
    vertices.push({ width: w, height: h, cluster: parentOf(n.parentId), dummy: false, index: vertices.length, rank: 0, pos: 0, bary: 0, up: [], down: [] });
  }

  // Ranks (ranking.ts) over the ranked edges; a cycle, which a plan never has, is broken where
  // the topological order finds it.
  const real = vertices.length;
  const out: number[][] = vertices.map(() => []);
  const inn: number[][] = vertices.map(() => []);
  const rankedEdges: { id: string; from: number; to: number }[] = [];
  const otherEdges: { id: string; from: number; to: number }[] = [];
  for (const e of edgesIn) {
    const from = vertexIndex.get(e.start);
    const to = vertexIndex.get(e.end);
    if (from === undefined || to === undefined) continue;
    if (e.unranked || from === to) otherEdges.push({ id: e.id, from, to });
    else rankedEdges.push({ id: e.id, from, to });
  }
  const topo = topologicalOrder(real, rankedEdges, out, inn);
  const outermost = vertices.map((v) => {
    let top = v.cluster;
    for (let c = v.cluster; c !== -1; c = clusters[c]?.parent ?? -1) top = c;
    return top;
  });
  assignRanks(real, topo, out, inn, outermost).forEach((r, v) => {
    const vx = vertices[v];
    if (vx) vx.rank = r;
  });

  // Long edges: one waypoint per rank crossed, inside the smallest subgraph holding both ends.
  // An unranked line between two ranks (a file conflict) gets its waypoints too, from its upper
  // end down, so it passes beside the ranks between rather than through their nodes; one within
  // a rank is drawn under that rank (below).
  const edgeChains = new Map<string, number[]>();
  const reversed = new Set<string>();
  const sameRank: { id: string; from: number; to: number }[] = [];
  const unranked = otherEdges.splice(0);
  for (const e of unranked) {
    const [a, b] = [vertices[e.from], vertices[e.to]];
    if (!a || !b || e.from === e.to) otherEdges.push(e);
    else if (a.rank === b.rank) sameRank.push(e);
    else if (a.rank < b.rank) rankedEdges.push(e);
    else {
      reversed.add(e.id);
      rankedEdges.push({ id: e.id, from: e.to, to: e.from });
    }
  }
  // Each subgraph's ranks, from its tasks: a waypoint in a rank goes into the innermost subgraph
  // of either end that spans that rank, so a line enters or leaves a box once, through its top or
  // bottom, rather than running outside the box beside its tasks.
  const span = realSpans(vertices, clusters);
  const depths = clusters.map((c) => {
    let d = 1;
    for (let q = c.parent; q !== -1; q = clusters[q]?.parent ?? -1) d++;
    return d;
  });
  const depth = (c: number): number => (c === -1 ? 0 : (depths[c] ?? 0));
  for (const e of rankedEdges) {
    const a = vertices[e.from];
    const b = vertices[e.to];
    if (!a || !b) continue;
    if (b.rank <= a.rank) {
      otherEdges.push(e);
      continue;
    }
    const home = commonCluster(clusters, a.cluster, b.cluster);
    const clusterAt = (r: number): number => {
      let best = home;
      for (const end of [a.cluster, b.cluster]) {
        for (let c = end; c !== -1 && c !== home; c = clusters[c]?.parent ?? -1) {
          const [lo, hi] = span[c] ?? [Infinity, -Infinity];
          if (lo <= r && r <= hi) {
            if (depth(c) > depth(best)) best = c;
            break;
          }
        }
      }
      return best;
    };
    const chain = [e.from];
    for (let r = a.rank + 1; r < b.rank; r++) {
      chain.push(vertices.length);
      vertices.push({ width: DUMMY_WIDTH, height: 0, cluster: clusterAt(r), dummy: true, index: vertices.length, rank: r, pos: 0, bary: 0, up: [], down: [] });
    }
    chain.push(e.to);
    for (let i = 1; i < chain.length; i++) {
      vertices[chain[i - 1] ?? 0]?.down.push(chain[i] ?? 0);
      vertices[chain[i] ?? 0]?.up.push(chain[i - 1] ?? 0);
    }
    edgeChains.set(e.id, chain);
  }

  // Ranks as lists, in input order to begin with; each subgraph's span of ranks.
  const maxRank = vertices.reduce((m, v) => Math.max(m, v.rank), 0);
  const layers: number[][] = Array.from({ length: maxRank + 1 }, () => []);
  for (const v of vertices) layers[v.rank]?.push(v.index);
  for (const v of vertices) {
    for (let c = v.cluster; c !== -1; c = clusters[c]?.parent ?? -1) {
      const cl = clusters[c];
      if (!cl) break;
      cl.minRank = Math.min(cl.minRank, v.rank);
      cl.maxRank = Math.max(cl.maxRank, v.rank);
    }
  }
  const live = clusters.filter((c) => c.minRank <= c.maxRank);
  const roots = live.filter((c) => c.parent === -1 || !isLive(clusters[c.parent])).map((c) => c.index);
  layers.forEach((layer) => layer.forEach((v, i) => setPos(vertices, v, i, layer.length)));

  // Crossing reduction: barycenter sweeps, down then up, keeping the best ordering seen. Every
  // ordering, the first included, comes from orderLayer, so subgraphs are whole in each rank.
  let best: { layers: number[][]; streams: Stream[] } | undefined;
  let bestCrossings = Infinity;
  const streams: Stream[] = layers.map(() => []);
  const sweeps = Math.max(1, options.sweeps ?? 6);
  for (let s = 0; s <= sweeps && bestCrossings > 0; s++) {
    // Sweep 0 only sorts the input order into its subgraphs; then down, up, down …
    const downward = s % 2 === 1;
    clusterKeys(vertices, clusters, live);
    for (let k = 0; k <= maxRank; k++) {
      const r = downward || s === 0 ? k : maxRank - k;
      const layer = layers[r] ?? [];
      for (const v of layer) {
        const vx = vertices[v];
        if (!vx || s === 0) continue;
        const ns = downward ? vx.up : vx.down;
        vx.bary = ns.length === 0 ? vx.bary : ns.reduce((sum, n) => sum + (vertices[n]?.bary ?? 0), 0) / ns.length;
      }
      const ordered = orderLayer(layer, vertices, clusters, roots, r);
      layers[r] = ordered.order;
      streams[r] = ordered.stream;
      ordered.order.forEach((v, i) => setPos(vertices, v, i, layer.length));
    }
    const c = crossings(vertices, layers);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = { layers: layers.map((l) => [...l]), streams: [...streams] };
    }
  }
  best?.layers.forEach((layer, r) => {
    layers[r] = layer;
    layer.forEach((v, i) => setPos(vertices, v, i, layer.length));
  });

  // x: difference constraints between neighbours in each rank (subgraph borders included), packed
  // to the left, then each node moved towards its neighbours' mean as far as its rank allows.
  const xs = placeX(vertices, clusters, layers, best?.streams ?? streams, { nodeSep, pad });

  // y: each rank as tall as its tallest node, with room between ranks for the subgraph borders
  // and titles that end above or start below.
  const rankTop: number[] = [];
  const rankHeight = layers.map((l) => l.reduce((m, v) => Math.max(m, vertices[v]?.height ?? 0), 0));
  const titleRoom = (c: Cluster): number => pad + c.labelHeight + 4;
  let y = 0;
  for (let r = 0; r <= maxRank; r++) {
    let starting = 0;
    let ending = 0;
    for (const v of layers[r] ?? []) {
      let s = 0;
      for (let c = vertices[v]?.cluster ?? -1; c !== -1; c = clusters[c]?.parent ?? -1) {
        const cl = clusters[c];
        if (cl && cl.minRank === r) s += titleRoom(cl);
      }
      starting = Math.max(starting, s);
    }
    if (r > 0) {
      for (const v of layers[r - 1] ?? []) {
        let e = 0;
        for (let c = vertices[v]?.cluster ?? -1; c !== -1; c = clusters[c]?.parent ?? -1) if (clusters[c]?.maxRank === r - 1) e += pad;
        ending = Math.max(ending, e);
      }
    }
    y += (r > 0 ? rankSep : 0) + starting + ending;
    rankTop.push(y);
    y += rankHeight[r] ?? 0;
  }
  const centreY = (v: Vertex): number => (rankTop[v.rank] ?? 0) + (rankHeight[v.rank] ?? 0) / 2;

  // Subgraph boxes, innermost first.
  const boxes = new Map<number, { x0: number; x1: number; y0: number; y1: number }>();
  const visit = (c: number): void => {
    const cl = clusters[c];
    if (!cl || !isLive(cl)) return;
    for (const child of cl.children) visit(child);
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const v of vertices) {
      if (v.cluster !== c || v.dummy) continue;
      y0 = Math.min(y0, centreY(v) - v.height / 2);
      y1 = Math.max(y1, centreY(v) + v.height / 2);
    }
    for (const child of cl.children) {
      const b = boxes.get(child);
      if (!b) continue;
      y0 = Math.min(y0, b.y0);
      y1 = Math.max(y1, b.y1);
    }
    if (y0 > y1) [y0, y1] = [rankTop[cl.minRank] ?? 0, (rankTop[cl.maxRank] ?? 0) + (rankHeight[cl.maxRank] ?? 0)];
    boxes.set(c, { x0: xs[cl.left] ?? 0, x1: xs[cl.right] ?? 0, y0: y0 - titleRoom(cl), y1: y1 + pad });
  };
  for (const r of roots) visit(r);

  // Everything shifted to start at 0, then turned for LR.
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  const extend = (x0: number, x1: number, y0: number, y1: number): void => {
    minX = Math.min(minX, x0);
    maxX = Math.max(maxX, x1);
    minY = Math.min(minY, y0);
    maxY = Math.max(maxY, y1);
  };
  for (const v of vertices) if (!v.dummy) extend((xs[v.index] ?? 0) - v.width / 2, (xs[v.index] ?? 0) + v.width / 2, centreY(v) - v.height / 2, centreY(v) + v.height / 2);
  for (const b of boxes.values()) extend(b.x0, b.x1, b.y0, b.y1);
  if (minX > maxX) [minX, maxX, minY, maxY] = [0, 0, 0, 0];
  const place = (x: number, yy: number): Point => (lr ? { x: yy - minY, y: x - minX } : { x: x - minX, y: yy - minY });

  const nodes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (let i = 0; i < real; i++) {
    const v = vertices[i];
    if (!v) continue;
    const p = place(xs[i] ?? 0, centreY(v));
    nodes.set(ids[i] ?? '', { ...p, width: lr ? v.height : v.width, height: lr ? v.width : v.height });
  }
  for (const [c, b] of boxes) {
    const p = place((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2);
    const [w, h] = [b.x1 - b.x0, b.y1 - b.y0];
    nodes.set(clusters[c]?.id ?? '', { ...p, width: lr ? h : w, height: lr ? w : h });
  }

  // Edges: out of the bottom of the start, through the waypoints, into the top of the end.
  const edges = new Map<string, Point[]>();
  const edgeGap = Math.min(rankSep / 3, 12);
  for (const [id, chain] of edgeChains) {
    const a = vertices[chain[0] ?? 0];
    const b = vertices[chain[chain.length - 1] ?? 0];
    if (!a || !b) continue;
    const pts: Point[] = [place(xs[a.index] ?? 0, centreY(a)), place(xs[a.index] ?? 0, (rankTop[a.rank] ?? 0) + (rankHeight[a.rank] ?? 0) + edgeGap)];
    // Through each rank it crosses straight down beside the rank's nodes; it bends only between ranks.
    for (const d of chain.slice(1, -1)) {
      const dv = vertices[d];
      if (dv) pts.push(place(xs[d] ?? 0, rankTop[dv.rank] ?? 0), place(xs[d] ?? 0, (rankTop[dv.rank] ?? 0) + (rankHeight[dv.rank] ?? 0)));
    }
    pts.push(place(xs[b.index] ?? 0, (rankTop[b.rank] ?? 0) - edgeGap), place(xs[b.index] ?? 0, centreY(b)));
    // Mermaid cuts a line where it leaves its start and enters its end: points go start to end.
    edges.set(id, reversed.has(id) ? pts.reverse() : pts);
  }
  // Within a rank: down out of one end, along under the rank (above where the rank's own edges
  // leave), up into the other. Corners are doubled so the drawn curve keeps to them.
  for (const e of sameRank) {
    const a = vertices[e.from];
    const b = vertices[e.to];
    if (!a || !b) continue;
    const under = (rankTop[a.rank] ?? 0) + (rankHeight[a.rank] ?? 0) + edgeGap / 2;
    const [xa, xb] = [xs[e.from] ?? 0, xs[e.to] ?? 0];
    const step = Math.sign(xb - xa) * Math.min(Math.abs(xb - xa) / 4, edgeGap);
    edges.set(e.id, [place(xa, centreY(a)), place(xa, under), place(xa + step, under), place(xb - step, under), place(xb, under), place(xb, centreY(b))]);
  }
  for (const e of otherEdges) {
    const a = vertices[e.from];
    const b = vertices[e.to];
    if (!a || !b) continue;
    const p = place(xs[e.from] ?? 0, centreY(a));
    const q = place(xs[e.to] ?? 0, centreY(b));
    edges.set(e.id, [p, { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 }, q]);
  }

  const ranks = new Map<string, number>();
  for (let i = 0; i < real; i++) ranks.set(ids[i] ?? '', vertices[i]?.rank ?? 0);
  const [w, h] = [maxX - minX, maxY - minY];
  return { nodes, edges, ranks, width: lr ? h : w, height: lr ? w : h };
}

/** [first, last] rank of each subgraph's tasks (its nested subgraphs' included). */
function realSpans(vertices: readonly Vertex[], clusters: readonly Cluster[]): [number, number][] {
  const span: [number, number][] = clusters.map(() => [Infinity, -Infinity]);
  for (const v of vertices) {
    if (v.dummy) continue;
    for (let c = v.cluster; c !== -1; c = clusters[c]?.parent ?? -1) {
      const s = span[c];
      if (!s) break;
      s[0] = Math.min(s[0], v.rank);
      s[1] = Math.max(s[1], v.rank);
    }
  }
  return span;
}

/** Kahn's order over the ranked edges; what a cycle leaves out is appended in input order. */
function topologicalOrder(n: number, edges: readonly { from: number; to: number }[], out: number[][], inn: number[][]): number[] {
  for (const e of edges) {
    out[e.from]?.push(e.to);
    inn[e.to]?.push(e.from);
  }
  const indegree = inn.map((l) => l.length);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  for (let head = 0; order.length < n; ) {
    if (head >= queue.length) {
      // A cycle: take the first vertex not yet ordered, as if its remaining in-edges were not there.
      const v = seen.findIndex((s) => s === 0);
      indegree[v] = 0;
      queue.push(v);
    }
    const v = queue[head++] ?? 0;
    if (seen[v]) continue;
    seen[v] = 1;
    order.push(v);
    for (const w of out[v] ?? []) {
      indegree[w] = (indegree[w] ?? 1) - 1;
      if (indegree[w] === 0 && !seen[w]) queue.push(w);
    }
  }
  // Edges against this order (only in a cycle) are not ranked.
  const place = new Int32Array(n);
  order.forEach((v, i) => (place[v] = i));
  for (let v = 0; v < n; v++) out[v] = (out[v] ?? []).filter((w) => (place[w] ?? 0) > (place[v] ?? 0));
  return order;
}
