// Zoom and pan: a CSS transform on the canvas, never a new layout. The wheel zooms about the
// pointer, a drag pans (and is no click), the buttons zoom about the centre.

import { byId, criticalButton, canvas, page, saveState, viewport } from './page';
import { hideTooltip } from './tooltip';

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;

/** A drag just ended: the click that follows it is not a click on a node. */
let suppressClick = false;

/** True once, for the click that ends a drag. */
export function takeSuppressedClick(): boolean {
  const was = suppressClick;
  suppressClick = false;
  return was;
}

export function applyTransform(): void {
  canvas.style.transform = `translate(${page.panX}px, ${page.panY}px) scale(${page.zoom})`;
}

function zoomAt(factor: number, x: number, y: number): void {
  const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, page.zoom * factor));
  page.panX = x - (x - page.panX) * (next / page.zoom);
  page.panY = y - (y - page.panY) * (next / page.zoom);
  page.zoom = next;
  applyTransform();
  saveState();
}

export function fit(): void {
  const svg = page.svg;
  if (!svg) return;
  const width = Number(svg.getAttribute('width')) || svg.getBoundingClientRect().width / page.zoom;
  const height = Number(svg.getAttribute('height')) || svg.getBoundingClientRect().height / page.zoom;
  const box = viewport.getBoundingClientRect();
  if (width <= 0 || height <= 0 || box.width <= 0 || box.height <= 0) return;
  page.zoom = Math.min(1.5, Math.max(MIN_ZOOM, Math.min(box.width / width, box.height / height) * 0.95));
  page.panX = (box.width - width * page.zoom) / 2;
  page.panY = Math.max(8, (box.height - height * page.zoom) / 2);
  applyTransform();
  saveState();
}

export function centreOn(el: Element): void {
  const box = viewport.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  page.panX += box.left + box.width / 2 - (r.left + r.width / 2);
  page.panY += box.top + box.height / 2 - (r.top + r.height / 2);
  applyTransform();
  saveState();
}

export function setCriticalPath(on: boolean, save = true): void {
  page.showCriticalPath = on;
  viewport.classList.toggle('show-critical', on);
  criticalButton.setAttribute('aria-pressed', String(on));
  if (save) saveState();
}

export function installPanZoom(): void {
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
    page.drag = { x: e.clientX, y: e.clientY, panX: page.panX, panY: page.panY, moved: false, pointerId: e.pointerId };
  });

  viewport.addEventListener('pointermove', (e) => {
    const drag = page.drag;
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
    page.panX = drag.panX + dx;
    page.panY = drag.panY + dy;
    applyTransform();
  });

  const endDrag = (e: PointerEvent): void => {
    const drag = page.drag;
    if (!drag || drag.pointerId !== e.pointerId) return;
    if (drag.moved) {
      suppressClick = true;
      viewport.classList.remove('dragging');
      if (viewport.hasPointerCapture(e.pointerId)) viewport.releasePointerCapture(e.pointerId);
      saveState();
    }
    page.drag = undefined;
  };
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
  criticalButton.addEventListener('click', () => setCriticalPath(!page.showCriticalPath));
}
