// The page's state and its handles on the host and the DOM, shared by the page's modules: what
// is drawn, the view, the zoom, and each task's status entry as the host last sent it.

import type { DagDrawing, DagView } from '../src/core/graphDraw';
import type { DagGraph, DagNode, DagStatusUpdate } from '../src/core/graph';
import type { DagPageState, WebviewApi, WebviewToHost } from '../src/shared/protocol';

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

export const api: WebviewApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : standaloneApi();
export const post = (message: WebviewToHost): void => api.postMessage(message);

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el as T;
}

export const viewport = byId<HTMLDivElement>('viewport');
export const canvas = byId<HTMLDivElement>('canvas');
export const tooltip = byId<HTMLDivElement>('tooltip');
export const noticeBox = byId<HTMLDivElement>('notice');
export const errorBox = byId<HTMLDivElement>('error');
export const summary = byId<HTMLSpanElement>('summary');
export const overviewButton = byId<HTMLButtonElement>('overview');
export const criticalButton = byId<HTMLButtonElement>('critical');

/** A task's entry as the host's RunBoard has it: the page replaces it whole, never merges. */
export type TaskState = Omit<DagStatusUpdate, 'taskId'>;

export interface PageState {
  graph: DagGraph | undefined;
  nodeById: Map<string, DagNode>;
  readonly taskStates: Map<string, TaskState>;
  view: DagView;
  drawing: DagDrawing | undefined;
  svg: SVGSVGElement | undefined;
  /** The drawn element of each task and of each collapsed phase, for status changes. */
  taskElements: Map<string, SVGGElement>;
  phaseElements: Map<number, SVGGElement>;
  zoom: number;
  panX: number;
  panY: number;
  showCriticalPath: boolean;
  renderCount: number;
  renderSeq: number;
  themeKey: string;
  /** The node under the pointer, whose tooltip shows. */
  hovered: SVGGElement | undefined;
  /** A pan in progress: the pointer went down on the viewport. */
  drag: { x: number; y: number; panX: number; panY: number; moved: boolean; pointerId: number } | undefined;
  /** What a restored panel left behind; applied when the first plan shows which spec this is. */
  restored: DagPageState | undefined;
}

export const page: PageState = {
  graph: undefined,
  nodeById: new Map(),
  taskStates: new Map(),
  view: { kind: 'full' },
  drawing: undefined,
  svg: undefined,
  taskElements: new Map(),
  phaseElements: new Map(),
  zoom: 1,
  panX: 0,
  panY: 0,
  showCriticalPath: false,
  renderCount: 0,
  renderSeq: 0,
  themeKey: '',
  hovered: undefined,
  drag: undefined,
  restored: undefined,
};

export function saveState(): void {
  api.setState({
    version: 1,
    ...(page.graph ? { specPath: page.graph.specPath } : {}),
    view: page.view,
    zoom: page.zoom,
    panX: page.panX,
    panY: page.panY,
    showCriticalPath: page.showCriticalPath,
  });
}

/** The drawn node or the open phase's box an event happened on. */
export function targetOf(e: Event): { node?: SVGGElement; cluster?: SVGGElement } {
  const t = e.target instanceof Element ? e.target : undefined;
  const node = t?.closest<SVGGElement>('g.node') ?? undefined;
  const cluster = node ? undefined : (t?.closest<SVGGElement>('g.phase-cluster') ?? undefined);
  return { ...(node ? { node } : {}), ...(cluster ? { cluster } : {}) };
}
