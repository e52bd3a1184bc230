// Keyboard access to the drawn graph. The graph is one stop in the page's tab order (a roving
// tabindex: the node last moved to has tabindex 0, every other -1), so Tab enters the graph on
// that node and the next Tab leaves it. Inside, the arrow keys move in reading order of the
// drawing: Left/Right to the previous/next node (row by row), Up/Down to the nearest node in the
// row above/below, Home/End to the first/last node. Enter or Space is a click (interaction.ts).
// A node moved to out of sight is centred. Each node's label (role, id, title, status) is set
// by render.ts and statuses.ts with setAttribute, never as markup.

import { canvas } from './page';
import { centreOn } from './panZoom';

/** The drawn nodes in reading order, as rows (top to bottom, each left to right). */
let rows: SVGGElement[][] = [];
let order: SVGGElement[] = [];
/** The task or phase the roving tabindex is on, kept across drawings of the same graph. */
let currentKey: string | undefined;
/** Each node's drawn centre, across. */
let positions = new Map<SVGGElement, number>();

function keyOf(el: Element): string | undefined {
  const task = el.getAttribute('data-task-id');
  if (task !== null) return `task:${task}`;
  const phase = el.getAttribute('data-phase');
  if (phase !== null) return `phase:${phase}`;
  return el.id === '' ? undefined : `id:${el.id.replace(/^.*-flowchart-/, '')}`;
}

/** After a drawing: sorts the nodes into rows by where they were drawn and puts the tab stop on
 *  the node that had it (or the current task, or the first node). */
export function indexNodes(preferredTaskId?: string): void {
  const nodes = [...canvas.querySelectorAll<SVGGElement>('svg g.node[tabindex]')];
  const placed = nodes.map((el) => {
    const r = el.getBoundingClientRect();
    return { el, x: r.left + r.width / 2, y: r.top + r.height / 2, h: r.height };
  });
  placed.sort((a, b) => a.y - b.y || a.x - b.x);
  rows = [];
  let rowY = Number.NEGATIVE_INFINITY;
  let rowH = 0;
  for (const p of placed) {
    // A node whose centre is within half a node's height of the row's first belongs to it.
    if (rows.length === 0 || p.y - rowY > Math.max(rowH, p.h) / 2) {
      rows.push([]);
      rowY = p.y;
      rowH = p.h;
    }
    rows[rows.length - 1]?.push(p.el);
  }
  const xOf = new Map(placed.map((p) => [p.el, p.x]));
  for (const row of rows) row.sort((a, b) => (xOf.get(a) ?? 0) - (xOf.get(b) ?? 0));
  order = rows.flat();
  positions = xOf;
  const byKey = new Map(order.map((el) => [keyOf(el), el]));
  const start =
    (currentKey !== undefined ? byKey.get(currentKey) : undefined) ??
    (preferredTaskId !== undefined ? byKey.get(`task:${preferredTaskId}`) : undefined) ??
    order[0];
  for (const el of order) el.setAttribute('tabindex', el === start ? '0' : '-1');
  if (start) currentKey = keyOf(start);
}

/** The graph's tab stop moves to `el` and it takes the focus, centred if out of sight. */
/** Puts the focus back on the graph's tab stop (after a drawing replaced the focused node). */
export function focusTabStop(): void {
  const stop = order.find((el) => el.getAttribute('tabindex') === '0');
  if (stop) moveTo(stop);
}

export function moveTo(el: SVGGElement): void {
  for (const other of order) if (other !== el && other.getAttribute('tabindex') === '0') other.setAttribute('tabindex', '-1');
  el.setAttribute('tabindex', '0');
  currentKey = keyOf(el);
  el.focus({ preventScroll: true });
  const box = canvas.parentElement?.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  if (box && (r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom)) centreOn(el);
}

function rowOf(el: SVGGElement): number {
  return rows.findIndex((row) => row.includes(el));
}

function nearestIn(row: SVGGElement[] | undefined, x: number): SVGGElement | undefined {
  let best: SVGGElement | undefined;
  for (const el of row ?? []) if (!best || Math.abs((positions.get(el) ?? 0) - x) < Math.abs((positions.get(best) ?? 0) - x)) best = el;
  return best;
}

/** Where a key moves from `from`; undefined for a key that is not a move. */
export function target(from: SVGGElement, key: string): SVGGElement | undefined {
  const i = order.indexOf(from);
  if (i < 0) return undefined;
  switch (key) {
    case 'ArrowRight':
      return order[Math.min(order.length - 1, i + 1)];
    case 'ArrowLeft':
      return order[Math.max(0, i - 1)];
    case 'ArrowDown':
    case 'ArrowUp': {
      const r = rowOf(from) + (key === 'ArrowDown' ? 1 : -1);
      return nearestIn(rows[r], positions.get(from) ?? 0) ?? from;
    }
    case 'Home':
      return order[0];
    case 'End':
      return order[order.length - 1];
    default:
      return undefined;
  }
}

export function installKeyboard(): void {
  canvas.addEventListener('keydown', (e) => {
    const from = e.target instanceof Element ? e.target.closest<SVGGElement>('g.node[tabindex]') : null;
    if (!from || e.altKey || e.ctrlKey || e.metaKey) return;
    const next = target(from, e.key);
    if (!next) return;
    e.preventDefault();
    moveTo(next);
  });
  // A click also moves the tab stop, so Tab comes back to the node last used.
  canvas.addEventListener('focusin', (e) => {
    const node = e.target instanceof Element ? e.target.closest<SVGGElement>('g.node[tabindex]') : null;
    if (node && node.getAttribute('tabindex') !== '0') {
      for (const other of order) if (other.getAttribute('tabindex') === '0') other.setAttribute('tabindex', '-1');
      node.setAttribute('tabindex', '0');
      currentKey = keyOf(node);
    }
  });
}

/** For a new spec: the tab stop starts again from the current task. */
export function forgetPosition(): void {
  currentKey = undefined;
}
