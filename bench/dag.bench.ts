/// <reference lib="dom" />
// DAG page benchmark: `node --import tsx bench/dag.bench.ts` (needs Chromium, as the webview tests).
// Goals: a 300-task spec drawn in < 2 s (whatever view the large-spec rule picks); a status
// update applied (classes swapped and styles recomputed) in < 16 ms, one frame.
//
// "drawn" is the page's own path: plan message → view chosen → mermaid layout → SVG decorated.
// "whole graph" lays out every task with mermaid and no rule (the same bundle's mermaid and
// drawView, on a bare page), to show why the rule exists.

import { build } from 'esbuild';
import { join } from 'node:path';
import { buildDagGraph, type DagGraph } from '../src/core/graph';
import { parseSpec } from '../src/core/parse/index';
import { planSpec } from '../src/core/plan/index';
import { DagHarness } from '../test/webview/harness';
import { generateTasksMd } from './generate';

// 100 is the largest spec the rule draws whole (DAG_LIMITS.maxNodes); 150 shows why.
const SIZES = [20, 100, 150, 300, 1_000];
const DRAW_GOAL_MS = 2_000;
const STATUS_GOAL_MS = 16;
const WHOLE_GRAPH_TIMEOUT_MS = 120_000;

function graphOf(n: number): DagGraph {
  return buildDagGraph(planSpec(parseSpec(generateTasksMd(n, 7), { path: `generated-${n}.md` })));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** mermaid and drawView on window, for the whole-graph layouts. */
async function wholeGraphScript(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import mermaid from 'mermaid'; import { drawView } from './src/core/graphDraw'; window.__bench = { mermaid, drawView };`,
      resolveDir: join(__dirname, '..'),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

async function main(): Promise<void> {
  const harness = new DagHarness();
  await harness.start();
  const rows: string[][] = [['tasks', 'view', 'drawn nodes', 'draw ms', 'whole graph ms', 'status ms (1 task)', 'status ms (all shown)']];
  let failed = false;
  const whole = await wholeGraphScript();
  try {
    for (const n of SIZES) {
      const graph = graphOf(n);
      const p = await harness.open({ theme: 'vscode-dark' });
      // Timed in the page, from the message to the decorated SVG.
      const drawMs = await p.page.evaluate(async (g) => {
        const start = performance.now();
        const before = Number(document.body.dataset.renderCount ?? '0');
        await new Promise<void>((resolve) => {
          const watch = new MutationObserver(() => {
            if (Number(document.body.dataset.renderCount ?? '0') > before || !document.getElementById('error')?.hidden) {
              watch.disconnect();
              resolve();
            }
          });
          watch.observe(document.body, { attributes: true, subtree: true, childList: true });
          window.postMessage({ type: 'plan', graph: g }, '*');
        });
        return performance.now() - start;
      }, graph);
      const error = await p.errorText();
      if (error) throw new Error(`${n} tasks: ${error}`);
      const view = (await p.page.getAttribute('body', 'data-view')) ?? '?';
      const shown = await p.page.evaluate(() => [...document.querySelectorAll('#canvas g.node.task')].map((g) => g.getAttribute('data-task-id') ?? ''));
      const drawnNodes = await p.page.locator('#canvas g.node').count();

      // A status message, delivered synchronously, then a style read that forces the recalc the
      // next frame would do: the cost a busy run pays per event.
      const statusMs = async (ids: string[]): Promise<number> => {
        const times: number[] = [];
        for (let i = 0; i < 21; i++) {
          const status = i % 2 === 0 ? 'running' : 'succeeded';
          times.push(
            await p.page.evaluate(
              ({ ids, status }) => {
                const start = performance.now();
                window.dispatchEvent(new MessageEvent('message', { data: { type: 'status', updates: ids.map((taskId) => ({ taskId, status })) } }));
                const probe = document.querySelector('#canvas g.node.task > rect');
                if (probe) void getComputedStyle(probe).stroke;
                void document.body.offsetHeight;
                return performance.now() - start;
              },
              { ids, status },
            ),
          );
        }
        return median(times);
      };
      const one = await statusMs(shown.slice(0, 1));
      const all = await statusMs(shown);
      await p.page.close();

      // The whole graph, no rule, in a bare page.
      const bare = await harness.blankPage();
      await bare.addScriptTag({ content: whole });
      const wholeMs = await bare.evaluate(
        async ({ g, timeoutMs }) => {
          const bench = (window as unknown as { __bench: { mermaid: { initialize(c: unknown): void; render(id: string, text: string): Promise<{ svg: string }> }; drawView(g: unknown, v: unknown): { text: string } } }).__bench;
          bench.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', maxEdges: 100_000, maxTextSize: 10_000_000, flowchart: { htmlLabels: true, useMaxWidth: false } });
          const start = performance.now();
          const text = bench.drawView(g, { kind: 'full' }).text;
          const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
          const done = await Promise.race([bench.mermaid.render('whole', text).then(() => 'ok', (e: Error) => `error: ${e.message.split('\n')[0]}`), timeout]);
          return done === 'ok' ? performance.now() - start : done;
        },
        { g: graph, timeoutMs: WHOLE_GRAPH_TIMEOUT_MS },
      );
      await bare.close();

      if (n === 300 && drawMs >= DRAW_GOAL_MS) failed = true;
      if (one >= STATUS_GOAL_MS || all >= STATUS_GOAL_MS) failed = true;
      rows.push([
        String(n),
        view,
        String(drawnNodes),
        drawMs.toFixed(0),
        typeof wholeMs === 'number' ? wholeMs.toFixed(0) : wholeMs,
        one.toFixed(2),
        `${all.toFixed(2)} (${shown.length})`,
      ]);
      process.stdout.write(`${n} tasks done\n`);
    }
  } finally {
    await harness.stop();
  }

  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: string[]) => r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  ');
  console.log(`\nDAG page (headless Chromium; draw = plan message to decorated SVG, one run; status = median of 21)`);
  console.log(line(rows[0] ?? []));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log(`\nGoals: 300 tasks drawn < ${DRAW_GOAL_MS} ms; a status update < ${STATUS_GOAL_MS} ms. ${failed ? 'MISSED' : 'Met.'}`);
  process.exitCode = failed ? 1 : 0;
}

void main().then(
  () => undefined,
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
