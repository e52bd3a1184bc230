// The DAG webview ⇄ extension host protocol: the only shapes that cross `postMessage`, imported by
// both sides so a message that one side sends and the other does not understand fails to compile.
// The graph itself is core's plain-data DagGraph; importing its type costs the page nothing at
// run time (type imports are erased).
//
// The handshake: the page posts `ready` once it listens; the host posts nothing before that, then
// `plan`, then any number of `status` messages. A `plan` replaces everything; a `status` changes
// node classes only and never draws again.

import type { DagGraph, DagStatusUpdate } from '../core/graph';
import type { DagView } from '../core/graphDraw';
import { TASK_STATUSES, type TaskStatus } from '../core/status';

export type { DagGraph, TaskStatus, DagStatusUpdate, DagView };

/** How the DAG page lays a graph out (`ralph.dag.layout`): its own layered layout, or mermaid's
 *  dagre. The host puts it on the page's <body data-layout>; a change reloads the page. */
export const DAG_LAYOUTS = ['ralph', 'dagre'] as const;
export type DagLayout = (typeof DAG_LAYOUTS)[number];

export function dagLayoutOf(value: unknown): DagLayout {
  return (DAG_LAYOUTS as readonly unknown[]).includes(value) ? (value as DagLayout) : 'ralph';
}

export type HostToWebview =
  | { readonly type: 'plan'; readonly graph: DagGraph }
  | { readonly type: 'status'; readonly updates: readonly DagStatusUpdate[] }
  /** Show this task: centre it, or open the view that holds it. */
  | { readonly type: 'focus'; readonly taskId: string };

export type WebviewToHost =
  /** `layout`: how this page lays graphs out, as it read it from the host's HTML. */
  | { readonly type: 'ready'; readonly layout: DagLayout }
  /** The user clicked a task: open tasks.md at its line. */
  | { readonly type: 'reveal'; readonly taskId: string }
  /** The drawing as a standalone SVG document, for the host to save. */
  | { readonly type: 'exportSvg'; readonly svg: string }
  /** Something went wrong in the page (a drawing mermaid refused, a bad message), for the log. */
  | { readonly type: 'error'; readonly message: string };

/** What the page keeps through `vscode.setState`, so a hidden and restored panel (or a window
 *  reload, through the serializer) comes back as the user left it. */
export interface DagPageState {
  readonly version: 1;
  /** The spec the view belongs to: a view is restored only onto a plan of the same spec. */
  readonly specPath?: string;
  readonly view?: DagView;
  readonly zoom: number;
  readonly panX: number;
  readonly panY: number;
  readonly showCriticalPath: boolean;
}

/** The part of `acquireVsCodeApi()` the page uses, typed by the protocol. */
export interface WebviewApi {
  postMessage(message: WebviewToHost): void;
  getState(): DagPageState | undefined;
  setState(state: DagPageState): void;
}

const STATUSES: ReadonlySet<string> = new Set<string>(TASK_STATUSES);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStatusUpdate(value: unknown): value is DagStatusUpdate {
  return (
    isRecord(value) &&
    typeof value.taskId === 'string' &&
    typeof value.status === 'string' &&
    STATUSES.has(value.status) &&
    (value.reason === undefined || typeof value.reason === 'string') &&
    (value.durationMs === undefined || typeof value.durationMs === 'number') &&
    (value.attempt === undefined || typeof value.attempt === 'number') &&
    (value.usage === undefined || typeof value.usage === 'string')
  );
}

function isGraph(value: unknown): value is DagGraph {
  return (
    isRecord(value) &&
    typeof value.specPath === 'string' &&
    Array.isArray(value.nodes) &&
    value.nodes.every((n) => isRecord(n) && typeof n.id === 'string' && typeof n.mermaidId === 'string' && typeof n.shortTitle === 'string' && typeof n.status === 'string' && STATUSES.has(n.status) && isRecord(n.details)) &&
    Array.isArray(value.edges) &&
    value.edges.every((e) => isRecord(e) && typeof e.from === 'string' && typeof e.to === 'string') &&
    Array.isArray(value.conflicts) &&
    Array.isArray(value.criticalPath) &&
    Array.isArray(value.phases) &&
    Array.isArray(value.groups)
  );
}

/** Checks a message event's data before the page acts on it: a shape the page does not know
 *  (a host of another version, a bug) is reported to the host, never half applied. */
export function isHostToWebview(value: unknown): value is HostToWebview {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'plan':
      return isGraph(value.graph);
    case 'status':
      return Array.isArray(value.updates) && value.updates.every(isStatusUpdate);
    case 'focus':
      return typeof value.taskId === 'string';
    default:
      return false;
  }
}

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'ready':
      return (DAG_LAYOUTS as readonly unknown[]).includes(value.layout);
    case 'reveal':
      return typeof value.taskId === 'string';
    case 'exportSvg':
      return typeof value.svg === 'string';
    case 'error':
      return typeof value.message === 'string';
    default:
      return false;
  }
}
