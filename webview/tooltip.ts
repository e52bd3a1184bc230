// The tooltip of a node, built with DOM nodes and textContent only: what a task is, and its
// entry as the host's board last sent it (status, attempt, time taken, cost, why it failed).

import { formatDuration, formatMinutes } from '../src/core/duration';
import { canvas, page, targetOf, tooltip } from './page';
import { countsText, phaseCounts, statusOf } from './statuses';

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
    const task = page.nodeById.get(taskId);
    if (!task) return false;
    const state = page.taskStates.get(taskId);
    heading.textContent = `${taskId} ${task.details.title}`;
    tooltip.append(heading);
    const status = statusOf(taskId);
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
    const phase = page.graph?.phases[Number(phaseAttr)];
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

export function hideTooltip(): void {
  tooltip.hidden = true;
}

/** After the hovered task's entry changed: the open tooltip says what it says now. */
export function refreshTooltip(): void {
  if (page.hovered && !tooltip.hidden) fillTooltip(page.hovered);
}

export function installTooltip(): void {
  canvas.addEventListener('pointerover', (e) => {
    if (page.drag?.moved) return;
    const node = targetOf(e).node;
    if (!node || node === page.hovered) return;
    page.hovered = node;
    showTooltip(node, e.clientX, e.clientY);
  });
  canvas.addEventListener('pointerout', (e) => {
    const to = e.relatedTarget instanceof Element ? e.relatedTarget.closest('g.node') : null;
    if (page.hovered && to !== page.hovered) {
      page.hovered = undefined;
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
}
