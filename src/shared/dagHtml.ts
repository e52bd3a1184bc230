// The DAG page's HTML. It holds no data at all, only the URIs of the page's own script and style
// and the nonce: the plan reaches the page by `postMessage` after the page says it is ready, so
// nothing an author wrote can ever be read as markup or script here.
//
// The policy, and why each part is there:
// - `default-src 'none'`: nothing loads unless listed below (no fetch, no frames, no workers).
// - `script-src 'nonce-…'`: only our bundle runs; inline scripts and event handler attributes
//   (which mermaid's sanitizer should already have removed from labels) are refused.
// - `style-src ${cspSource} 'unsafe-inline'`: mermaid 11 needs inline styles and has no nonce
//   option for them. It writes a `<style>` element into every SVG it draws (the theme's rules,
//   without which nodes, edges and labels are unstyled), and its SVG markup carries `style`
//   attributes (the SVG's max-width, label boxes, marker strokes) that the browser only applies
//   when inline styles are allowed. A nonce cannot cover either: the `<style>` element is created
//   by mermaid, and a nonce never applies to attributes. Measured without it: a 20-task drawing
//   raised 3 style-src-elem and 359 style-src-attr violations and drew edges and groups as black
//   filled shapes. Styles cannot run code, so this costs little; scripts stay nonce-only.
// - `img-src ${cspSource} data:` and `font-src ${cspSource}`: our own media and the editor's font.

import { dagLayoutOf, type DagLayout } from './protocol';

export interface DagHtmlOptions {
  /** `webview.cspSource`: where the webview serves local resources from (one or more sources). */
  readonly cspSource: string;
  /** A fresh random value per page load (at least 16 characters of base64 or hex). */
  readonly nonce: string;
  /** `webview.asWebviewUri(media/dag.js)` as a string. */
  readonly scriptUri: string;
  /** `webview.asWebviewUri(media/dag.css)` as a string. */
  readonly styleUri: string;
  /** `ralph.dag.layout`; the page's own layout when absent. */
  readonly layout?: DagLayout;
}

const STATUS_LEGEND: readonly (readonly [string, string])[] = [
  ['pending', 'Pending'],
  ['queued', 'Queued'],
  ['running', 'Running'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['blocked', 'Blocked'],
  ['done', 'Done'],
];

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** VS Code's `cspSource` is one or more source expressions, e.g. `'self' https://*.vscode-cdn.net`. */
function isSourceList(value: string): boolean {
  const sources = value.trim().split(/ +/);
  return value.trim() !== '' && sources.every((s) => s === "'self'" || /^[A-Za-z0-9*][^\s;,'"<>]*$/.test(s));
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function dagHtml(options: DagHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  const layout = dagLayoutOf(options.layout);
  // A value that could end a directive or an attribute would let the caller widen the policy by
  // accident; these come from VS Code and our own nonce maker, so anything else is a bug.
  if (!/^[A-Za-z0-9+/_=-]{16,}$/.test(nonce)) throw new Error(`dagHtml: the nonce must be 16 or more base64/hex characters, got ${JSON.stringify(nonce)}`);
  if (!isSourceList(cspSource)) throw new Error(`dagHtml: cspSource must be a list of CSP source expressions, got ${JSON.stringify(cspSource)}`);
  const legend = STATUS_LEGEND.map(([status, label]) => `<li class="legend-item status-${status}"><span class="swatch"></span>${label}</li>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(styleUri)}">
<title>Ralph: task graph</title>
</head>
<body data-layout="${layout}">
<div id="toolbar" role="toolbar" aria-label="Task graph">
<button id="fit" type="button" title="Fit the graph to the window">Fit</button>
<button id="zoom-in" type="button" title="Zoom in" aria-label="Zoom in">+</button>
<button id="zoom-out" type="button" title="Zoom out" aria-label="Zoom out">&minus;</button>
<button id="critical" type="button" aria-pressed="false" title="Highlight the critical path">Critical path</button>
<button id="overview" type="button" hidden></button>
<button id="export" type="button" title="Export the graph as SVG">Export SVG</button>
<span id="summary" aria-live="polite"></span>
<ul id="legend" aria-label="Status colours">${legend}</ul>
</div>
<div id="notice" role="status" hidden></div>
<div id="error" role="alert" hidden></div>
<div id="viewport" tabindex="-1"><div id="canvas"></div></div>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${attribute(nonce)}" src="${attribute(scriptUri)}"></script>
</body>
</html>
`;
}
