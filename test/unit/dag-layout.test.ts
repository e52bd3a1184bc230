// The DAG page's own layered layout (webview/layout/layered.ts), in plain Node: what the page
// relies on is geometry — no two boxes overlap, a task sits below what it waits for, subgraphs
// hold exactly their members, the same input gives the same drawing.
import { strict as assert } from 'node:assert';
import { buildDagGraph } from '../../src/core/graph';
import { drawView, initialView, type DagView } from '../../src/core/graphDraw';
import { parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import { layeredLayout, type LayoutEdgeIn, type LayoutNodeIn, type LayoutResult } from '../../webview/layout/layered';
import { generateTasksMd } from '../../bench/generate';

type Box = { x: number; y: number; width: number; height: number };

const overlaps = (a: Box, b: Box): boolean => Math.abs(a.x - b.x) * 2 < a.width + b.width - 0.01 && Math.abs(a.y - b.y) * 2 < a.height + b.height - 0.01;
const inside = (inner: Box, outer: Box): boolean =>
  inner.x - inner.width / 2 >= outer.x - outer.width / 2 - 0.01 &&
  inner.x + inner.width / 2 <= outer.x + outer.width / 2 + 0.01 &&
  inner.y - inner.height / 2 >= outer.y - outer.height / 2 - 0.01 &&
  inner.y + inner.height / 2 <= outer.y + outer.height / 2 + 0.01;

/** The mermaid text graphDraw writes, read back into layout input (sizes from the label length,
 *  as mermaid would measure them roughly). */
function fromMermaid(text: string): { nodes: LayoutNodeIn[]; edges: LayoutEdgeIn[] } {
  const nodes: LayoutNodeIn[] = [];
  const edges: LayoutEdgeIn[] = [];
  const stack: string[] = [];
  for (const raw of text.split('\n').slice(1)) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    const parentId = stack[stack.length - 1];
    if ((m = /^subgraph (\w+)\["(.*)"\]/.exec(line))) {
      nodes.push({ id: m[1] ?? '', width: 0, height: 0, isGroup: true, ...(parentId ? { parentId } : {}), labelWidth: (m[2] ?? '').length * 7, labelHeight: 20 });
      stack.push(m[1] ?? '');
    } else if (line === 'end') stack.pop();
    else if ((m = /^(\w+) (\w+)@(-->|-\.->|-\.-) (\w+)/.exec(line))) edges.push({ id: m[2] ?? '', start: m[1] ?? '', end: m[4] ?? '', ...(m[3] === '-.-' ? { unranked: true } : {}) });
    else if ((m = /^(\w+)[[(]+"(.*?)"/.exec(line))) nodes.push({ id: m[1] ?? '', width: Math.min(200, (m[2] ?? '').length * 7) + 30, height: 40, ...(parentId ? { parentId } : {}) });
  }
  return { nodes, edges };
}

function generated(n: number, view?: DagView): { nodes: LayoutNodeIn[]; edges: LayoutEdgeIn[] } {
  const g = buildDagGraph(planSpec(parseSpec(generateTasksMd(n, 7), { path: `generated-${n}.md` })));
  return fromMermaid(drawView(g, view ?? initialView(g)).text);
}

/** Whether the segment p–q passes through the inside of box (Liang–Barsky clipping). */
function segmentCrosses(p: { x: number; y: number } | undefined, q: { x: number; y: number } | undefined, box: Box): boolean {
  if (!p || !q) return false;
  const [x0, x1, y0, y1] = [box.x - box.width / 2 + 1, box.x + box.width / 2 - 1, box.y - box.height / 2 + 1, box.y + box.height / 2 - 1];
  const [dx, dy] = [q.x - p.x, q.y - p.y];
  let [t0, t1] = [0, 1];
  for (const [edge, dist] of [
    [-dx, p.x - x0],
    [dx, x1 - p.x],
    [-dy, p.y - y0],
    [dy, y1 - p.y],
  ] as const) {
    if (edge === 0) {
      if (dist < 0) return false;
      continue;
    }
    const t = dist / edge;
    if (edge < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

function checkGeometry(nodes: readonly LayoutNodeIn[], edges: readonly LayoutEdgeIn[], result: LayoutResult, direction: 'TB' | 'LR' = 'TB'): void {
  const boxOf = (id: string): Box => {
    const b = result.nodes.get(id);
    assert.ok(b, `${id} was placed`);
    return b;
  };
  const leaves = nodes.filter((n) => !n.isGroup);
  const groups = nodes.filter((n) => n.isGroup);
  // Drawn nodes never overlap each other.
  for (let i = 0; i < leaves.length; i++) {
    for (let j = i + 1; j < leaves.length; j++) {
      const [a, b] = [leaves[i], leaves[j]];
      if (a && b) assert.ok(!overlaps(boxOf(a.id), boxOf(b.id)), `${a.id} and ${b.id} overlap`);
    }
  }
  // A subgraph holds its members and no other node, and siblings do not overlap.
  const ancestors = (id: string | undefined): Set<string> => {
    const out = new Set<string>();
    for (let p = id; p !== undefined; p = nodes.find((n) => n.id === p)?.parentId) out.add(p);
    return out;
  };
  for (const g of groups) {
    if (!leaves.some((l) => ancestors(l.parentId).has(g.id))) continue;
    const box = boxOf(g.id);
    for (const l of leaves) {
      const member = ancestors(l.parentId).has(g.id);
      if (member) assert.ok(inside(boxOf(l.id), box), `${l.id} is inside ${g.id}`);
      else assert.ok(!overlaps(boxOf(l.id), box), `${l.id} is outside ${g.id}`);
    }
    for (const h of groups) {
      if (h === g || h.parentId !== g.parentId || !result.nodes.has(h.id)) continue;
      assert.ok(!overlaps(box, boxOf(h.id)), `${g.id} and ${h.id} overlap`);
    }
  }
  // Every ranked edge goes down (right in LR), from rank to a later rank, starting at its start
  // and ending at its end.
  for (const e of edges) {
    const pts = result.edges.get(e.id);
    assert.ok(pts && pts.length >= 3, `${e.id} has waypoints`);
    const [a, b] = [boxOf(e.start), boxOf(e.end)];
    assert.deepEqual(pts[0], { x: a.x, y: a.y });
    assert.deepEqual(pts[pts.length - 1], { x: b.x, y: b.y });
    if (e.unranked) continue;
    assert.ok((result.ranks.get(e.end) ?? 0) > (result.ranks.get(e.start) ?? 0), `${e.id}: ${e.end} is ranked after ${e.start}`);
    const along = (p: { x: number; y: number }): number => (direction === 'LR' ? p.x : p.y);
    for (let i = 1; i < pts.length; i++) assert.ok(along(pts[i] ?? pts[0]) >= along(pts[i - 1] ?? pts[0]) - 0.01, `${e.id} goes ${direction === 'LR' ? 'right' : 'down'} at point ${i}`);
  }
}

describe('the DAG page layout (layered)', () => {
  it('ranks a task one below the deepest task it waits for; a source sits just above its first successor', () => {
    const nodes = ['a', 'b', 'c', 'd', 'late'].map((id) => ({ id, width: 80, height: 30 }));
    const edges = [
      { id: 'e1', start: 'a', end: 'b' },
      { id: 'e2', start: 'b', end: 'c' },
      { id: 'e3', start: 'a', end: 'c' },
      { id: 'e4', start: 'c', end: 'd' },
      { id: 'e5', start: 'late', end: 'd' },
    ];
    const r = layeredLayout(nodes, edges);
    assert.deepEqual(Object.fromEntries(r.ranks), { a: 0, b: 1, c: 2, d: 3, late: 2 });
    checkGeometry(nodes, edges, r);
    // The long edge a → c bends around b instead of through it.
    const long = r.edges.get('e3') ?? [];
    assert.equal(long.length, 6);
  });

  it('orders ranks so that two crossing-free chains do not cross', () => {
    // Input order invites a crossing: a1 → b2 and a2 → b1 listed crosswise.
    const nodes = ['a1', 'a2', 'b2', 'b1'].map((id) => ({ id, width: 60, height: 30 }));
    const edges = [
      { id: 'x', start: 'a1', end: 'b1' },
      { id: 'y', start: 'a2', end: 'b2' },
    ];
    const r = layeredLayout(nodes, edges);
    const x = (id: string): number => r.nodes.get(id)?.x ?? NaN;
    assert.equal(Math.sign(x('a1') - x('a2')), Math.sign(x('b1') - x('b2')));
    checkGeometry(nodes, edges, r);
  });

  it('runs a long edge into a box through the box: its waypoints are inside the innermost box of an end that spans their rank', () => {
    // top → b skips a's rank; a and b are the group's. The line enters the group's box from the
    // top and passes beside a inside it, instead of running down outside the box.
    const nodes: LayoutNodeIn[] = [
      { id: 'g', width: 0, height: 0, isGroup: true, labelWidth: 60, labelHeight: 18 },
      { id: 'top', width: 80, height: 30 },
      { id: 'a', width: 80, height: 30, parentId: 'g' },
      { id: 'b', width: 80, height: 30, parentId: 'g' },
      { id: 'side', width: 80, height: 30 },
    ];
    const edges: LayoutEdgeIn[] = [
      { id: 'ta', start: 'top', end: 'a' },
      { id: 'ab', start: 'a', end: 'b' },
      { id: 'tb', start: 'top', end: 'b' },
      { id: 'ts', start: 'top', end: 'side' },
    ];
    const r = layeredLayout(nodes, edges);
    checkGeometry(nodes, edges, r);
    const box = r.nodes.get('g') as Box;
    const pts = r.edges.get('tb') ?? [];
    assert.equal(pts.length, 6, JSON.stringify(pts));
    for (const p of pts.slice(2, 4)) assert.ok(Math.abs(p.x - box.x) < box.width / 2, `waypoint ${JSON.stringify(p)} is inside the box ${JSON.stringify(box)}`);
  });

  it('draws a file-conflict line beside the other nodes: under its rank, or past the ranks between its ends', () => {
    // s leads to a, m, b (one rank, m between a and b); a and b share a file. t → mid → bot, and
    // t and bot share a file: a straight line from t to bot would go through mid.
    const nodes = ['s', 'a', 'm', 'b', 't', 'mid', 'bot'].map((id) => ({ id, width: 90, height: 36 }));
    const edges: LayoutEdgeIn[] = [
      { id: 'sa', start: 's', end: 'a' },
      { id: 'sm', start: 's', end: 'm' },
      { id: 'sb', start: 's', end: 'b' },
      { id: 'tm', start: 't', end: 'mid' },
      { id: 'mb', start: 'mid', end: 'bot' },
      { id: 'ab', start: 'a', end: 'b', unranked: true },
      { id: 'tb', start: 'bot', end: 't', unranked: true },
    ];
    const r = layeredLayout(nodes, edges);
    checkGeometry(nodes, edges, r);
    const box = (id: string): Box => r.nodes.get(id) as Box;
    assert.ok((box('a').x - box('m').x) * (box('b').x - box('m').x) < 0, 'm is drawn between a and b');
    assert.deepEqual(['t', 'mid', 'bot'].map((id) => r.ranks.get(id)), [0, 1, 2]);
    for (const id of ['ab', 'tb']) {
      const e = edges.find((x) => x.id === id) as LayoutEdgeIn;
      const pts = r.edges.get(id) ?? [];
      for (const n of nodes) {
        if (n.id === e.start || n.id === e.end) continue;
        for (let i = 1; i < pts.length; i++) assert.ok(!segmentCrosses(pts[i - 1], pts[i], box(n.id)), `${id} crosses ${n.id}: ${JSON.stringify(pts)}`);
      }
    }
  });

  it('keeps subgraphs whole: members inside, others outside, nested boxes inside their parents', () => {
    const nodes: LayoutNodeIn[] = [
      { id: 'p', width: 0, height: 0, isGroup: true, labelWidth: 300, labelHeight: 18 },
      { id: 'g', width: 0, height: 0, isGroup: true, parentId: 'p', labelWidth: 90, labelHeight: 18 },
      { id: 'a', width: 100, height: 40, parentId: 'p' },
      { id: 'b', width: 100, height: 40, parentId: 'g' },
      { id: 'c', width: 100, height: 40, parentId: 'g' },
      { id: 'd', width: 100, height: 40, parentId: 'p' },
      { id: 'out', width: 100, height: 40 },
      { id: 'after', width: 100, height: 40 },
    ];
    const edges = [
      { id: 'e1', start: 'a', end: 'b' },
      { id: 'e2', start: 'a', end: 'c' },
      { id: 'e3', start: 'b', end: 'd' },
      { id: 'e4', start: 'c', end: 'd' },
      { id: 'e5', start: 'out', end: 'c' },
      { id: 'e6', start: 'd', end: 'after' },
      { id: 'e7', start: 'a', end: 'after' },
      { id: 'e8', start: 'b', end: 'c', unranked: true },
    ];
    const r = layeredLayout(nodes, edges);
    checkGeometry(nodes, edges, r);
    const g = r.nodes.get('g');
    const p = r.nodes.get('p');
    assert.ok(g && p && inside(g, p), 'g inside p');
    // A subgraph is at least as wide as its title.
    assert.ok((p?.width ?? 0) >= 300);
  });

  it('stacks phases as written: a phase an earlier one leads into starts below the whole of it', () => {
    // p1's chain is three deep; p2's first task needs only p1's first, so by depth alone it would
    // sit beside p1. Its phase starts below p1 instead, and what p2 itself orders stays ordered.
    const nodes: LayoutNodeIn[] = [
      { id: 'p2', width: 0, height: 0, isGroup: true, labelWidth: 50, labelHeight: 18 },
      { id: 'p1', width: 0, height: 0, isGroup: true, labelWidth: 50, labelHeight: 18 },
      ...['a1', 'a2', 'a3'].map((id) => ({ id, width: 60, height: 30, parentId: 'p1' })),
      ...['b1', 'b2'].map((id) => ({ id, width: 60, height: 30, parentId: 'p2' })),
      { id: 'loose', width: 60, height: 30 },
    ];
    const edges = [
      { id: 'e1', start: 'a1', end: 'a2' },
      { id: 'e2', start: 'a2', end: 'a3' },
      { id: 'e3', start: 'a1', end: 'b1' },
      { id: 'e4', start: 'b1', end: 'b2' },
      { id: 'e5', start: 'loose', end: 'b2' },
    ];
    const r = layeredLayout(nodes, edges);
    assert.deepEqual(Object.fromEntries(r.ranks), { a1: 0, a2: 1, a3: 2, b1: 3, b2: 4, loose: 3 });
    checkGeometry(nodes, edges, r);
    const [p1, p2] = [r.nodes.get('p1'), r.nodes.get('p2')];
    assert.ok(p1 && p2 && p2.y - p2.height / 2 >= p1.y + p1.height / 2, 'p2 is below p1');
  });

  it('lays out LR with the ranks left to right', () => {
    const nodes = ['a', 'b', 'c'].map((id) => ({ id, width: 120, height: 30 }));
    const edges = [
      { id: 'e1', start: 'a', end: 'b' },
      { id: 'e2', start: 'a', end: 'c' },
    ];
    const r = layeredLayout(nodes, edges, { direction: 'LR' });
    checkGeometry(nodes, edges, r, 'LR');
    assert.ok((r.nodes.get('b')?.x ?? 0) > (r.nodes.get('a')?.x ?? 0));
    assert.equal(r.nodes.get('a')?.width, 120);
  });

  it('survives what a plan never has: a cycle, an edge to an unknown node, a self-loop', () => {
    const nodes = ['a', 'b', 'c'].map((id) => ({ id, width: 50, height: 20 }));
    const edges = [
      { id: 'e1', start: 'a', end: 'b' },
      { id: 'e2', start: 'b', end: 'c' },
      { id: 'e3', start: 'c', end: 'a' },
      { id: 'e4', start: 'a', end: 'nowhere' },
      { id: 'e5', start: 'b', end: 'b' },
    ];
    const r = layeredLayout(nodes, edges);
    assert.equal(r.nodes.size, 3);
    assert.ok(!r.edges.has('e4'));
    for (const id of ['e1', 'e2', 'e3', 'e5']) assert.ok(r.edges.has(id), id);
  });

  for (const [name, n, view] of [
    ['the first view of 30 generated tasks', 30, undefined],
    ['the first view of 300 generated tasks (phases, one open)', 300, undefined],
    ['a whole 300-task graph', 300, { kind: 'full' }],
  ] as const) {
    it(`${name}: no overlaps, subgraphs whole, edges downward, the same every time`, () => {
      const { nodes, edges } = generated(n, view);
      const first = layeredLayout(nodes, edges);
      checkGeometry(nodes, edges, first);
      const again = layeredLayout(nodes, edges);
      assert.deepEqual([...again.nodes], [...first.nodes]);
      assert.deepEqual([...again.edges], [...first.edges]);
    });
  }
});
