// The DAG page: draws the plan the host posts, and keeps it up to date as the run's statuses
// arrive. Mermaid lays the graph out once per view; a status only swaps classes on the drawn
// elements, so a busy run never re-lays out anything. Everything an author wrote reaches the DOM
// as mermaid's sanitized label text or through textContent, never as markup.
//
// This module takes the host's messages; the page's parts are its neighbours: page.ts (state and
// DOM), theme.ts, render.ts, statuses.ts, tooltip.ts, panZoom.ts, interaction.ts, exportSvg.ts.

import type { DagGraph } from '../src/core/graph';
import { expandPhase, focusView, initialView, type DagView } from '../src/core/graphDraw';
import { tasksById } from '../src/core/model';
import { isHostToWebview, type HostToWebview } from '../src/shared/protocol';
import { installInteraction } from './interaction';
import { forgetPosition } from './keyboard';
import { api, page, post, saveState } from './page';
import { applyTransform, centreOn, fit, setCriticalPath } from './panZoom';
import { draw, firstLine, showError } from './render';
import { replaceStatuses, seedStatuses } from './statuses';
import { pageLayout, themeConfig } from './theme';
import { refreshTooltip } from './tooltip';

function validRestoredView(candidate: DagView | undefined, g: DagGraph): DagView | undefined {
  if (!candidate) return undefined;
  if (candidate.kind === 'full') return g.nodes.length > 0 && initialView(g).kind !== 'full' ? undefined : candidate;
  if (candidate.kind === 'phases') return candidate.expanded.every((p) => g.phases[p] !== undefined) ? candidate : undefined;
  return g.nodes.some((n) => n.id === candidate.taskId) ? candidate : undefined;
}

function receivePlan(next: DagGraph): void {
  const previousSpec = page.graph?.specPath;
  page.graph = next;
  page.nodeById = tasksById(next.nodes);
  seedStatuses(next);
  const saved = page.restored;
  page.restored = undefined;
  let refit = true;
  if (previousSpec === next.specPath) {
    // The same spec again (tasks.md edited): keep what the user looks at.
    page.view = validRestoredView(page.view, next) ?? initialView(next);
    refit = false;
  } else if (saved?.specPath === next.specPath && validRestoredView(saved.view, next)) {
    page.view = saved.view as DagView;
    page.zoom = saved.zoom;
    page.panX = saved.panX;
    page.panY = saved.panY;
    setCriticalPath(saved.showCriticalPath, false);
    refit = false;
  } else {
    page.view = initialView(next);
  }
  if (previousSpec !== next.specPath) forgetPosition();
  saveState();
  void draw().then(() => (refit ? fit() : applyTransform()));
}

function receiveFocus(taskId: string): void {
  const graph = page.graph;
  if (!graph || !page.nodeById.has(taskId)) return;
  const el = page.taskElements.get(taskId);
  if (el) {
    centreOn(el);
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1200);
    return;
  }
  const phase = page.nodeById.get(taskId)?.phase;
  page.view = page.view.kind === 'phases' && phase !== undefined ? expandPhase(graph, page.view, phase) : focusView(graph, taskId);
  saveState();
  void draw().then(() => {
    const drawn = page.taskElements.get(taskId);
    if (drawn) centreOn(drawn);
    else fit();
  });
}

function receive(message: HostToWebview): void {
  switch (message.type) {
    case 'plan':
      receivePlan(message.graph);
      break;
    case 'status':
      replaceStatuses(message.updates);
      refreshTooltip();
      break;
    case 'focus':
      receiveFocus(message.taskId);
      break;
  }
}

installInteraction();

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostToWebview(event.data)) {
    const type = typeof event.data === 'object' && event.data !== null && 'type' in event.data ? String((event.data as { type: unknown }).type) : typeof event.data;
    post({ type: 'error', message: `The graph page ignored a message it does not understand (${type.slice(0, 40)}).` });
    return;
  }
  try {
    receive(event.data);
  } catch (err) {
    showError(`The graph page failed on a ${event.data.type} message: ${firstLine(err)}`);
  }
});

// The theme can change while the page is open: VS Code swaps the body classes and variables.
const themeObserver = new MutationObserver(() => {
  if (!page.graph) return;
  if (themeConfig().key !== page.themeKey) void draw().then(applyTransform);
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });

// What a restored panel left behind; applied when the first plan shows which spec this is.
page.restored = api.getState()?.version === 1 ? api.getState() : undefined;
if (page.restored) setCriticalPath(page.restored.showCriticalPath, false);
post({ type: 'ready', layout: pageLayout() });
