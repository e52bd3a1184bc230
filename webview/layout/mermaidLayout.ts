// The page's layout as a mermaid layout (`layout: 'ralph'`): mermaid still parses the text,
// measures and draws every node, subgraph, edge and label; layered.ts only decides where they go.
// Registered with mermaid's registerLayoutLoaders, as @mermaid-js/layout-elk registers `elk`.

import mermaid, { createCommonLayoutRenderer, type LayoutData, type LayoutLoaderDefinition } from 'mermaid';
import { layeredLayout, type LayoutEdgeIn, type LayoutNodeIn } from './layered';

export const RALPH_LAYOUT = 'ralph';

type Node = LayoutData['nodes'][number] & { labelBBox?: { width: number; height: number } };
type Edge = LayoutData['edges'][number] & { points?: { x: number; y: number }[]; x?: number; y?: number };

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Places what mermaid measured: x/y (centres) and sizes on the nodes, waypoints on the edges. */
export function applyLayeredLayout(data: LayoutData): void {
  const flowchart = (data.config?.flowchart ?? {}) as { nodeSpacing?: number; rankSpacing?: number };
  const nodes = data.nodes as Node[];
  const input: LayoutNodeIn[] = nodes.map((n) => ({
    id: n.id,
    width: numberOr(n.width, 0),
    height: numberOr(n.height, 0),
    ...(n.parentId ? { parentId: n.parentId } : {}),
    ...(n.isGroup ? { isGroup: true, labelWidth: n.labelBBox?.width ?? 0, labelHeight: n.labelBBox?.height ?? 0 } : {}),
  }));
  const edges = data.edges as Edge[];
  // `-.-` (a file conflict) has no arrow: it orders nothing.
  const edgeInput: LayoutEdgeIn[] = edges.map((e) => ({ id: e.id, start: e.start ?? '', end: e.end ?? '', ...(e.arrowTypeEnd === 'none' ? { unranked: true } : {}) }));
  const result = layeredLayout(input, edgeInput, {
    direction: data.direction === 'LR' || data.direction === 'RL' ? 'LR' : 'TB',
    nodeSep: numberOr(data.nodeSpacing ?? flowchart.nodeSpacing, 30),
    rankSep: numberOr(data.rankSpacing ?? flowchart.rankSpacing, 40),
  });
  for (const n of nodes) {
    const placed = result.nodes.get(n.id);
    if (!placed) continue;
    n.x = placed.x;
    n.y = placed.y;
    if (n.isGroup) {
      n.width = placed.width;
      n.height = placed.height;
    }
  }
  for (const e of edges) {
    const points = result.edges.get(e.id);
    if (!points || points.length < 2) continue;
    e.points = points;
    const middle = points[Math.floor(points.length / 2)] ?? points[0];
    e.x = middle?.x ?? 0;
    e.y = middle?.y ?? 0;
  }
}

const render = createCommonLayoutRenderer({ runLayoutCore: (data: LayoutData) => applyLayeredLayout(data) });

export const ralphLayoutLoaders: LayoutLoaderDefinition[] = [{ name: RALPH_LAYOUT, loader: () => Promise.resolve({ render }) }];

let registered = false;

export function registerRalphLayout(): void {
  if (registered) return;
  registered = true;
  mermaid.registerLayoutLoaders(ralphLayoutLoaders);
}
