import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { generateTasksMd } from '../../bench/generate';
import { buildDagGraph, type DagGraph } from '../../src/core/graph';
import {
  DAG_LIMITS,
  MERMAID_LIMITS,
  collapsePhase,
  drawView,
  expandPhase,
  fits,
  focusView,
  initialView,
  type DagView,
} from '../../src/core/graphDraw';
import { parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import { phase, spec, task } from './builders';
import { loadMermaid } from './mermaid-in-node';

function graphOfMarkdown(text: string, path = 'specs/x/tasks.md', statuses?: Parameters<typeof buildDagGraph>[1]): DagGraph {
  return buildDagGraph(planSpec(parseSpec(text, { path })), statuses);
}

const generated = new Map<string, DagGraph>();
function generatedGraph(n: number, seed = 7): DagGraph {
  const key = `${n}/${seed}`;
  let g = generated.get(key);
  if (!g) {
    g = graphOfMarkdown(generateTasksMd(n, seed), `generated-${n}.md`);
    generated.set(key, g);
  }
  return g;
}

/** A chain of `n` tasks with no phase headings. */
function unphasedChain(n: number): DagGraph {
  return buildDagGraph(planSpec(spec(Array.from({ length: n }, (_, i) => task(`T${i + 1}`)))));
}

const SMALL = `# Tasks

## Phase 1: Make it work

- [x] 1.1 Set up the project skeleton
  - **Do**: Create the folders.
  - **Files**: \`src/index.ts\`
  - **Verify**: \`npm test\`
  - **Estimate**: 20m
- [ ] 1.2 [P] Parse the configuration file format and all of its many options
  - **Files**: \`src/config.ts\`
- [ ] 1.3 [P] Load plugins
  - **Files**: \`src/config.ts\`, \`src/plugins.ts\`

## Phase 2: Ship

- [ ] 2.1 Write the docs
`;

describe('buildDagGraph', () => {
  it('makes one node per task with short title, phase, group, status and tooltip fields', () => {
    const g = graphOfMarkdown(SMALL, 'specs/x/tasks.md', { statuses: { '1.3': { status: 'failed', reason: 'exit code 2', durationMs: 1200, attempt: 2 } } });
    const summary = g.nodes.map((n) => [n.id, n.mermaidId, n.shortTitle, n.phase, n.group, n.status]);
    assert.deepEqual(
      summary,
      [
        ['1.1', 't_1_1', 'Set up the project skeleton', 0, undefined, 'done'],
        ['1.2', 't_1_2', 'Parse the configuration file format and…', 0, 0, 'pending'],
        ['1.3', 't_1_3', 'Load plugins', 0, 0, 'failed'],
        ['2.1', 't_2_1', 'Write the docs', 1, undefined, 'pending'],
      ],
      JSON.stringify(summary),
    );
    for (const n of g.nodes) assert.ok([...n.shortTitle].length <= 40, n.shortTitle);
    const first = g.nodes[0]?.details;
    assert.deepEqual(
      first,
      { title: 'Set up the project skeleton', files: ['src/index.ts'], markers: [], do: 'Create the folders.', verify: 'npm test', estimateMinutes: 20 },
      JSON.stringify(first),
    );
    assert.deepEqual(g.nodes[1]?.details.title, 'Parse the configuration file format and all of its many options');
    assert.deepEqual(g.nodes[1]?.details.markers, ['P']);
    const failed = g.nodes[2]?.details;
    assert.deepEqual([failed?.reason, failed?.durationMs, failed?.attempt], ['exit code 2', 1200, 2], JSON.stringify(failed));
    assert.deepEqual(g.conflicts, [['1.2', '1.3']], JSON.stringify(g.conflicts));
    assert.deepEqual(
      g.phases.map((p) => [p.title, p.taskIds]),
      [
        ['Phase 1: Make it work', ['1.1', '1.2', '1.3']],
        ['Phase 2: Ship', ['2.1']],
      ],
      JSON.stringify(g.phases),
    );
    assert.deepEqual(g.groups, [{ index: 0, taskIds: ['1.2', '1.3'] }], JSON.stringify(g.groups));
    assert.equal(g.specPath, 'specs/x/tasks.md');
  });

  it('marks the critical path on nodes and on the edges between consecutive path tasks', () => {
    const plan = planSpec(spec([task('1', { minutes: 10 }), task('2', { minutes: 30, markers: ['P'] }), task('3', { minutes: 5, markers: ['P'] }), task('4', { minutes: 10 })]));
    const g = buildDagGraph(plan);
    assert.deepEqual(g.criticalPath, ['1', '2', '4'], JSON.stringify(g.criticalPath));
    assert.deepEqual(
      g.nodes.map((n) => [n.id, n.critical]),
      [
        ['1', true],
        ['2', true],
        ['3', false],
        ['4', true],
      ],
    );
    assert.deepEqual(
      g.edges.map((e) => `${e.from}->${e.to}${e.critical ? '*' : ''}`),
      ['1->2*', '1->3', '2->4*', '3->4'],
      JSON.stringify(g.edges),
    );
    assert.equal(g.criticalPathMinutes, 50);
  });

  it('survives JSON: the model is plain data', () => {
    const g = graphOfMarkdown(SMALL);
    assert.deepEqual(JSON.parse(JSON.stringify(g)), g);
  });
});

describe('drawView', () => {
  it('draws the full view with ids on every edge and no styles, so statuses stay classes', () => {
    const g = graphOfMarkdown(SMALL);
    const d = drawView(g, { kind: 'full' });
    assert.deepEqual(
      d.text.trimEnd().split('\n'),
      [
        'flowchart TD',
        '  subgraph p_0["Phase 1: Make it work"]',
        '    t_1_1["1.1 Set up the project skeleton"]',
        '    subgraph g_0["Parallel group 1"]',
        '      t_1_2["1.2 Parse the configuration file format and…"]',
        '      t_1_3["1.3 Load plugins"]',
        '    end',
        '  end',
        '  subgraph p_1["Phase 2: Ship"]',
        '    t_2_1["2.1 Write the docs"]',
        '  end',
        '  t_1_1 e0@--> t_1_2',
        '  t_1_1 e1@--> t_1_3',
        '  t_1_2 e2@--> t_2_1',
        '  t_1_3 e3@--> t_2_1',
        '  t_1_2 e4@-.- t_1_3',
      ],
      d.text,
    );
    assert.deepEqual(
      d.edges.map((e) => [e.edgeId, e.kind, e.from, e.to]),
      [
        ['e0', 'dependency', 't_1_1', 't_1_2'],
        ['e1', 'dependency', 't_1_1', 't_1_3'],
        ['e2', 'dependency', 't_1_2', 't_2_1'],
        ['e3', 'dependency', 't_1_3', 't_2_1'],
        ['e4', 'conflict', 't_1_2', 't_1_3'],
      ],
    );
    assert.deepEqual(
      d.nodes.map((n) => (n.kind === 'task' ? n.taskId : n.kind)),
      ['1.1', '1.2', '1.3', '2.1'],
    );
    assert.deepEqual(d.clusters, [
      { mermaidId: 'p_0', phase: 0 },
      { mermaidId: 'p_1', phase: 1 },
    ]);
    assert.equal(drawView(g, { kind: 'full' }, { direction: 'LR' }).text.split('\n')[0], 'flowchart LR');
  });

  it('keeps hostile titles inside their labels', () => {
    const titles = ['Close"] --> evil["x', '<script>alert(1)</script>', 'click t_1 call alert()', 'a `tick` b', 'end', '%%{init: {}}%%'];
    const g = buildDagGraph(planSpec(spec([phase('Phase 1: "x"] --> y', '1'), ...titles.map((title, i) => task(`1.${i + 1}`, { title }))])));
    for (const view of [{ kind: 'full' }, { kind: 'phases', expanded: [] }, { kind: 'focus', taskId: '1.3', radius: 2 }] as const) {
      const text = drawView(g, view).text;
      for (const line of text.trimEnd().split('\n')) {
        assert.match(
          line,
          /^(flowchart TD|\s*end|\s*subgraph [pg]_\d+\["[^"<>`]*"\]|\s*t_\w+\["[^"<>`\n]*"\]|\s*P_\d+\(\["[^"<>`]*"\]\)|\s*more_(before|after)\["[^"]*"\]|\s*\w+ e\d+@(-->|-\.-|-\.->) \w+)$/,
          `${view.kind}: ${line}`,
        );
      }
    }
  });

  it('draws closed phases as one node each, with edges between what is shown, once', () => {
    const g = graphOfMarkdown(SMALL);
    const d = drawView(g, { kind: 'phases', expanded: [] });
    assert.deepEqual(
      d.text.trimEnd().split('\n'),
      ['flowchart TD', '  P_0(["Phase 1: Make it work · 3 tasks"])', '  P_1(["Phase 2: Ship · 1 task"])', '  P_0 e0@--> P_1'],
      d.text,
    );
    const open = drawView(g, { kind: 'phases', expanded: [1] });
    assert.deepEqual(
      open.text.trimEnd().split('\n'),
      ['flowchart TD', '  P_0(["Phase 1: Make it work · 3 tasks"])', '  subgraph p_1["Phase 2: Ship"]', '    t_2_1["2.1 Write the docs"]', '  end', '  P_0 e0@--> t_2_1'],
      open.text,
    );
    // Conflicts show only between two drawn tasks.
    assert.ok(!open.edges.some((e) => e.kind === 'conflict'), JSON.stringify(open.edges));
    assert.deepEqual(collapsePhase({ kind: 'phases', expanded: [0, 1] }, 0), { kind: 'phases', expanded: [1] });
  });

  it('draws a focus view: the task, its neighbours up to the radius, and counts of the rest', () => {
    const chain = unphasedChain(30);
    const d = drawView(chain, { kind: 'focus', taskId: 'T10', radius: 2 });
    const shown = d.nodes.map((n) => (n.kind === 'task' ? `${n.taskId}${n.hiddenNeighbours ? '+' : ''}` : n.kind));
    assert.deepEqual(shown, ['T8+', 'T9', 'T10', 'T11', 'T12+'], JSON.stringify(shown));

    // A barrier with 200 predecessors: the drawing caps what it shows and says how many it left out.
    const wide = buildDagGraph(planSpec(spec([...Array.from({ length: 200 }, (_, i) => task(`W${i + 1}`, { markers: ['P'] })), task('V', { markers: ['VERIFY'] })])));
    const around = drawView(wide, focusView(wide, 'V'));
    assert.ok(fits(around), `${around.nodes.length} nodes, ${around.edges.length} edges`);
    const more = around.nodes.find((n) => n.kind === 'more');
    const shownPreds = around.nodes.filter((n) => n.kind === 'task' && n.taskId !== 'V').length;
    assert.deepEqual(more && more.kind === 'more' ? [more.direction, more.count + shownPreds] : more, ['before', 200], JSON.stringify(around.nodes.slice(-3)));
    assert.match(around.text, /more_before\["\+\d+ more predecessors"\]/, around.text.slice(-300));
  });
});

describe('the large-spec rule', () => {
  it('shows a spec of up to 100 tasks whole, and one of 101 by phases', () => {
    assert.equal(DAG_LIMITS.maxNodes, 100);
    assert.deepEqual(initialView(generatedGraph(101)).kind, 'phases');
    for (const n of [1, 20, 100]) {
      const g = generatedGraph(n);
      const view = initialView(g);
      assert.deepEqual(view, { kind: 'full' }, `${n} tasks: ${JSON.stringify(view)}`);
      assert.ok(fits(drawView(g, view)), `${n}`);
    }
    assert.deepEqual(initialView(unphasedChain(0)), { kind: 'full' });
  });

  it('shows a larger spec as its phases, the current phase open', () => {
    const g = generatedGraph(300);
    const view = initialView(g);
    assert.deepEqual(view, { kind: 'phases', expanded: [0] }, JSON.stringify(view));
    // With the first phases done, the phase of the first unfinished task opens.
    const statuses = Object.fromEntries(g.nodes.filter((n) => n.phase !== undefined && n.phase < 4).map((n) => [n.id, { status: 'succeeded' as const }]));
    const later = graphOfMarkdown(generateTasksMd(300, 7), 'generated-300.md', { statuses });
    assert.deepEqual(initialView(later), { kind: 'phases', expanded: [4] }, JSON.stringify(initialView(later)));
    const d = drawView(g, view);
    assert.ok(fits(d), `${d.nodes.length} nodes`);
    assert.equal(d.nodes.filter((n) => n.kind === 'phase').length, g.phases.filter((p) => p.taskIds.length > 0).length - 1);
  });

  it('shows a large spec without phases as the neighbourhood of its first unfinished task', () => {
    const g = unphasedChain(400);
    const view = initialView(g);
    assert.deepEqual(view, { kind: 'focus', taskId: 'T1', radius: 3 }, JSON.stringify(view));
    const done = buildDagGraph(planSpec(spec(Array.from({ length: 400 }, (_, i) => task(`T${i + 1}`, { done: i < 57 })))));
    assert.deepEqual(initialView(done), { kind: 'focus', taskId: 'T58', radius: 3 });
  });

  it('opening a phase closes the oldest open phases while the drawing would not fit', () => {
    const g = generatedGraph(1000);
    // 62 phases: the overview takes 62 nodes, leaving room for two or three open phases (8–24 tasks).
    const limits = { ...DAG_LIMITS, maxNodes: 110 };
    let view: DagView = { kind: 'phases', expanded: [] };
    for (const p of [0, 1, 2, 3, 4, 5, 6, 7]) {
      view = expandPhase(g, view, p, limits);
      assert.equal(view.kind, 'phases', JSON.stringify(view));
      assert.ok(fits(drawView(g, view, { limits }), limits), JSON.stringify(view));
      assert.equal(view.kind === 'phases' ? view.expanded.at(-1) : undefined, p, JSON.stringify(view));
    }
    assert.ok(view.kind === 'phases' && view.expanded.length < 8 && view.expanded.length > 1, JSON.stringify(view));
    // A phase too large to open on its own opens as the focus view of its current task.
    const big = g.phases.findIndex((p) => p.taskIds.length > 20);
    const huge = expandPhase(g, { kind: 'phases', expanded: [] }, big, { ...DAG_LIMITS, maxNodes: 15 });
    const firstOpen = g.nodes.find((n) => n.phase === big && n.status !== 'done')?.id;
    assert.deepEqual(huge.kind === 'focus' ? huge.taskId : huge, firstOpen, JSON.stringify(huge));
  });

  it('every view the rules pick fits the limits and mermaid’s configured ceilings (random specs)', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1200 }), fc.integer({ min: 1, max: 1000 }), fc.nat(), (n, seed, pick) => {
        const g = graphOfMarkdown(generateTasksMd(n, seed), 'g.md');
        const views: DagView[] = [initialView(g)];
        const phase = g.phases.length > 0 ? pick % g.phases.length : undefined;
        if (phase !== undefined) views.push(expandPhase(g, views[0] as DagView, phase));
        const node = g.nodes[pick % g.nodes.length];
        if (node) views.push(focusView(g, node.id));
        for (const v of views) {
          const d = drawView(g, v);
          assert.ok(fits(d), `${n}/${seed} ${JSON.stringify(v)}: ${d.nodes.length} nodes, ${d.edges.length} edges, ${d.text.length} chars`);
          assert.ok(d.edges.length <= MERMAID_LIMITS.maxEdges && d.text.length <= MERMAID_LIMITS.maxTextSize);
        }
        // The opening view accounts for every task: drawn, or counted in a closed phase, or (focus) by design not.
        const first = drawView(g, views[0] as DagView);
        if (first.view.kind !== 'focus') {
          const drawnTasks = first.nodes.filter((x) => x.kind === 'task').length;
          const inPhases = first.nodes.reduce((sum, x) => sum + (x.kind === 'phase' ? x.taskCount : 0), 0);
          assert.equal(drawnTasks + inPhases, g.nodes.length, `${n}/${seed}`);
        }
      }),
      { numRuns: 25, seed: 20240611 },
    );
  });
});

describe('drawView through mermaid’s own parser', function () {
  this.timeout(60_000);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let mermaid: any;

  before(async () => {
    mermaid = await loadMermaid();
  });

  after(() => {
    const g = globalThis as Record<string, unknown>;
    delete g.window;
    delete g.document;
  });

  it('parses each view with our edge ids; mermaid’s defaults would refuse the whole 300-task graph', async () => {
    const g = generatedGraph(300);
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    await assert.rejects(mermaid.mermaidAPI.getDiagramFromText(drawView(g, { kind: 'full' }).text), /Edge limit exceeded/);
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', maxEdges: MERMAID_LIMITS.maxEdges, maxTextSize: MERMAID_LIMITS.maxTextSize });
    for (const view of [initialView(g), focusView(g, '3.4'), { kind: 'full' } as const]) {
      const d = drawView(g, view);
      const diagram = await mermaid.mermaidAPI.getDiagramFromText(d.text);
      const edgeIds = (diagram.db.getEdges() as { id: string }[]).map((e) => e.id);
      assert.deepEqual(edgeIds, d.edges.map((e) => e.edgeId), `${view.kind}: ${JSON.stringify(edgeIds.slice(0, 5))}`);
      const vertices = [...(diagram.db.getVertices() as Map<string, unknown>).keys()];
      assert.deepEqual(vertices.sort(), d.nodes.map((n) => n.mermaidId).sort(), view.kind);
    }
  });
});
