// The DAG page's HTML and the webview protocol's message checks.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildDagGraph } from '../../src/core/graph';
import { planSpec } from '../../src/core/plan/index';
import { contentSecurityPolicy, dagHtml } from '../../src/shared/dagHtml';
import { isHostToWebview, isWebviewToHost } from '../../src/shared/protocol';
import { spec, task } from './builders';

const OPTIONS = {
  cspSource: "'self' https://*.vscode-cdn.net",
  nonce: 'Zm9vYmFyYmF6cXV4MTIzNDU2',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dag.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dag.css',
};

describe('dagHtml', () => {
  it('holds the policy, our script by nonce and our style, and nothing else that loads or runs', () => {
    const html = dagHtml(OPTIONS);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.equal(
      csp,
      "default-src 'none'; img-src 'self' https://*.vscode-cdn.net data:; style-src 'self' https://*.vscode-cdn.net 'unsafe-inline'; script-src 'nonce-Zm9vYmFyYmF6cXV4MTIzNDU2'; font-src 'self' https://*.vscode-cdn.net",
      html,
    );
    assert.equal(csp, contentSecurityPolicy(OPTIONS.cspSource, OPTIONS.nonce));
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts, [`<script nonce="${OPTIONS.nonce}" src="${OPTIONS.scriptUri}">`], JSON.stringify(scripts));
    const loads = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(loads, [OPTIONS.styleUri, OPTIONS.scriptUri], JSON.stringify(loads));
    assert.doesNotMatch(html, /\son\w+=/, 'no inline handlers');
    assert.doesNotMatch(html, /<style/, 'no inline style element');
  });

  it('tells the page its layout (ralph.dag.layout): its own unless dagre is asked for, never anything else', () => {
    assert.match(dagHtml(OPTIONS), /<body data-layout="ralph">/);
    assert.match(dagHtml({ ...OPTIONS, layout: 'dagre' }), /<body data-layout="dagre">/);
    assert.match(dagHtml({ ...OPTIONS, layout: '"><script>' as never }), /<body data-layout="ralph">/);
  });

  it('escapes the URIs into attributes and refuses a nonce or source list that could widen the policy', () => {
    const html = dagHtml({ ...OPTIONS, scriptUri: 'https://x/a.js?"><script>alert(1)</script>' });
    assert.ok(html.includes('src="https://x/a.js?&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'), html);
    assert.throws(() => dagHtml({ ...OPTIONS, nonce: 'short' }), /nonce must be 16 or more/);
    assert.throws(() => dagHtml({ ...OPTIONS, nonce: "abcdefghijklmnopq' 'unsafe-inline" }), /nonce/);
    assert.throws(() => dagHtml({ ...OPTIONS, cspSource: "https://a; script-src 'unsafe-inline'" }), /cspSource must be a list of CSP source expressions/);
    assert.throws(() => dagHtml({ ...OPTIONS, cspSource: '' }), /cspSource/);
  });
});

describe('webview protocol checks', () => {
  const graph = buildDagGraph(planSpec(spec([task('1'), task('2')])));

  it('accepts every message the host sends and refuses malformed ones', () => {
    const good: unknown[] = [
      { type: 'plan', graph },
      { type: 'plan', graph: JSON.parse(JSON.stringify(graph)) },
      { type: 'status', updates: [] },
      { type: 'status', updates: [{ taskId: '1', status: 'failed', reason: 'exit 1', durationMs: 3, attempt: 2 }] },
      { type: 'focus', taskId: '2' },
    ];
    for (const m of good) assert.ok(isHostToWebview(m), JSON.stringify(m).slice(0, 200));
    const bad: unknown[] = [
      null,
      'plan',
      [],
      { type: 'plan' },
      { type: 'plan', graph: { ...graph, nodes: [{ id: '1' }] } },
      { type: 'status', updates: [{ taskId: '1', status: 'exploded' }] },
      { type: 'status', updates: [{ taskId: 1, status: 'failed' }] },
      { type: 'status', updates: [{ taskId: '1', status: 'failed', durationMs: '3' }] },
      { type: 'focus' },
      { type: 'reveal', taskId: '1' },
    ];
    for (const m of bad) assert.equal(isHostToWebview(m), false, JSON.stringify(m)?.slice(0, 200));
  });

  it('accepts every message the page sends and refuses malformed ones', () => {
    for (const m of [{ type: 'ready', layout: 'ralph' }, { type: 'ready', layout: 'dagre' }, { type: 'reveal', taskId: '1.2' }, { type: 'exportSvg', svg: '<svg/>' }, { type: 'error', message: 'x' }]) {
      assert.ok(isWebviewToHost(m), JSON.stringify(m));
    }
    for (const m of [{}, { type: 'ready' }, { type: 'ready', layout: 'elk' }, { type: 'reveal' }, { type: 'exportSvg', svg: 1 }, { type: 'plan', graph }, undefined]) {
      assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
    }
  });
});

describe('the page bundle', () => {
  it('holds the page, src/shared and only the pure graph code of src/core, no Node module', async function () {
    this.timeout(30_000);
    const root = join(__dirname, '..', '..');
    const result = await build({
      entryPoints: [join(root, 'webview', 'dag.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    const ours = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
    assert.deepEqual(
      ours.sort(),
      [
        'src/core/duration.ts',
        'src/core/graph.ts',
        'src/core/graphDraw.ts',
        'src/core/mermaidSyntax.ts',
        'src/core/model.ts',
        'src/core/status.ts',
        'src/shared/protocol.ts',
        'webview/dag.ts',
        'webview/exportSvg.ts',
        'webview/interaction.ts',
        'webview/keyboard.ts',
        'webview/layout/compaction.ts',
        'webview/layout/layered.ts',
        'webview/layout/mermaidLayout.ts',
        'webview/layout/ordering.ts',
        'webview/layout/ranking.ts',
        'webview/page.ts',
        'webview/panZoom.ts',
        'webview/render.ts',
        'webview/statuses.ts',
        'webview/theme.ts',
        'webview/tooltip.ts',
      ],
      JSON.stringify(ours),
    );
    const builtins = Object.keys(result.metafile.inputs).filter((f) => /^(node:|fs$|child_process$)/.test(f));
    assert.deepEqual(builtins, [], JSON.stringify(builtins));
  });
});
