// Stands in for dagre's order/index.js inside mermaid's dagre layout (see scripts/bundles.mjs,
// dagreTuningPlugin): the same crossing reduction (layer sweeps, barycenters, keep the best), with
// fewer sweeps (dagreTuning) and the best layering copied by rows instead of lodash's cloneDeep.

import { Graph } from 'dagre-d3-es/src/graphlib/index.js';
import { addSubgraphConstraints } from 'dagre-d3-es/src/dagre/order/add-subgraph-constraints.js';
import { buildLayerGraph } from 'dagre-d3-es/src/dagre/order/build-layer-graph.js';
import { crossCount } from 'dagre-d3-es/src/dagre/order/cross-count.js';
import { initOrder } from 'dagre-d3-es/src/dagre/order/init-order.js';
import { sortSubgraph } from 'dagre-d3-es/src/dagre/order/sort-subgraph.js';
import { buildLayerMatrix, maxRank } from 'dagre-d3-es/src/dagre/util.js';
import { dagreTuning } from './dagreTuning';

/* eslint-disable @typescript-eslint/no-explicit-any -- dagre's graphs are untyped */
type G = any;
type Layering = string[][];

const build = buildLayerGraph as (g: G, rank: number, rel: string) => G;

function range(from: number, to: number): number[] {
  const out: number[] = [];
  if (from <= to) for (let i = from; i < to; i++) out.push(i);
  else for (let i = from; i > to; i--) out.push(i);
  return out;
}

function sweep(layerGraphs: G[], biasRight: boolean): void {
  const cg = new Graph();
  for (const lg of layerGraphs) {
    const sorted = (sortSubgraph as (g: G, v: unknown, cg: G, b: boolean) => { vs: string[] })(lg, lg.graph().root, cg, biasRight);
    sorted.vs.forEach((v, i) => (lg.node(v).order = i));
    (addSubgraphConstraints as (g: G, cg: G, vs: string[]) => void)(lg, cg, sorted.vs);
  }
}

function assignOrder(g: G, layering: Layering): void {
  for (const layer of layering) layer.forEach((v, i) => (g.node(v).order = i));
}

export function order(g: G): void {
  const top = (maxRank as (g: G) => number)(g);
  const down = range(1, top + 1).map((r) => build(g, r, 'inEdges'));
  const up = range(top - 1, -1).map((r) => build(g, r, 'outEdges'));
  let layering = (initOrder as (g: G) => Layering)(g);
  assignOrder(g, layering);
  let bestCC = Number.POSITIVE_INFINITY;
  let best: Layering = layering.map((l) => [...l]);
  for (let i = 0, lastBest = 0; lastBest < dagreTuning.patience && i < dagreTuning.maxSweeps; ++i, ++lastBest) {
    sweep(i % 2 ? down : up, i % 4 >= 2);
    layering = (buildLayerMatrix as (g: G) => Layering)(g);
    const cc = (crossCount as (g: G, l: Layering) => number)(g, layering);
    if (cc < bestCC) {
      lastBest = 0;
      best = layering.map((l) => [...l]);
      bestCC = cc;
    }
  }
  assignOrder(g, best);
}
