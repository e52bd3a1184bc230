// Clicks: a task reveals its line in tasks.md; a closed phase opens; an open phase's title closes
// it; a double-click moves the focus view to a task; Enter or Space on a focused node is a click.
// The toolbar: fit, zoom, critical path, export, and back out to the overview.

import { collapsePhase, expandPhase, focusView } from '../src/core/graphDraw';
import { exportSvg } from './exportSvg';
import { installKeyboard } from './keyboard';
import { byId, canvas, overviewButton, page, post, targetOf } from './page';
import { installPanZoom, takeSuppressedClick } from './panZoom';
import { changeView, overviewTarget } from './render';
import { installTooltip } from './tooltip';

function activate(node: SVGGElement | undefined, cluster: SVGGElement | undefined): void {
  const graph = page.graph;
  if (!graph) return;
  const taskId = node?.getAttribute('data-task-id');
  if (taskId) {
    post({ type: 'reveal', taskId });
    return;
  }
  const phase = Number((node ?? cluster)?.getAttribute('data-phase') ?? NaN);
  if (Number.isNaN(phase)) return;
  if (node) changeView(expandPhase(graph, page.view, phase), true);
  else if (cluster) changeView(collapsePhase(page.view, phase), false);
}

export function installInteraction(): void {
  installPanZoom();
  installTooltip();
  installKeyboard();
  byId('export').addEventListener('click', exportSvg);
  overviewButton.addEventListener('click', () => {
    const target = overviewTarget();
    if (target) changeView(target, true);
  });

  canvas.addEventListener('click', (e) => {
    if (takeSuppressedClick()) return;
    const { node, cluster } = targetOf(e);
    // A cluster closes only from its title bar, not from any click in its empty space.
    const onClusterLabel = cluster !== undefined && e.target instanceof Element && e.target.closest('.cluster-label') !== null;
    activate(node, onClusterLabel ? cluster : undefined);
  });

  canvas.addEventListener('dblclick', (e) => {
    const taskId = targetOf(e).node?.getAttribute('data-task-id');
    if (page.graph && taskId) changeView(focusView(page.graph, taskId), true);
  });

  canvas.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const { node } = targetOf(e);
    if (!node) return;
    e.preventDefault();
    activate(node, undefined);
  });
}
