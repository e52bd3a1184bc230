/// <reference lib="dom" />
// The DAG page in headless Chromium: drawing, status updates without a new layout, clicks,
// hostile titles, the CSP, zoom and pan, export, and the large-spec rule end to end.

import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateTasksMd } from '../../bench/generate';
import { buildDagGraph, type DagGraph, type DagGraphOptions } from '../../src/core/graph';
import { parseSpec } from '../../src/core/parse/index';
import { planSpec } from '../../src/core/plan/index';
import type { WebviewToHost } from '../../src/shared/protocol';
import { RunBoard, statusText } from '../../src/core/board';
import { formatDuration, formatMinutes } from '../../src/core/duration';
import type { RalphState } from '../../src/core/ports';
import { DagHarness, ROOT, type DagPage } from './harness';
import { WORKTREE_RUN } from '../unit/viewEvents';

const SCREENSHOTS = join(ROOT, 'test', 'webview', 'screenshots');

type DOMRectLike = { x: number; y: number; width: number; height: number };

function graphOf(text: string, path: string, options: DagGraphOptions = {}): DagGraph {
  return buildDagGraph(planSpec(parseSpec(text, { path })), options);
}

const TWENTY = readFileSync(join(ROOT, 'test', 'fixtures', 'dag', 'twenty.md'), 'utf8');
const TWENTY_STATUSES: DagGraphOptions['statuses'] = {
  '1.1': { status: 'done' },
  '1.2': { status: 'succeeded', durationMs: 42_000 },
  '1.3': { status: 'succeeded', durationMs: 61_000 },
  '1.4': { status: 'failed', reason: 'verify failed: `python -m pytest tests/test_camera.py` exited 1', attempt: 2 },
  '1.5': { status: 'running', attempt: 1 },
  '1.6': { status: 'blocked', reason: 'waits for 1.4, which failed' },
  '2.1': { status: 'queued' },
};

/** Class lists of the drawn task nodes, by task id. */
async function taskClasses(p: DagPage): Promise<Record<string, string>> {
  return p.page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const g of document.querySelectorAll('#canvas g.node.task')) out[g.getAttribute('data-task-id') ?? '?'] = g.getAttribute('class') ?? '';
    return out;
  });
}

function statusOf(classes: string | undefined): string | undefined {
  return /\bstatus-(\w+)/.exec(classes ?? '')?.[1];
}

describe('DAG webview page (headless Chromium)', function () {
  this.timeout(60_000);
  const harness = new DagHarness();
  const opened: DagPage[] = [];

  before(async () => {
    await harness.start();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await harness.stop();
  });

  async function open(...args: Parameters<DagHarness['open']>): Promise<DagPage> {
    const p = await harness.open(...args);
    opened.push(p);
    return p;
  }

  afterEach(async () => {
    for (const p of opened.splice(0)) {
      // Nothing the page did may have broken the CSP or thrown.
      const violations = await p.violations();
      await p.page.close();
      assert.deepEqual(p.errors, [], p.errors.join('\n'));
      assert.deepEqual(violations, [], violations.join('\n'));
    }
  });

  for (const theme of ['vscode-light', 'vscode-dark'] as const) {
    it(`draws the 20-task spec with its statuses (${theme})`, async () => {
      const p = await open({ theme });
      const posted = await p.posted();
      assert.deepEqual(posted, [{ type: 'ready', layout: 'ralph' }], JSON.stringify(posted));
      await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md', { statuses: TWENTY_STATUSES }) });
      assert.equal(await p.errorText(), null);
      const classes = await taskClasses(p);
      assert.equal(Object.keys(classes).length, 20, JSON.stringify(classes));
      const statuses = Object.fromEntries(Object.entries(classes).map(([id, c]) => [id, statusOf(c)]));
      assert.deepEqual(
        [statuses['1.1'], statuses['1.2'], statuses['1.4'], statuses['1.5'], statuses['1.6'], statuses['2.1'], statuses['3.5']],
        ['done', 'succeeded', 'failed', 'running', 'blocked', 'queued', 'pending'],
        JSON.stringify(statuses),
      );
      // The node colours come from the theme: a failed node's border is the failure colour.
      const strokes = await p.page.evaluate(() => {
        const shape = (id: string) => document.querySelector(`#canvas g.node[data-task-id="${id}"] > rect`);
        const stroke = (id: string) => {
          const el = shape(id);
          return el ? getComputedStyle(el).stroke : 'missing';
        };
        return { failed: stroke('1.4'), running: stroke('1.5'), pending: stroke('3.5') };
      });
      assert.equal(new Set(Object.values(strokes)).size, 3, JSON.stringify(strokes));
      const summary = await p.page.textContent('#summary');
      assert.match(summary ?? '', /^20 tasks · /, summary ?? '');
      assert.equal(await p.page.getAttribute('body', 'data-view'), 'full');
      await p.page.screenshot({ path: join(SCREENSHOTS, `twenty-${theme}.png`) });
    });
  }

  /** Where the drawn tasks and boxes are on the page: task boxes by id, subgraph boxes with the
   *  task ids they hold. */
  async function drawnGeometry(p: DagPage): Promise<{ tasks: Record<string, DOMRectLike>; boxes: { tasks: string[]; rect: DOMRectLike }[] }> {
    return p.page.evaluate(() => {
      const r = (el: Element) => {
        const b = el.getBoundingClientRect();
        return { x: b.x, y: b.y, width: b.width, height: b.height };
      };
      const tasks: Record<string, { x: number; y: number; width: number; height: number }> = {};
      for (const g of document.querySelectorAll('#canvas g.node.task')) {
        const shape = g.querySelector('rect, path, polygon');
        if (shape) tasks[g.getAttribute('data-task-id') ?? '?'] = r(shape);
      }
      const boxes = [...document.querySelectorAll('#canvas g.cluster')].map((c) => ({ tasks: [] as string[], rect: r(c.querySelector('rect') ?? c) }));
      return { tasks, boxes };
    });
  }

  it('lays the graph out itself: no task over another, each phase and group a box around its tasks; ralph.dag.layout dagre brings mermaid\'s own back', async () => {
    const graph = graphOf(TWENTY, 'twenty.md');
    const own = await open({ theme: 'vscode-dark' });
    await own.sendAndDraw({ type: 'plan', graph });
    assert.equal(await own.errorText(), null);
    const { tasks, boxes } = await drawnGeometry(own);
    const ids = Object.keys(tasks);
    assert.equal(ids.length, 20);
    const overlap = (a: DOMRectLike, b: DOMRectLike) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
    const within = (a: DOMRectLike, b: DOMRectLike) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
    for (const a of ids) for (const b of ids) if (a < b) assert.ok(!overlap(tasks[a] as DOMRectLike, tasks[b] as DOMRectLike), `${a} and ${b} overlap`);
    // Every box holds whole tasks or none of a task: a task is inside it or clear of it.
    assert.ok(boxes.length >= 3, `${boxes.length} boxes`);
    for (const box of boxes) {
      for (const id of ids) {
        const t = tasks[id] as DOMRectLike;
        assert.ok(within(t, box.rect) || !overlap(t, box.rect), `${id} straddles a box`);
      }
    }
    // A task is drawn below every task it waits for.
    for (const e of graph.edges) if (tasks[e.from] && tasks[e.to]) assert.ok((tasks[e.to]?.y ?? 0) > (tasks[e.from]?.y ?? 0), `${e.to} below ${e.from}`);

    const dagre = await open({ theme: 'vscode-dark', layout: 'dagre' });
    await dagre.sendAndDraw({ type: 'plan', graph });
    assert.equal(await dagre.errorText(), null);
    const other = await drawnGeometry(dagre);
    assert.deepEqual(Object.keys(other.tasks).sort(), ids.sort());
    assert.notDeepEqual(other.tasks, tasks, 'dagre places the tasks elsewhere');
  });

  it('draws a 300-task spec as its phases, then opens a phase on click', async () => {
    const graph = graphOf(generateTasksMd(300, 7), 'generated-300.md');
    const p = await open({ theme: 'vscode-dark' });
    const start = performance.now();
    await p.sendAndDraw({ type: 'plan', graph });
    const ms = performance.now() - start;
    assert.equal(await p.errorText(), null);
    // A sane time on a loaded 2-core machine; the benchmark measures it properly.
    assert.ok(ms < 15_000, `300 tasks took ${ms.toFixed(0)} ms`);
    assert.equal(await p.page.getAttribute('body', 'data-view'), 'phases');
    const phaseNodes = await p.page.locator('#canvas g.node.phase').count();
    const taskNodes = await p.page.locator('#canvas g.node.task').count();
    const phasesWithTasks = graph.phases.filter((ph) => ph.taskIds.length > 0).length;
    // The current phase (the first: nothing is done) is open, every other one is a single node.
    assert.equal(phaseNodes, phasesWithTasks - 1, `${phaseNodes} phase nodes`);
    assert.equal(taskNodes, graph.phases[0]?.taskIds.length, `${taskNodes} task nodes`);
    assert.match((await p.page.textContent('#notice')) ?? '', /300 tasks in \d+ phases/);
    await p.page.screenshot({ path: join(SCREENSHOTS, 'three-hundred-phases.png') });

    const before = await p.renderCount();
    await p.page.locator('#canvas g.node.phase[data-phase="3"]').click();
    await p.waitForRender(before + 1);
    const opened = await p.page.evaluate(() => [...document.querySelectorAll('#canvas g.node.task')].map((g) => g.getAttribute('data-task-id')));
    for (const id of graph.phases[3]?.taskIds ?? []) assert.ok(opened.includes(id), `${id} not drawn after opening phase 4: ${JSON.stringify(opened)}`);
    const state = (await p.state()) as { view?: unknown };
    assert.deepEqual(state.view, { kind: 'phases', expanded: [0, 3] }, JSON.stringify(state));
  });

  it('applies a status message by classes alone: same SVG, same node element, no new drawing', async () => {
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md') });
    await p.page.evaluate(() => {
      const w = window as unknown as { __svg: Element | null; __node: Element | null };
      w.__svg = document.querySelector('#canvas svg');
      w.__node = document.querySelector('#canvas g.node[data-task-id="1.3"]');
    });
    const renders = await p.renderCount();
    await p.send({
      type: 'status',
      updates: [
        { taskId: '1.3', status: 'running', attempt: 1 },
        { taskId: '1.4', status: 'failed', reason: 'exit code 2', durationMs: 1500, attempt: 1 },
      ],
    });
    await p.page.waitForSelector('#canvas g.node.status-failed[data-task-id="1.4"]');
    const same = await p.page.evaluate(() => {
      const w = window as unknown as { __svg: Element | null; __node: Element | null };
      return {
        svg: w.__svg === document.querySelector('#canvas svg'),
        node: w.__node === document.querySelector('#canvas g.node[data-task-id="1.3"]'),
        nodeClass: w.__node?.getAttribute('class') ?? '',
      };
    });
    assert.ok(same.svg && same.node, JSON.stringify(same));
    assert.equal(statusOf(same.nodeClass), 'running', same.nodeClass);
    assert.equal(await p.renderCount(), renders);
    // The tooltip shows the failure as text.
    await p.page.locator('#canvas g.node[data-task-id="1.4"]').hover();
    const tip = await p.page.textContent('#tooltip');
    assert.match(tip ?? '', /1\.4 Trigger the camera on a landing/, tip ?? '');
    assert.match(tip ?? '', /Failed because: exit code 2/, tip ?? '');
    assert.match(tip ?? '', /Files: src\/camera\.py/, tip ?? '');
  });

  it("shows in a node's tooltip what its agent used, and takes each status as the host sends it whole", async () => {
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md') });
    await p.send({ type: 'status', updates: [{ taskId: '1.4', status: 'succeeded', attempt: 1, durationMs: 2000, usage: '12k in (8.0k cached) · 800 out · $0.04' }] });
    await p.page.waitForSelector('#canvas g.node.status-succeeded[data-task-id="1.4"]');
    await p.page.locator('#canvas g.node[data-task-id="1.4"]').hover();
    const tip = (await p.page.textContent('#tooltip')) ?? '';
    assert.match(tip, /Used: 12k in \(8\.0k cached\) · 800 out · \$0\.04/, tip);
    // A later entry without usage replaces the whole state: the page never merges on its own.
    await p.send({ type: 'status', updates: [{ taskId: '1.4', status: 'running', attempt: 2 }] });
    await p.page.waitForSelector('#canvas g.node.status-running[data-task-id="1.4"]');
    await p.page.mouse.move(0, 0);
    await p.page.locator('#canvas g.node[data-task-id="1.4"]').hover();
    const after = (await p.page.textContent('#tooltip')) ?? '';
    assert.doesNotMatch(after, /Used:|Took:/, after);
  });

  it('writes a duration as the tree and the CLI do, and an estimate as the plan text does', async () => {
    // The same record the tree and `ralph status` read (test/unit/duration.test.ts).
    const state: RalphState = {
      taskIndex: 2,
      totalTasks: 20,
      ralph: {
        version: 1,
        runId: 'r',
        startedAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:01:05.000Z',
        status: 'finished',
        tasks: { '1.2': { id: '1.2', status: 'success', attempts: 1, durationMs: 65_000 } },
      },
    };
    const board = RunBoard.fromState(state);
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md', { statuses: board.snapshot() }) });
    await p.page.locator('#canvas g.node[data-task-id="1.2"]').hover();
    const took = (await p.page.textContent('#tooltip')) ?? '';
    assert.equal(statusText(board.entry('1.2')), `succeeded in ${formatDuration(65_000)}`);
    assert.match(took, new RegExp(`Took: ${formatDuration(65_000)}`), took);
    assert.match(took, /Took: 1m 05s/, took);
    await p.page.mouse.move(0, 0);
    await p.page.locator('#canvas g.node[data-task-id="1.3"]').hover();
    const estimate = (await p.page.textContent('#tooltip')) ?? '';
    assert.match(estimate, new RegExp(`Estimate: ${formatMinutes(45)}`), estimate);
  });

  it('agrees with the tree through a worktree run: the board entries it is sent replace its own', async () => {
    const board = new RunBoard();
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md', { statuses: board.snapshot() }) });
    const renders = await p.renderCount();
    // As the host does: each event through the board, then the entries it changed, whole.
    for (const e of WORKTREE_RUN) {
      const changed = board.apply(e);
      if (changed.length > 0) await p.send({ type: 'status', updates: board.updatesFor(changed) });
    }
    await p.page.waitForSelector('#canvas g.node.status-blocked[data-task-id="1.3"]');
    const tipOf = async (id: string): Promise<string> => {
      await p.page.mouse.move(0, 0);
      await p.page.locator(`#canvas g.node[data-task-id="${id}"]`).hover();
      return (await p.page.textContent('#tooltip')) ?? '';
    };
    const one = await tipOf('1.1');
    assert.equal(statusText(board.entry('1.1')), `succeeded in ${formatDuration(2_600)}`);
    assert.match(one, new RegExp(`Status: succeeded.*Took: ${formatDuration(2_600)}`), one);
    const two = await tipOf('1.2');
    assert.equal(statusText(board.entry('1.2')), `succeeded in ${formatDuration(2_200)} · 2 attempts`);
    assert.match(two, new RegExp(`Status: succeeded \\(attempt 2\\).*Took: ${formatDuration(2_200)}`), two);
    // The retry's reason is gone once it succeeded, on the page as on the board.
    assert.doesNotMatch(two, /verify failed/, two);
    const three = await tipOf('1.3');
    assert.equal(statusText(board.entry('1.3')), 'blocked by 1.0 (failed)');
    assert.match(three, /Status: blocked.*Reason: blocked by 1\.0 \(failed\)/, three);
    assert.equal(await p.renderCount(), renders, 'statuses never draw again');
  });

  it('posts reveal with the task id when a node is clicked, and nothing when dragged', async () => {
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md') });
    await p.page.locator('#canvas g.node[data-task-id="2.3"]').click();
    const reveal = await p.waitForPosted((m) => m.type === 'reveal');
    assert.deepEqual(reveal, { type: 'reveal', taskId: '2.3' }, JSON.stringify(reveal));

    // A drag that starts on a node pans the graph and reveals nothing.
    const box = await p.page.locator('#canvas g.node[data-task-id="1.1"]').boundingBox();
    assert.ok(box);
    const transformBefore = await p.page.evaluate(() => document.getElementById('canvas')?.style.transform);
    await p.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
    await p.page.mouse.up();
    const transformAfter = await p.page.evaluate(() => document.getElementById('canvas')?.style.transform);
    assert.notEqual(transformAfter, transformBefore, `${transformBefore} → ${transformAfter}`);
    const reveals = (await p.posted()).filter((m) => m.type === 'reveal');
    assert.equal(reveals.length, 1, JSON.stringify(reveals));
  });

  it('shows hostile titles as text and runs nothing', async () => {
    const hostile = [
      '<script>window.__pwned = 1</script>',
      'Close it"] --> evil["pwned',
      '<img src=x onerror="window.__pwned = 2">',
      'click t_1_1 call alert()',
      'Backticks `rm -rf /` and ```js',
      '%%{init: {"securityLevel": "loose"}}%% end',
    ];
    const text = ['## Phase 1: Hostile', '', ...hostile.map((t, i) => `- [ ] 1.${i + 1} ${t}\n  - **Do**: ${t}\n`)].join('\n');
    const graph = graphOf(text, 'hostile.md');
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph });
    assert.equal(await p.errorText(), null);
    const drawn = await p.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
      scripts: document.querySelectorAll('#canvas script').length,
      images: document.querySelectorAll('#canvas img').length,
      handlers: [...document.querySelectorAll('#canvas *')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      nodes: [...document.querySelectorAll('#canvas g.node')].map((g) => ({ id: g.getAttribute('data-task-id'), label: g.textContent ?? '' })),
    }));
    assert.equal(drawn.pwned, null, JSON.stringify(drawn));
    assert.equal(drawn.scripts + drawn.images + drawn.handlers, 0, JSON.stringify(drawn));
    assert.deepEqual(
      drawn.nodes.map((n) => n.id),
      hostile.map((_, i) => `1.${i + 1}`),
      JSON.stringify(drawn.nodes),
    );
    const label = (i: number) => drawn.nodes[i]?.label.replace(/\s+/g, ' ') ?? '';
    assert.ok(label(0).includes('<script>window.__pwned = 1</script>'), label(0));
    assert.ok(label(1).includes('Close it"] --> evil["pwned'), label(1));
    assert.ok(label(4).includes('Backticks `rm -rf /` and ```js'), label(4));
    await p.page.locator('#canvas g.node[data-task-id="1.3"]').hover();
    const tip = await p.page.textContent('#tooltip .tooltip-title');
    assert.equal(tip, '1.3 <img src=x onerror="window.__pwned = 2">');
    assert.equal(await p.page.evaluate(() => document.querySelectorAll('#tooltip img, #tooltip script').length), 0);
  });

  it('the CSP refuses an inline script without the nonce and allows ours', async () => {
    const p = await harnessOpenWithInline();
    const ran = await p.page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false);
    assert.equal(ran, false);
    const violations = await p.violations();
    assert.ok(violations.some((v) => v.startsWith('script-src')), JSON.stringify(violations));
    // The control: a script carrying the page's nonce does run, so the test can tell.
    const nonceRan = await p.page.evaluate((nonce) => {
      const s = document.createElement('script');
      s.nonce = nonce;
      s.textContent = 'window.__nonceRan = true';
      document.body.append(s);
      return (window as unknown as { __nonceRan?: boolean }).__nonceRan ?? false;
    }, harness.nonce);
    assert.equal(nonceRan, true);
    const csp = await p.page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp ?? '', /^default-src 'none'; .*script-src 'nonce-[^']+'/, csp ?? '');
    await p.page.close();
  });

  async function harnessOpenWithInline(): Promise<DagPage> {
    // Not in `opened`: this page has a violation on purpose.
    return harness.open({ injectIntoBody: '<script>window.__inlineRan = true</script><div onclick="x()"></div>' });
  }

  it('shows its own message for a drawing mermaid refuses, never mermaid’s error diagram', async () => {
    const p = await open();
    const good = graphOf(TWENTY, 'specs/feeder/tasks.md');
    // A model no host would send: a node id that breaks the mermaid text.
    const broken: DagGraph = { ...good, nodes: good.nodes.map((n, i) => (i === 0 ? { ...n, mermaidId: 'a b-->' } : n)) };
    await p.sendAndDraw({ type: 'plan', graph: broken });
    const error = await p.errorText();
    assert.match(error ?? '', /^Ralph could not draw the task graph: /, String(error));
    const leftovers = await p.page.evaluate(() => document.body.innerText.includes('Syntax error in text') || document.querySelectorAll('[id^="dralph-dag"], [id^="ralph-dag"]').length > 0);
    assert.equal(leftovers, false);
    const posted = await p.waitForPosted((m) => m.type === 'error');
    assert.match((posted as Extract<WebviewToHost, { type: 'error' }>).message, /could not draw/, JSON.stringify(posted));
    // The next good plan draws and clears the message.
    await p.sendAndDraw({ type: 'plan', graph: good });
    assert.equal(await p.errorText(), null);
    // A message of unknown shape is reported, not applied.
    await p.send({ type: 'status', updates: [{ taskId: '1.1', status: 'exploded' }] });
    const ignored = await p.waitForPosted((m) => m.type === 'error' && m.message.includes('does not understand'));
    assert.ok(ignored, JSON.stringify(ignored));
    assert.equal(statusOf((await taskClasses(p))['1.1']), 'done');
  });

  it('zooms with the wheel and buttons, fits, highlights the critical path and exports SVG', async () => {
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md', { statuses: TWENTY_STATUSES }) });
    const scale = async () => Number(/scale\(([\d.]+)\)/.exec((await p.page.evaluate(() => document.getElementById('canvas')?.style.transform)) ?? '')?.[1]);
    const fitted = await scale();
    assert.ok(fitted > 0, String(fitted));
    await p.page.mouse.move(600, 400);
    await p.page.mouse.wheel(0, -300);
    await p.page.waitForFunction((s) => !document.getElementById('canvas')?.style.transform.includes(`scale(${s})`), fitted);
    assert.ok((await scale()) > fitted, `${await scale()} after zooming in from ${fitted}`);
    await p.page.click('#zoom-out');
    await p.page.click('#zoom-out');
    await p.page.click('#zoom-out');
    assert.ok((await scale()) < fitted * 1.5, String(await scale()));
    await p.page.click('#fit');
    assert.equal(await scale(), fitted);
    const state = (await p.state()) as { zoom?: number };
    // The transform prints six digits; the state keeps the number.
    assert.ok(Math.abs((state.zoom ?? 0) - fitted) < 1e-5, JSON.stringify(state));

    await p.page.click('#critical');
    const critical = await p.page.evaluate(() => ({
      on: document.getElementById('viewport')?.classList.contains('show-critical'),
      pressed: document.getElementById('critical')?.getAttribute('aria-pressed'),
      nodes: [...document.querySelectorAll('#canvas g.node.task.critical')].map((g) => g.getAttribute('data-task-id')),
      edges: document.querySelectorAll('#canvas path.flowchart-link.critical').length,
      dimmed: getComputedStyle(document.querySelector('#canvas g.node.task:not(.critical)') as Element).opacity,
    }));
    assert.deepEqual([critical.on, critical.pressed, critical.dimmed], [true, 'true', '0.35'], JSON.stringify(critical));
    assert.ok(critical.nodes.includes('1.6') && critical.nodes.length >= 5, JSON.stringify(critical));
    assert.ok(critical.edges >= 3, JSON.stringify(critical));
    await p.page.screenshot({ path: join(SCREENSHOTS, 'twenty-critical-path.png') });

    await p.page.click('#export');
    const exported = (await p.waitForPosted((m) => m.type === 'exportSvg')) as Extract<WebviewToHost, { type: 'exportSvg' }>;
    assert.match(exported.svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, exported.svg.slice(0, 200));
    // The status colours travel with the file, written onto the shapes.
    assert.match(exported.svg, /class="node default task [^"]*status-failed[^"]*"[^>]*>\s*<rect [^>]*stroke="rgb\(/, exported.svg.slice(0, 400));
  });

  it('focus: centres a drawn task without drawing, opens the phase of a hidden one; double-click focuses', async () => {
    const graph = graphOf(generateTasksMd(300, 7), 'generated-300.md');
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph });
    const drawn = graph.phases[0]?.taskIds[3] ?? '';
    const renders = await p.renderCount();
    const transform = () => p.page.evaluate(() => document.getElementById('canvas')?.style.transform);
    const before = await transform();
    await p.send({ type: 'focus', taskId: drawn });
    await p.page.waitForSelector(`#canvas g.node.flash[data-task-id="${drawn}"]`);
    assert.equal(await p.renderCount(), renders);
    assert.notEqual(await transform(), before);

    const hidden = graph.phases[5]?.taskIds[2] ?? '';
    await p.send({ type: 'focus', taskId: hidden });
    await p.waitForRender(renders + 1);
    assert.equal(await p.page.locator(`#canvas g.node[data-task-id="${hidden}"]`).count(), 1);
    assert.deepEqual(((await p.state()) as { view?: unknown }).view, { kind: 'phases', expanded: [0, 5] });

    await p.page.locator(`#canvas g.node[data-task-id="${hidden}"]`).dblclick();
    await p.waitForRender(renders + 2);
    assert.equal(await p.page.getAttribute('#canvas g.node.focused', 'data-task-id'), hidden);
    assert.match((await p.page.textContent('#notice')) ?? '', new RegExp(`^Showing ${hidden.replace('.', '\\.')} and its neighbours`));
    // Keyboard: Enter on a focused node reveals it.
    await p.page.locator(`#canvas g.node[data-task-id="${hidden}"]`).focus();
    await p.page.keyboard.press('Enter');
    const reveals = (await p.posted()).filter((m) => m.type === 'reveal');
    assert.deepEqual(reveals.at(-1), { type: 'reveal', taskId: hidden }, JSON.stringify(reveals));
  });

  it('draws again in the new colours when VS Code switches the theme, keeping statuses', async () => {
    const p = await open();
    await p.sendAndDraw({ type: 'plan', graph: graphOf(TWENTY, 'specs/feeder/tasks.md', { statuses: TWENTY_STATUSES }) });
    const background = () => p.page.evaluate(() => getComputedStyle(document.getElementById('viewport') as Element).backgroundColor);
    assert.equal(await background(), 'rgb(255, 255, 255)');
    const renders = await p.renderCount();
    await p.page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-editor-background', '#1f1f1f');
      document.documentElement.style.setProperty('--vscode-editor-foreground', '#cccccc');
      document.body.className = 'vscode-dark';
    });
    await p.waitForRender(renders + 1);
    assert.equal(await background(), 'rgb(31, 31, 31)');
    assert.equal(statusOf((await taskClasses(p))['1.4']), 'failed');
  });

  it('restores the saved view of the same spec', async () => {
    const graph = graphOf(generateTasksMd(300, 7), 'generated-300.md');
    const p = await open({ savedState: { version: 1, specPath: 'generated-300.md', view: { kind: 'focus', taskId: '2.3', radius: 2 }, zoom: 0.5, panX: 10, panY: 20, showCriticalPath: true } });
    await p.sendAndDraw({ type: 'plan', graph });
    assert.equal(await p.page.getAttribute('body', 'data-view'), 'focus');
    const focused = await p.page.getAttribute('#canvas g.node.focused', 'data-task-id');
    assert.equal(focused, '2.3');
    assert.equal(await p.page.evaluate(() => document.getElementById('canvas')?.style.transform), 'translate(10px, 20px) scale(0.5)');
    assert.equal(await p.page.getAttribute('#critical', 'aria-pressed'), 'true');
    // "Phases" leads back to the overview.
    const before = await p.renderCount();
    await p.page.click('#overview');
    await p.waitForRender(before + 1);
    assert.equal(await p.page.getAttribute('body', 'data-view'), 'phases');
  });
});
