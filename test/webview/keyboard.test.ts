/// <reference lib="dom" />
// The DAG page by keyboard and screen reader, in headless Chromium: every node is labelled (role,
// id, title, status), the graph is one tab stop, the arrow keys move between nodes in reading
// order of the drawing, Enter reveals a task as a click does, and a drawing keeps the focus.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTasksMd } from '../../bench/generate';
import { buildDagGraph, type DagGraph } from '../../src/core/graph';
import { currentTaskId } from '../../src/core/graphDraw';
import { parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import { DagHarness, ROOT, type DagPage } from './harness';

const TWENTY = readFileSync(join(ROOT, 'test', 'fixtures', 'dag', 'twenty.md'), 'utf8');

function graphOf(text: string, path: string): DagGraph {
  return buildDagGraph(planSpec(parseSpec(text, { path })));
}

interface Focused {
  taskId: string | null;
  phase: string | null;
  inCanvas: boolean;
  x: number;
  y: number;
}

async function focused(p: DagPage): Promise<Focused> {
  return p.page.evaluate(() => {
    const el = document.activeElement;
    const r = el?.getBoundingClientRect();
    return {
      taskId: el?.getAttribute('data-task-id') ?? null,
      phase: el?.getAttribute('data-phase') ?? null,
      inCanvas: el instanceof Element && document.getElementById('canvas')?.contains(el) === true,
      x: r ? r.left + r.width / 2 : NaN,
      y: r ? r.top + r.height / 2 : NaN,
    };
  });
}

describe('DAG webview page by keyboard and screen reader (headless Chromium)', function () {
  this.timeout(60_000);
  const harness = new DagHarness();
  const opened: DagPage[] = [];

  before(() => harness.start());
  after(() => harness.stop());

  async function open(): Promise<DagPage> {
    const p = await harness.open();
    opened.push(p);
    return p;
  }

  afterEach(async () => {
    for (const p of opened.splice(0)) {
      const violations = await p.violations();
      await p.page.close();
      assert.deepEqual(p.errors, [], p.errors.join('\n'));
      assert.deepEqual(violations, [], violations.join('\n'));
    }
  });

  it('labels every node for a screen reader with its role, id, title and status, and keeps the label current', async () => {
    const graph = graphOf(TWENTY, 'specs/feeder/tasks.md');
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph });
    const nodes = await p.page.evaluate(() =>
      [...document.querySelectorAll('#canvas g.node')].map((g) => ({
        id: g.getAttribute('data-task-id'),
        role: g.getAttribute('role'),
        label: g.getAttribute('aria-label'),
        tabindex: g.getAttribute('tabindex'),
      })),
    );
    assert.equal(nodes.length, graph.nodes.length);
    for (const n of nodes) {
      const task = graph.nodes.find((t) => t.id === n.id);
      assert.ok(task, `a drawn node with no task: ${JSON.stringify(n)}`);
      assert.equal(n.role, 'button', JSON.stringify(n));
      assert.equal(n.label, `${task.id} ${task.details.title}: ${task.status}`);
      assert.match(n.tabindex ?? '', /^(0|-1)$/);
    }
    const group = await p.page.evaluate(() => {
      const svg = document.querySelector('#canvas svg');
      return { role: svg?.getAttribute('role'), label: svg?.getAttribute('aria-label') };
    });
    assert.equal(group.role, 'group');
    assert.match(group.label ?? '', new RegExp(`^Task graph, ${graph.nodes.length} tasks shown\\. Arrow keys`));

    await p.send({ type: 'status', updates: [{ taskId: '2.1', status: 'running' }] });
    await p.page.waitForFunction(() => /: running$/.test(document.querySelector('#canvas g.node[data-task-id="2.1"]')?.getAttribute('aria-label') ?? ''));
  });

  it('is one tab stop; arrows move in reading order, Home/End to the ends, Enter reveals the task, Tab leaves', async () => {
    const graph = graphOf(TWENTY, 'specs/feeder/tasks.md');
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph });
    // One node is in the tab order: the current task.
    const stops = await p.page.evaluate(() => [...document.querySelectorAll('#canvas g.node[tabindex="0"]')].map((g) => g.getAttribute('data-task-id')));
    assert.deepEqual(stops, [currentTaskId(graph)]);

    // Tab from the toolbar's last button enters the graph on that task.
    await p.page.focus('#export');
    await p.page.keyboard.press('Tab');
    let at = await focused(p);
    assert.ok(at.inCanvas, JSON.stringify(at));
    assert.equal(at.taskId, currentTaskId(graph));

    // Home: the top-left node; Right walks every node once, rows top to bottom, each left to right.
    await p.page.keyboard.press('Home');
    at = await focused(p);
    const seen = [at];
    for (let i = 1; i < graph.nodes.length; i++) {
      await p.page.keyboard.press('ArrowRight');
      seen.push(await focused(p));
    }
    assert.deepEqual(new Set(seen.map((s) => s.taskId)).size, graph.nodes.length, JSON.stringify(seen.map((s) => s.taskId)));
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]] as [Focused, Focused];
      assert.ok(b.y > a.y + 1 || (Math.abs(b.y - a.y) <= 1 && b.x > a.x), `${a.taskId} (${a.x},${a.y}) then ${b.taskId} (${b.x},${b.y})`);
    }
    // Right at the end stays; End is the last; Left goes back.
    await p.page.keyboard.press('ArrowRight');
    assert.equal((await focused(p)).taskId, seen[seen.length - 1]?.taskId);
    await p.page.keyboard.press('Home');
    await p.page.keyboard.press('End');
    assert.equal((await focused(p)).taskId, seen[seen.length - 1]?.taskId);
    await p.page.keyboard.press('ArrowLeft');
    assert.equal((await focused(p)).taskId, seen[seen.length - 2]?.taskId);

    // Down from the top row lands on a node drawn lower; Up comes back to the top row.
    await p.page.keyboard.press('Home');
    const top = await focused(p);
    await p.page.keyboard.press('ArrowDown');
    const below = await focused(p);
    assert.ok(below.y > top.y + 1, `${JSON.stringify(top)} → ${JSON.stringify(below)}`);
    await p.page.keyboard.press('ArrowUp');
    assert.ok(Math.abs((await focused(p)).y - top.y) <= 1);

    // Enter reveals the focused task, as a click does.
    await p.page.keyboard.press('ArrowDown');
    const target = (await focused(p)).taskId;
    await p.page.keyboard.press('Enter');
    const reveal = await p.waitForPosted((m) => m.type === 'reveal');
    assert.deepEqual(reveal, { type: 'reveal', taskId: target });

    // The tab stop followed the arrows; Tab leaves the graph (one stop), Shift+Tab comes back to it.
    assert.deepEqual(
      await p.page.evaluate(() => [...document.querySelectorAll('#canvas g.node[tabindex="0"]')].map((g) => g.getAttribute('data-task-id'))),
      [target],
    );
    await p.page.keyboard.press('Tab');
    assert.equal((await focused(p)).inCanvas, false);
    await p.page.keyboard.press('Shift+Tab');
    assert.equal((await focused(p)).taskId, target);
  });

  it('opens a phase with Enter and keeps the focus in the new drawing', async () => {
    const graph = graphOf(generateTasksMd(300, 7), 'generated-300.md');
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph });
    await p.page.focus('#canvas g.node.phase[data-phase="3"]');
    const label = await p.page.getAttribute('#canvas g.node.phase[data-phase="3"]', 'aria-label');
    const title = (graph.phases[3]?.title ?? '?').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(label ?? '', new RegExp(`^${title}: \\d+ \\w+(, \\d+ \\w+)*\\. Activate to open the phase\\.$`));
    const before = await p.renderCount();
    await p.page.keyboard.press('Enter');
    await p.waitForRender(before + 1);
    const at = await focused(p);
    assert.ok(at.inCanvas, `the focus left the graph: ${JSON.stringify(at)}`);
    assert.deepEqual(
      await p.page.evaluate(() => document.querySelectorAll('#canvas g.node[tabindex="0"]').length),
      1,
    );
  });
});
