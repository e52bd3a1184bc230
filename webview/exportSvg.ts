// Export: a standalone SVG with our status colours written onto the elements, because the
// page's stylesheet does not travel with the file.

import { page, post, viewport } from './page';
import { showError } from './render';

const PAINTED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity'] as const;

export function exportSvg(): void {
  const svg = page.svg;
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
