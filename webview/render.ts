// Drawing a view: mermaid lays the view's text out (once per view, never for a status change),
// then the drawn elements are marked with what they are (task, phase, edge kind, critical) and
// each task's status class, and the chrome around the drawing (summary, notice) follows.

import mermaid from 'mermaid';
import { MERMAID_LIMITS, currentTaskId, drawView, initialView, type DagDrawing, type DagView, type DagViewEdge, type DagViewNode } from '../src/core/graphDraw';
import { focusTabStop, indexNodes } from './keyboard';
import { canvas, errorBox, noticeBox, overviewButton, page, post, saveState } from './page';
import { applyTransform, fit } from './panZoom';
import { refreshPhase, setStatusClass, statusOf, taskAriaLabel, updateSummary } from './statuses';
import { configureMermaid } from './theme';

export function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
  post({ type: 'error', message });
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim().slice(0, 300);
}

export async function draw(): Promise<void> {
  if (!page.graph) return;
  const seq = ++page.renderSeq;
  const current = drawView(page.graph, page.view);
  if (current.text.length > MERMAID_LIMITS.maxTextSize || current.edges.length > MERMAID_LIMITS.maxEdges) {
    showError(`Ralph could not draw this view: it has ${current.edges.length} edges and ${current.text.length} characters, more than the page allows.`);
    return;
  }
  configureMermaid();
  let svgText: string;
  try {
    svgText = (await mermaid.render(`ralph-dag-${seq}`, current.text)).svg;
  } catch (err) {
    if (seq === page.renderSeq) showError(`Ralph could not draw the task graph: ${firstLine(err)}`);
    return;
  } finally {
    // Mermaid leaves its scratch element behind when it fails.
    document.getElementById(`dralph-dag-${seq}`)?.remove();
  }
  if (seq !== page.renderSeq) return;
  clearError();
  // The drawing replaces the focused node: a keyboard user gets the focus back on the new one.
  const hadFocus = document.activeElement instanceof Element && canvas.contains(document.activeElement);
  // Mermaid's own output, sanitized by it in strict mode; every label in the text was escaped by
  // graphDraw.ts, and the page's CSP refuses any script or handler that might still slip through.
  canvas.innerHTML = svgText;
  const drawn = canvas.querySelector('svg');
  if (!drawn) {
    showError('Ralph could not draw the task graph: mermaid returned no SVG.');
    return;
  }
  page.svg = drawn;
  page.drawing = current;
  page.renderCount++;
  sizeSvg(drawn);
  decorate(drawn, current);
  updateChrome();
  indexNodes(page.view.kind === 'focus' ? page.view.taskId : currentTaskId(page.graph));
  if (hadFocus) focusTabStop();
  document.body.dataset.renderCount = String(page.renderCount);
  document.body.dataset.view = page.view.kind;
}

function sizeSvg(el: SVGSVGElement): void {
  const box = el.viewBox.baseVal;
  if (box && box.width > 0) {
    el.setAttribute('width', String(box.width));
    el.setAttribute('height', String(box.height));
  }
  el.style.maxWidth = 'none';
}

function drawnNodeId(el: Element, svgId: string): string | undefined {
  // `<svg id>-flowchart-<node id>-<counter>`
  const prefix = `${svgId}-flowchart-`;
  if (!el.id.startsWith(prefix)) return undefined;
  return el.id.slice(prefix.length).replace(/-\d+$/, '');
}

function decorate(el: SVGSVGElement, current: DagDrawing): void {
  page.taskElements = new Map();
  page.phaseElements = new Map();
  const viewNodes = new Map<string, DagViewNode>(current.nodes.map((n) => [n.mermaidId, n]));
  for (const g of el.querySelectorAll<SVGGElement>('g.node')) {
    const mermaidId = drawnNodeId(g, el.id);
    const node = mermaidId === undefined ? undefined : viewNodes.get(mermaidId);
    if (!node) continue;
    // keyboard.ts makes one node the graph's tab stop (0) once all are drawn.
    g.setAttribute('tabindex', '-1');
    g.setAttribute('role', 'button');
    if (node.kind === 'task') {
      const task = page.nodeById.get(node.taskId);
      g.classList.add('task');
      g.setAttribute('data-task-id', node.taskId);
      if (task?.critical) g.classList.add('critical');
      if (task?.container) g.classList.add('container');
      if (node.hiddenNeighbours) g.classList.add('has-hidden');
      if (page.graph && page.view.kind === 'focus' && page.view.taskId === node.taskId) g.classList.add('focused');
      page.taskElements.set(node.taskId, g);
      setStatusClass(g, statusOf(node.taskId));
      g.setAttribute('aria-label', taskAriaLabel(node.taskId));
    } else if (node.kind === 'phase') {
      g.classList.add('phase');
      g.setAttribute('data-phase', String(node.phase));
      page.phaseElements.set(node.phase, g);
      refreshPhase(node.phase);
    } else {
      g.classList.add('more');
      g.setAttribute('aria-label', `${node.count} more ${node.direction === 'before' ? 'predecessors' : 'successors'}`);
    }
  }
  // What a screen reader says on entering the graph; mermaid's own title and description
  // elements are empty for our text.
  const tasks = current.nodes.filter((n) => n.kind === 'task').length;
  el.setAttribute('role', 'group');
  el.setAttribute('aria-roledescription', 'task graph');
  el.setAttribute('aria-label', `Task graph, ${tasks} task${tasks === 1 ? '' : 's'} shown. Arrow keys move between nodes, Enter opens a task in tasks.md.`);
  const viewEdges = new Map<string, DagViewEdge>(current.edges.map((e) => [e.edgeId, e]));
  for (const path of el.querySelectorAll<SVGPathElement>('path.flowchart-link')) {
    const edge = viewEdges.get(path.getAttribute('data-id') ?? '');
    if (!edge) continue;
    path.classList.add(`edge-${edge.kind}`);
    if (edge.critical) path.classList.add('critical');
  }
  for (const cluster of current.clusters) {
    const g = el.querySelector<SVGGElement>(`g.cluster[id="${el.id}-${cluster.mermaidId}"]`);
    if (!g) continue;
    g.classList.add('phase-cluster');
    g.setAttribute('data-phase', String(cluster.phase));
  }
}

export function updateChrome(): void {
  updateSummary();
  if (!page.graph || !page.drawing) return;
  const shownTasks = page.drawing.nodes.filter((n) => n.kind === 'task').length;
  let notice = '';
  if (page.view.kind === 'phases') {
    notice = `${page.graph.nodes.length} tasks in ${page.graph.phases.filter((p) => p.taskIds.length > 0).length} phases: too many to lay out at once, so closed phases show as one node. Click a phase to open it; double-click a task to see its neighbourhood.`;
  } else if (page.view.kind === 'focus') {
    notice = `Showing ${page.view.taskId} and its neighbours, ${shownTasks} of ${page.graph.nodes.length} tasks. Double-click a task to move there.`;
  }
  noticeBox.textContent = notice;
  noticeBox.hidden = notice === '';
  const overview = overviewTarget();
  overviewButton.hidden = overview === undefined;
  overviewButton.textContent = overview?.kind === 'full' ? 'Show all' : 'Phases';
}

export function overviewTarget(): DagView | undefined {
  if (!page.graph) return undefined;
  const start = initialView(page.graph);
  if (start.kind === 'full') return page.view.kind === 'full' ? undefined : start;
  if (start.kind === 'phases') return page.view.kind === 'phases' ? undefined : { kind: 'phases', expanded: [] };
  return undefined;
}

export function changeView(next: DagView, refit: boolean): void {
  page.view = next;
  saveState();
  void draw().then(() => {
    if (refit) fit();
    else applyTransform();
  });
}
