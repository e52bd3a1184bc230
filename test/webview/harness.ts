/// <reference lib="dom" />
// (The functions handed to page.evaluate run in the browser, hence the DOM types.)
// Drives the DAG page in Debian's headless Chromium the way VS Code would host it: the page's own
// HTML (dagHtml) and CSP, its bundle from media/, a stub `acquireVsCodeApi` that records what the
// page posts, and messages delivered as window message events.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { dagHtml } from '../../src/shared/dagHtml';
import type { DagLayout, HostToWebview, WebviewToHost } from '../../src/shared/protocol';

export const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = process.env.RALPH_CHROMIUM ?? '/usr/bin/chromium';
const BUNDLE = join(ROOT, 'media', 'dag.js');
const STYLE = join(ROOT, 'media', 'dag.css');

export type Theme = 'vscode-light' | 'vscode-dark';

// What VS Code puts on a webview's <html> style for the Light+ and Dark+ themes (a few of them).
const THEME_VARIABLES: Record<Theme, Record<string, string>> = {
  'vscode-light': {
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-editorLineNumber-foreground': '#6e7681',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-font-family': 'system-ui, sans-serif',
  },
  'vscode-dark': {
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-editorLineNumber-foreground': '#6e7681',
    '--vscode-sideBar-background': '#181818',
    '--vscode-font-family': 'system-ui, sans-serif',
  },
};

export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The webview tests need Chromium at ${CHROMIUM} and it is not there. Install it with ` +
        '`apt-get install chromium` (Debian/Ubuntu), or point RALPH_CHROMIUM at a Chromium binary.',
    );
  }
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((newest, name) => {
    const p = join(dir, name);
    const s = statSync(p);
    return Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }, 0);
}

/** Builds media/dag.js when it is missing or older than its sources (running one test file by
 *  hand should not test yesterday's bundle). */
export function ensureBundle(): void {
  const sources = Math.max(
    newestMtime(join(ROOT, 'webview')),
    newestMtime(join(ROOT, 'src', 'shared')),
    // The page bundles a few pure modules of src/core (graph, graphDraw, status, mermaid text, model, durations).
    newestMtime(join(ROOT, 'src', 'core')),
  );
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= sources) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export interface PageOptions {
  readonly theme?: Theme;
  /** `ralph.dag.layout` as the host would put it on the page. */
  readonly layout?: DagLayout;
  /** Extra markup put into the served page, for the CSP test: stands in for anything that might
   *  ever end up in the HTML. */
  readonly injectIntoBody?: string;
  /** What the stub's getState returns at first, as a restored panel would get. */
  readonly savedState?: unknown;
}

export class DagHarness {
  private server: Server | undefined;
  private browser: BrowserContext | undefined;
  private userDataDir: string | undefined;
  private origin = '';
  readonly nonce = randomBytes(18).toString('base64');
  private pageOptions = new Map<string, PageOptions>();
  private nextPage = 0;

  async start(): Promise<void> {
    assertChromium();
    ensureBundle();
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.origin);
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/media/dag.js' || url.pathname === '/media/dag.css') {
        const file = url.pathname.endsWith('.js') ? BUNDLE : STYLE;
        res.writeHead(200, { 'content-type': url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css' });
        res.end(readFileSync(file));
        return;
      }
      const options = this.pageOptions.get(url.searchParams.get('page') ?? '');
      if (url.pathname !== '/' || !options) {
        res.writeHead(404).end();
        return;
      }
      const theme = options.theme ?? 'vscode-light';
      const vars = Object.entries(THEME_VARIABLES[theme])
        .map(([k, v]) => `${k}: ${v};`)
        .join(' ');
      let html = dagHtml({
        cspSource: this.origin,
        nonce: this.nonce,
        scriptUri: `${this.origin}/media/dag.js`,
        styleUri: `${this.origin}/media/dag.css`,
        ...(options.layout ? { layout: options.layout } : {}),
      });
      // As VS Code does: theme variables on <html>, the theme kind as a body class.
      html = html.replace('<html lang="en">', `<html lang="en" style="${vars}">`).replace(/<body( [^>]*)?>/, (_, attrs: string | undefined) => `<body class="${theme}"${attrs ?? ''}>${options.injectIntoBody ?? ''}`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.userDataDir = mkdtempSync(join(tmpdir(), 'ralph-chromium-'));
    // A fresh profile each run: nothing cached or remembered from another run colours a result.
    this.browser = await chromium.launchPersistentContext(this.userDataDir, {
      executablePath: CHROMIUM,
      viewport: { width: 1200, height: 800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (this.userDataDir) rmSync(this.userDataDir, { recursive: true, force: true });
  }

  /** A page with nothing in it and no CSP, for the benchmark's bare mermaid layouts. */
  async blankPage(): Promise<Page> {
    if (!this.browser) throw new Error('DagHarness.start() first');
    return this.browser.newPage();
  }

  /** A fresh page with the stub API, loaded and `ready`. */
  async open(options: PageOptions = {}): Promise<DagPage> {
    if (!this.browser) throw new Error('DagHarness.start() first');
    const key = String(this.nextPage++);
    this.pageOptions.set(key, options);
    const page = await this.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    // A string, not a function: tsx compiles test functions with `__name` helpers that do not
    // exist in the page. The `__name` stand-in lets the evaluate callbacks below run there.
    await page.addInitScript(`
      window.__name = (f) => f;
      window.__posted = [];
      window.__state = ${JSON.stringify(options.savedState ?? null)} ?? undefined;
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample);
      });
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__posted.push(m),
        getState: () => window.__state,
        setState: (s) => { window.__state = s; },
      });
    `);
    await page.goto(`${this.origin}/?page=${key}`);
    const result = new DagPage(page, errors);
    await result.waitForPosted((m) => m.type === 'ready');
    return result;
  }
}

export class DagPage {
  constructor(
    readonly page: Page,
    readonly errors: string[],
  ) {}

  async posted(): Promise<WebviewToHost[]> {
    return (await this.page.evaluate('window.__posted')) as WebviewToHost[];
  }

  async state(): Promise<unknown> {
    return this.page.evaluate('window.__state');
  }

  async violations(): Promise<string[]> {
    return (await this.page.evaluate('window.__violations')) as string[];
  }

  async waitForPosted(match: (m: WebviewToHost) => boolean, timeoutMs = 10_000): Promise<WebviewToHost> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.posted()).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`nothing matching was posted; posted: ${JSON.stringify(await this.posted()).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Delivers a host message as VS Code does: a message event on the window. */
  async send(message: HostToWebview | Record<string, unknown>): Promise<void> {
    await this.page.evaluate((m) => window.postMessage(m, '*'), message);
  }

  async renderCount(): Promise<number> {
    return Number((await this.page.getAttribute('body', 'data-render-count')) ?? '0');
  }

  /** Sends a message and waits until the page has drawn once more. */
  async sendAndDraw(message: HostToWebview, timeoutMs = 20_000): Promise<void> {
    const before = await this.renderCount();
    await this.send(message);
    await this.waitForRender(before + 1, timeoutMs);
  }

  async waitForRender(count: number, timeoutMs = 20_000): Promise<void> {
    await this.page.waitForFunction((n) => Number(document.body.dataset.renderCount ?? '0') >= n || !document.getElementById('error')?.hidden, count, {
      timeout: timeoutMs,
    });
  }

  async errorText(): Promise<string | null> {
    return this.page.evaluate(() => {
      const box = document.getElementById('error');
      return box && !box.hidden ? box.textContent : null;
    });
  }
}
