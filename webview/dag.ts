// The DAG page: draws the plan the host posts, and keeps it up to date as the run's statuses
// arrive. Mermaid lays the graph out once per view; a status only swaps classes on the drawn
// elements, so a busy run never re-lays out anything. Everything an author wrote reaches the DOM
// as mermaid's sanitized label text or through textContent, never as markup.

import mermaid from 'mermaid';
import type { DagGraph, DagNode, DagStatusUpdate } from '../src/core/graph';
import {
  MERMAID_LIMITS,
  collapsePhase,
  drawView,
  expandPhase,
  focusView,
  initialView,
  type DagDrawing,
  type DagView,
  type DagViewEdge,
  type DagViewNode,
} from '../src/core/graphDraw';
import { TASK_STATUSES, type TaskStatus } from '../src/core/status';
import { formatDuration, formatMinutes } from '../src/core/duration';
import { tasksById } from '../src/core/model';
import { isHostToWebview, type DagPageState, type HostToWebview, type WebviewApi, type WebviewToHost } from '../src/shared/protocol';

declare const acquireVsCodeApi: (() => WebviewApi) | undefined;

/** Outside VS Code (a page opened by hand) messages have nowhere to go; state lives in memory. */
function standaloneApi(): WebviewApi {
  let state: DagPageState | undefined;
  return {
    postMessage: (message) => console.debug('ralph dag →', message.type),
    getState: () => state,
    setState: (s) => {
      state = s;
    },
  };
}

const api: WebviewApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : standaloneApi();
const post = (message: WebviewToHost): void => api.postMessage(message);

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el as T;
}

const viewport = byId<HTMLDivElement>('viewport');
const canvas = byId<HTMLDivElement>('canvas');
const tooltip = byId<HTMLDivElement>('tooltip');
const noticeBox = byId<HTMLDivElement>('notice');
const errorBox = byId<HTMLDivElement>('error');
const summary = byId<HTMLSpanElement>('summary');
const overviewButton = byId<HTMLButtonElement>('overview');
const criticalButton = byId<HTMLButtonElement>('critical');

const STATUS_CLASSES = TASK_STATUSES.map((s) => `status-${s}`);
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;

interface TaskState {
  status: TaskStatus;
  reason?: string;
  durationMs?: number;
  attempt?: number;
  usage?: string;
}

let graph: DagGraph | undefined;
let nodeById = new Map<string, DagNode>();
const taskStates = new Map<string, TaskState>();
let view: DagView = { kind: 'full' };
let drawing: DagDrawing | undefined;
let svg: SVGSVGElement | undefined;
/** The drawn element of each task and of each collapsed phase, for status changes. */
let taskElements = new Map<string, SVGGElement>();
let phaseElements = new Map<number, SVGGElement>();
let zoom = 1;
let panX = 0;
let panY = 0;
let showCriticalPath = false;
let renderCount = 0;
let renderSeq = 0;
let themeKey = '';

// ---------------------------------------------------------------------------------------------
// Theme: VS Code puts `vscode-light` / `vscode-dark` / `vscode-high-contrast(-light)` on the body
// and the colours in CSS variables. Mermaid computes its palette from concrete colours, so the
// variables are read and passed where they parse; our own CSS colours the statuses.

function cssColour(name: string): string | undefined {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return /^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\))$/.test(value) ? value : undefined;
}

function themeConfig(): { theme: 'base' | 'default' | 'dark'; themeVariables: Record<string, string | boolean>; key: string } {
  const classes = document.body.classList;
  const dark = classes.contains('vscode-dark') || (classes.contains('vscode-high-contrast') && !classes.contains('vscode-high-contrast-light'));
  const background = cssColour('--vscode-editor-background');
  const foreground = cssColour('--vscode-editor-foreground');
  const fontFamily = getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim();
  const variables: Record<string, string | boolean> = { darkMode: dark };
  if (fontFamily !== '') variables.fontFamily = fontFamily;
  const key = `${document.body.className}|${background}|${foreground}|${fontFamily}`;
  if (background === undefined || foreground === undefined) return { theme: dark ? 'dark' : 'default', themeVariables: variables, key };
  const border = cssColour('--vscode-contrastBorder') ?? cssColour('--vscode-editorWidget-border') ?? foreground;
  return {
    theme: 'base',
    themeVariables: {
      ...variables,
      background,
      primaryColor: cssColour('--vscode-editorWidget-background') ?? background,
      primaryTextColor: foreground,
      primaryBorderColor: border,
      lineColor: cssColour('--vscode-editorLineNumber-foreground') ?? foreground,
      clusterBkg: cssColour('--vscode-sideBar-background') ?? background,
      clusterBorder: border,
      titleColor: foreground,
      edgeLabelBackground: background,
    },
    key,
  };
}

function configureMermaid(): void {
  const { theme, themeVariables, key } = themeConfig();
  themeKey = key;
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: 'strict',
    // Our own message replaces mermaid's error diagram.
    suppressErrorRendering: true,
    // Above every view graph.ts lets through (DAG_LIMITS); see MERMAID_LIMITS.
    maxEdges: MERMAID_LIMITS.maxEdges,
    maxTextSize: MERMAID_LIMITS.maxTextSize,
    theme,
    themeVariables,
    // HTML labels: mermaid decodes our entity codes (`#60;`) into text there, while its SVG text
    // labels would show them as written.
    flowchart: { htmlLabels: true, useMaxWidth: false, curve: 'basis', nodeSpacing: 30, rankSpacing: 40 },
  });
}

// ---------------------------------------------------------------------------------------------
// Drawing.

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
  post({ type: 'error', message });
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim().slice(0, 300);
}

async function draw(): Promise<void> {
  if (!graph) return;
  const seq = ++renderSeq;
  const current = drawView(graph, view);
  if (current.text.length > MERMAID_LIMITS.maxTextSize || current.edges.length > MERMAID_LIMITS.maxEdges) {
    showError(`Ralph could not draw this view: it has ${current.edges.length} edges and ${current.text.length} characters, more than the page allows.`);
    return;
  }
  configureMermaid();
  let svgText: string;
  try {
    svgText = (await mermaid.render(`ralph-dag-${seq}`, current.text)).svg;
  } catch (err) {
    if (seq === renderSeq) showError(`Ralph could not draw the task graph: ${firstLine(err)}`);
    return;
  } finally {
    // Mermaid leaves its scratch element behind when it fails.
    document.getElementById(`dralph-dag-${seq}`)?.remove();
  }
  if (seq !== renderSeq) return;
  clearError();
  // Mermaid's own output, sanitized by it in strict mode; every label in the text was escaped by
  // graph.ts, and the page's CSP refuses any script or handler that might still slip through.
  canvas.innerHTML = svgText;
  const drawn = canvas.querySelector('svg');
  if (!drawn) {
    showError('Ralph could not draw the task graph: mermaid returned no SVG.');
    return;
  }
  svg = drawn;
  drawing = current;
  renderCount++;
  sizeSvg(drawn);
  decorate(drawn, current);
  updateChrome();
  document.body.dataset.renderCount = String(renderCount);
  document.body.dataset.view = view.kind;
}

/** Give the SVG its natural size, so zoom and pan are ours alone. */
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
  taskElements = new Map();
  phaseElements = new Map();
  const viewNodes = new Map<string, DagViewNode>(current.nodes.map((n) => [n.mermaidId, n]));
  for (const g of el.querySelectorAll<SVGGElement>('g.node')) {
    const mermaidId = drawnNodeId(g, el.id);
    const node = mermaidId === undefined ? undefined : viewNodes.get(mermaidId);
    if (!node) continue;
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    if (node.kind === 'task') {
      const task = nodeById.get(node.taskId);
      g.classList.add('task');
      g.setAttribute('data-task-id', node.taskId);
      if (task?.critical) g.classList.add('critical');
      if (task?.container) g.classList.add('container');
      if (node.hiddenNeighbours) g.classList.add('has-hidden');
      if (graph && view.kind === 'focus' && view.taskId === node.taskId) g.classList.add('focused');
      taskElements.set(node.taskId, g);
      setStatusClass(g, taskStates.get(node.taskId)?.status ?? 'pending');
      g.setAttribute('aria-label', taskAriaLabel(node.taskId));
    } else if (node.kind === 'phase') {
      g.classList.add('phase');
      g.setAttribute('data-phase', String(node.phase));
      phaseElements.set(node.phase, g);
      refreshPhase(node.phase);
    } else {
      g.classList.add('more');
      g.setAttribute('aria-label', `${node.count} more ${node.direction === 'before' ? 'predecessors' : 'successors'}`);
    }
  }
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

function setStatusClass(el: Element, status: TaskStatus): void {
  el.classList.remove(...STATUS_CLASSES);
  el.classList.add(`status-${status}`);
}

function taskAriaLabel(taskId: string): string {
  const node = nodeById.get(taskId);
  return `${taskId} ${node?.details.title ?? ''}: ${taskStates.get(taskId)?.status ?? 'pending'}`;
}

/** A collapsed phase shows the most telling status among its tasks. */
const PHASE_PRECEDENCE: readonly TaskStatus[] = ['failed', 'running', 'retrying', 'blocked', 'cancelled', 'queued', 'pending', 'skipped', 'succeeded', 'done'];

function phaseCounts(phase: number): Map<TaskStatus, number> {
  const counts = new Map<TaskStatus, number>();
  for (const id of graph?.phases[phase]?.taskIds ?? []) {
    const status = taskStates.get(id)?.status ?? 'pending';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}

function phaseStatus(counts: ReadonlyMap<TaskStatus, number>): TaskStatus {
  const finished = (counts.get('succeeded') ?? 0) + (counts.get('done') ?? 0) + (counts.get('skipped') ?? 0);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total > 0 && finished === total) return (counts.get('succeeded') ?? 0) > 0 ? 'succeeded' : 'done';
  return PHASE_PRECEDENCE.find((s) => (counts.get(s) ?? 0) > 0 && s !== 'succeeded' && s !== 'done' && s !== 'skipped') ?? 'pending';
}

function refreshPhase(phase: number): void {
  const el = phaseElements.get(phase);
  if (!el) return;
  const counts = phaseCounts(phase);
  setStatusClass(el, phaseStatus(counts));
  const title = graph?.phases[phase]?.title ?? '';
  el.setAttribute('aria-label', `${title}: ${countsText(counts)}. Activate to open the phase.`);
}

function countsText(counts: ReadonlyMap<TaskStatus, number>): string {
  return TASK_STATUSES.filter((s) => (counts.get(s) ?? 0) > 0)
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

function updateSummary(): void {
  if (!graph) return;
  const counts = new Map<TaskStatus, number>();
  for (const n of graph.nodes) {
    const s = taskStates.get(n.id)?.status ?? 'pending';
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  summary.textContent = `${graph.nodes.length} task${graph.nodes.length === 1 ? '' : 's'}${counts.size > 0 ? ` · ${countsText(counts)}` : ''}`;
}

function updateChrome(): void {
  updateSummary();
  if (!graph || !drawing) return;
  const shownTasks = drawing.nodes.filter((n) => n.kind === 'task').length;
  let notice = '';
  if (view.kind === 'phases') {
    notice = `${graph.nodes.length} tasks in ${graph.phases.filter((p) => p.taskIds.length > 0).length} phases: too many to lay out at once, so closed phases show as one node. Click a phase to open it; double-click a task to see its neighbourhood.`;
  } else if (view.kind === 'focus') {
    notice = `Showing ${view.taskId} and its neighbours, ${shownTasks} of ${graph.nodes.length} tasks. Double-click a task to move there.`;
  }
  noticeBox.textContent = notice;
  noticeBox.hidden = notice === '';
  const overview = overviewTarget();
  overviewButton.hidden = overview === undefined;
  overviewButton.textContent = overview?.kind === 'full' ? 'Show all' : 'Phases';
}

/** Where the "back out" button leads: the whole graph when it was shown whole, else phases. */
function overviewTarget(): DagView | undefined {
  if (!graph) return undefined;
  const start = initialView(graph);
  if (start.kind === 'full') return view.kind === 'full' ? undefined : start;
  if (start.kind === 'phases') return view.kind === 'phases' ? undefined : { kind: 'phases', expanded: [] };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Zoom and pan: a CSS transform on the canvas, never a new layout.

function applyTransform(): void {
  canvas.style.transform = `translate(${panX}px, ${panY}px) scale(${zoom})`;
}

function saveState(): void {
  const state: DagPageState = {
    version: 1,
    ...(graph ? { specPath: graph.specPath } : {}),
    view,
    zoom,
    panX,
    panY,
    showCriticalPath,
  };
  api.setState(state);
}

function zoomAt(factor: number, x: number, y: number): void {
  const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom * factor));
  panX = x - (x - panX) * (next / zoom);
  panY = y - (y - panY) * (next / zoom);
  zoom = next;
  applyTransform();
  saveState();
}

function fit(): void {
  if (!svg) return;
  const width = Number(svg.getAttribute('width')) || svg.getBoundingClientRect().width / zoom;
  const height = Number(svg.getAttribute('height')) || svg.getBoundingClientRect().height / zoom;
  const box = viewport.getBoundingClientRect();
  if (width <= 0 || height <= 0 || box.width <= 0 || box.height <= 0) return;
  zoom = Math.min(1.5, Math.max(MIN_ZOOM, Math.min(box.width / width, box.height / height) * 0.95));
  panX = (box.width - width * zoom) / 2;
  panY = Math.max(8, (box.height - height * zoom) / 2);
  applyTransform();
  saveState();
}

function centreOn(el: Element): void {
  const box = viewport.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  panX += box.left + box.width / 2 - (r.left + r.width / 2);
  panY += box.top + box.height / 2 - (r.top + r.height / 2);
  applyTransform();
  saveState();
}

let drag: { x: number; y: number; panX: number; panY: number; moved: boolean; pointerId: number } | undefined;
let suppressClick = false;

viewport.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const box = viewport.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
  },
  { passive: false },
);

viewport.addEventListener('pointerdown', (e) => {
  if (e.button !== 0) return;
  drag = { x: e.clientX, y: e.clientY, panX, panY, moved: false, pointerId: e.pointerId };
});

viewport.addEventListener('pointermove', (e) => {
  if (!drag || drag.pointerId !== e.pointerId) return;
  const dx = e.clientX - drag.x;
  const dy = e.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  if (!drag.moved) {
    drag.moved = true;
    viewport.setPointerCapture(e.pointerId);
    viewport.classList.add('dragging');
    hideTooltip();
  }
  panX = drag.panX + dx;
  panY = drag.panY + dy;
  applyTransform();
});

function endDrag(e: PointerEvent): void {
  if (!drag || drag.pointerId !== e.pointerId) return;
  if (drag.moved) {
    suppressClick = true;
    viewport.classList.remove('dragging');
    if (viewport.hasPointerCapture(e.pointerId)) viewport.releasePointerCapture(e.pointerId);
    saveState();
  }
  drag = undefined;
}
viewport.addEventListener('pointerup', endDrag);
viewport.addEventListener('pointercancel', endDrag);

byId('fit').addEventListener('click', fit);
byId('zoom-in').addEventListener('click', () => {
  const box = viewport.getBoundingClientRect();
  zoomAt(1.25, box.width / 2, box.height / 2);
});
byId('zoom-out').addEventListener('click', () => {
  const box = viewport.getBoundingClientRect();
  zoomAt(0.8, box.width / 2, box.height / 2);
});
criticalButton.addEventListener('click', () => setCriticalPath(!showCriticalPath));
byId('export').addEventListener('click', exportSvg);
overviewButton.addEventListener('click', () => {
  const target = overviewTarget();
  if (target) changeView(target, true);
});

function setCriticalPath(on: boolean, save = true): void {
  showCriticalPath = on;
  viewport.classList.toggle('show-critical', on);
  criticalButton.setAttribute('aria-pressed', String(on));
  if (save) saveState();
}

// ---------------------------------------------------------------------------------------------
// Clicks: a task reveals its line in tasks.md; a closed phase opens; an open phase's title closes
// it; a double-click moves the focus view to a task.

function targetOf(e: Event): { node?: SVGGElement; cluster?: SVGGElement } {
  const t = e.target instanceof Element ? e.target : undefined;
  const node = t?.closest<SVGGElement>('g.node') ?? undefined;
  const cluster = node ? undefined : (t?.closest<SVGGElement>('g.phase-cluster') ?? undefined);
  return { ...(node ? { node } : {}), ...(cluster ? { cluster } : {}) };
}

function activate(node: SVGGElement | undefined, cluster: SVGGElement | undefined): void {
  if (!graph) return;
  const taskId = node?.getAttribute('data-task-id');
  if (taskId) {
    post({ type: 'reveal', taskId });
    return;
  }
  const phase = Number((node ?? cluster)?.getAttribute('data-phase') ?? NaN);
  if (Number.isNaN(phase)) return;
  if (node) changeView(expandPhase(graph, view, phase), true);
  else if (cluster) changeView(collapsePhase(view, phase), false);
}

canvas.addEventListener('click', (e) => {
  if (suppressClick) {
    suppressClick = false;
    return;
  }
  const { node, cluster } = targetOf(e);
  // A cluster closes only from its title bar, not from any click in its empty space.
  const onClusterLabel = cluster !== undefined && e.target instanceof Element && e.target.closest('.cluster-label') !== null;
  activate(node, onClusterLabel ? cluster : undefined);
});

canvas.addEventListener('dblclick', (e) => {
  const taskId = targetOf(e).node?.getAttribute('data-task-id');
  if (graph && taskId) changeView(focusView(graph, taskId), true);
});

canvas.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' && e.key !== ' ') return;
  const { node } = targetOf(e);
  if (!node) return;
  e.preventDefault();
  activate(node, undefined);
});

function changeView(next: DagView, refit: boolean): void {
  view = next;
  saveState();
  void draw().then(() => {
    if (refit) fit();
    else applyTransform();
  });
}

// ---------------------------------------------------------------------------------------------
// Tooltip, built with DOM nodes and textContent only.

function field(parent: HTMLElement, label: string, value: string | readonly string[]): void {
  const row = document.createElement('div');
  row.className = 'field';
  const name = document.createElement('span');
  name.className = 'field-name';
  name.textContent = `${label}: `;
  row.append(name);
  if (typeof value === 'string') {
    const text = document.createElement('span');
    text.className = 'field-value';
    text.textContent = value;
    row.append(text);
  } else {
    const list = document.createElement('ul');
    for (const v of value) {
      const item = document.createElement('li');
      item.textContent = v;
      list.append(item);
    }
    row.append(list);
  }
  parent.append(row);
}

function fillTooltip(node: SVGGElement): boolean {
  tooltip.replaceChildren();
  const taskId = node.getAttribute('data-task-id');
  const phaseAttr = node.getAttribute('data-phase');
  const heading = document.createElement('div');
  heading.className = 'tooltip-title';
  if (taskId) {
    const task = nodeById.get(taskId);
    if (!task) return false;
    const state = taskStates.get(taskId);
    heading.textContent = `${taskId} ${task.details.title}`;
    tooltip.append(heading);
    const status = state?.status ?? 'pending';
    field(tooltip, 'Status', state?.attempt !== undefined && state.attempt > 1 ? `${status} (attempt ${state.attempt})` : status);
    if (task.details.markers.length > 0) field(tooltip, 'Markers', task.details.markers.map((m) => `[${m}]`).join(' '));
    if (task.details.do !== undefined) field(tooltip, 'Do', task.details.do);
    if (task.details.files.length > 0) field(tooltip, 'Files', task.details.files);
    if (task.details.verify !== undefined) field(tooltip, 'Verify', task.details.verify);
    if (state?.durationMs !== undefined) field(tooltip, 'Took', formatDuration(state.durationMs));
    else if (task.details.estimateMinutes !== undefined) field(tooltip, 'Estimate', formatMinutes(task.details.estimateMinutes));
    if (state?.usage !== undefined) field(tooltip, 'Used', state.usage);
    if (state?.reason !== undefined) field(tooltip, status === 'failed' ? 'Failed because' : 'Reason', state.reason);
    if (task.critical) field(tooltip, 'Critical path', 'yes');
    return true;
  }
  if (phaseAttr !== null) {
    const phase = graph?.phases[Number(phaseAttr)];
    if (!phase) return false;
    heading.textContent = phase.title;
    tooltip.append(heading);
    field(tooltip, 'Tasks', countsText(phaseCounts(phase.index)));
    field(tooltip, 'Open', 'click to show its tasks');
    return true;
  }
  return false;
}

function showTooltip(node: SVGGElement, x: number, y: number): void {
  if (!fillTooltip(node)) return;
  tooltip.hidden = false;
  const margin = 12;
  const w = tooltip.offsetWidth;
  const h = tooltip.offsetHeight;
  tooltip.style.left = `${Math.max(4, Math.min(x + margin, window.innerWidth - w - 4))}px`;
  tooltip.style.top = `${Math.max(4, y + margin + h > window.innerHeight ? y - h - margin : y + margin)}px`;
}

function hideTooltip(): void {
  tooltip.hidden = true;
}

let hovered: SVGGElement | undefined;
canvas.addEventListener('pointerover', (e) => {
  if (drag?.moved) return;
  const node = targetOf(e).node;
  if (!node || node === hovered) return;
  hovered = node;
  showTooltip(node, e.clientX, e.clientY);
});
canvas.addEventListener('pointerout', (e) => {
  const to = e.relatedTarget instanceof Element ? e.relatedTarget.closest('g.node') : null;
  if (hovered && to !== hovered) {
    hovered = undefined;
    hideTooltip();
  }
});
canvas.addEventListener('focusin', (e) => {
  const node = targetOf(e).node;
  if (!node) return;
  const r = node.getBoundingClientRect();
  showTooltip(node, r.right, r.bottom);
});
canvas.addEventListener('focusout', hideTooltip);

// ---------------------------------------------------------------------------------------------
// Export: a standalone SVG with our status colours written onto the elements, because the
// page's stylesheet does not travel with the file.

const PAINTED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity'] as const;

function exportSvg(): void {
  if (!svg) {
    showError('There is no graph to export yet.');
    return;
  }
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const live = svg.querySelectorAll('g.node *, path.flowchart-link, g.cluster > rect');
  const copied = copy.querySelectorAll('g.node *, path.flowchart-link, g.cluster > rect');
  live.forEach((el, i) => {
    const target = copied[i];
    if (!target || !(el instanceof SVGElement)) return;
    const style = getComputedStyle(el);
    for (const p of PAINTED) {
      const value = style.getPropertyValue(p);
      if (value !== '') target.setAttribute(p, value);
    }
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.style.backgroundColor = getComputedStyle(viewport).backgroundColor;
  post({ type: 'exportSvg', svg: new XMLSerializer().serializeToString(copy) });
}

// ---------------------------------------------------------------------------------------------
// Messages.

function applyStatuses(updates: readonly DagStatusUpdate[]): void {
  const touchedPhases = new Set<number>();
  for (const u of updates) {
    const node = nodeById.get(u.taskId);
    if (!node) continue;
    // The host sends each task's whole entry as its board has it: replace, never merge, so the
    // page cannot drift from the tree.
    const next: TaskState = { status: u.status };
    if (u.attempt !== undefined) next.attempt = u.attempt;
    if (u.reason !== undefined) next.reason = u.reason;
    if (u.durationMs !== undefined) next.durationMs = u.durationMs;
    if (u.usage !== undefined) next.usage = u.usage;
    taskStates.set(u.taskId, next);
    const el = taskElements.get(u.taskId);
    if (el) {
      setStatusClass(el, u.status);
      el.setAttribute('aria-label', taskAriaLabel(u.taskId));
    }
    if (node.phase !== undefined) touchedPhases.add(node.phase);
  }
  for (const p of touchedPhases) refreshPhase(p);
  updateSummary();
  if (hovered && !tooltip.hidden) fillTooltip(hovered);
}

function validRestoredView(candidate: DagView | undefined, g: DagGraph): DagView | undefined {
  if (!candidate) return undefined;
  if (candidate.kind === 'full') return g.nodes.length > 0 && initialView(g).kind !== 'full' ? undefined : candidate;
  if (candidate.kind === 'phases') return candidate.expanded.every((p) => g.phases[p] !== undefined) ? candidate : undefined;
  return g.nodes.some((n) => n.id === candidate.taskId) ? candidate : undefined;
}

function receivePlan(next: DagGraph): void {
  const previousSpec = graph?.specPath;
  graph = next;
  nodeById = tasksById(next.nodes);
  taskStates.clear();
  for (const n of next.nodes) {
    const s: TaskState = { status: n.status };
    if (n.details.reason !== undefined) s.reason = n.details.reason;
    if (n.details.durationMs !== undefined) s.durationMs = n.details.durationMs;
    if (n.details.attempt !== undefined) s.attempt = n.details.attempt;
    if (n.details.usage !== undefined) s.usage = n.details.usage;
    taskStates.set(n.id, s);
  }
  const saved = restored;
  restored = undefined;
  let refit = true;
  if (previousSpec === next.specPath) {
    // The same spec again (tasks.md edited): keep what the user looks at.
    view = validRestoredView(view, next) ?? initialView(next);
    refit = false;
  } else if (saved?.specPath === next.specPath && validRestoredView(saved.view, next)) {
    view = saved.view as DagView;
    zoom = saved.zoom;
    panX = saved.panX;
    panY = saved.panY;
    setCriticalPath(saved.showCriticalPath, false);
    refit = false;
  } else {
    view = initialView(next);
  }
  saveState();
  void draw().then(() => (refit ? fit() : applyTransform()));
}

function receiveFocus(taskId: string): void {
  if (!graph || !nodeById.has(taskId)) return;
  const el = taskElements.get(taskId);
  if (el) {
    centreOn(el);
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1200);
    return;
  }
  const phase = nodeById.get(taskId)?.phase;
  const next = view.kind === 'phases' && phase !== undefined ? expandPhase(graph, view, phase) : focusView(graph, taskId);
  view = next;
  saveState();
  void draw().then(() => {
    const drawn = taskElements.get(taskId);
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
      applyStatuses(message.updates);
      break;
    case 'focus':
      receiveFocus(message.taskId);
      break;
  }
}

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
  if (!graph) return;
  if (themeConfig().key !== themeKey) void draw().then(applyTransform);
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });

// What a restored panel left behind; applied when the first plan shows which spec this is.
let restored: DagPageState | undefined = api.getState()?.version === 1 ? api.getState() : undefined;
if (restored) setCriticalPath(restored.showCriticalPath, false);
post({ type: 'ready' });
