// The UI pass: what a user sees, clicked through in a real VS Code workbench (the same server as the
// integration tests, Chromium through playwright-core), with a screenshot per step in
// test/integration/screenshots/. Each step is one test: PASS, or FAIL with the reason.
//
//   open specs/text-helpers/tasks.md from the explorer → the "Run group …" CodeLens shows → the Ralph
//   view container lists the tasks → "Run task" on 1.1 (the group depends on it) and its status in
//   the tree goes to the end → "Run group" is clicked → "Ralph 1.2 · …" terminals appear → task
//   1.2's status in the tree changes to a final one. Before the run, by keyboard only: the group
//   line's CodeLens commands (a quick pick) and the tree's rows, with what each is read out as.
//
// The DAG webview, along the way: the "Show DAG" CodeLens opens "DAG · text-helpers" beside the
// editor before the group runs → the group's tasks change colour on the drawing as they run (a
// class swap on the drawn node, not a new drawing) and end succeeded → clicking task 2.3 puts the
// editor's cursor on its line in tasks.md → a window reload brings the panel back (the serializer)
// → a dark colour theme from the command palette reaches the page.
//
// Then a second window (a server of its own, part "claude") whose Ralph runs the REAL Claude Code:
// the pinned CLI (scripts/agent-clis/setup.mjs installs it; missing, the part fails and says so)
// talking to the scripted model server (test/agents/serve.ts, a child process; each answer comes
// after MODEL_DELAY_MS), in a workspace from test/integration/fixtures/claude-workspace with
// `ralph.agent: "claude"`, the extension host's PATH starting with the pinned bin folder and
// Claude Code's HOME in the run folder. "Run task" on its task 1.1 → its terminal, caught mid-run,
// shows transcript lines ("✎ Write src/x.txt"), not raw stream-json → the task succeeds and its
// Tasks tree item shows the cost ("$0.02": Claude Code 2.1.332 prices the scripted usage) or
// tokens ("… tok") → hovering it shows a tooltip with "Used:" and "Agent log:".
//
// The selectors are VS Code 1.139 internals (hence the pinned host version) and are kept tolerant:
// each step logs what it found, so a miss says what was there instead.
//
// Run by scripts/test-integration.mjs after the suites; alone: `node scripts/ui-pass.mjs [demo|claude]`
// (both parts by default; `npm run build` first).
import { existsSync, mkdirSync, readdirSync, rmSync, appendFileSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_WINDOW, REPO, cleanupAll, makeRunDir, makeWorkspace, openBrowser, startModelServer, startServer } from './vscode-host/host.mjs';

export const SHOTS = join(REPO, 'test', 'integration', 'screenshots');
/** The pass's parts, each a window of its own: the demo agent's, and the real Claude Code's. */
export const PARTS = ['demo', 'claude'];

/** @returns {Promise<{title: string, ok: boolean, reason?: string}[]>} */
export async function runUiPass({ dir, parts = PARTS, log = (line) => console.log('  ' + line) }) {
  mkdirSync(dir, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  // Only its own numbered shots: the windows' shots (`<version>-<suite>.png`) stay.
  for (const f of readdirSync(SHOTS)) if (/^\d\d-.*\.png$/.test(f)) rmSync(join(SHOTS, f), { force: true });
  const t0 = Date.now();
  const say = (line) => log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  const steps = [];
  let server;
  let context;
  let page;
  let shotNo = 0;
  const shot = async (name) => {
    const file = `${String(++shotNo).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: join(SHOTS, file) }).catch(() => {});
    return file;
  };
  // A step runs only if the steps it needs passed; a step that did not run is a failure too.
  const step = async (title, needs, fn) => {
    const missing = needs.filter((n) => !steps.find((s) => s.title === n)?.ok);
    if (missing.length) {
      steps.push({ title, ok: false, reason: `not tried: needs "${missing.join('", "')}"` });
      say(`FAIL ${title}: not tried`);
      return;
    }
    try {
      const note = await fn();
      steps.push({ title, ok: true });
      say(`PASS ${title}${note ? ` (${note})` : ''}`);
    } catch (err) {
      const reason = String(err?.message ?? err).split('\n')[0];
      const file = page ? await shot(`FAIL-${title.replace(/\W+/g, '-').slice(0, 40)}`) : undefined;
      steps.push({ title, ok: false, reason: reason + (file ? ` (screenshot ${file})` : '') });
      say(`FAIL ${title}: ${reason}`);
    }
  };

  // Element texts for the log: what was there when a wait gave up.
  const texts = async (locator, attr) =>
    locator.evaluateAll(
      (els, a) => els.map((e) => (a ? e.getAttribute(a) : e.textContent)?.trim()).filter(Boolean),
      attr,
    );

  const OPEN = 'workbench opens the folder with Ralph loaded';
  const EDITOR = 'tasks.md opens from the explorer';
  const LENS = 'CodeLens "Run group …" shows in tasks.md';
  const VIEW = 'Ralph view container lists the tasks';
  const CLICK = 'clicking the CodeLens opens "Ralph <task>" terminals';
  const KEYS = 'by keyboard: the CodeLens commands of a line and the Tasks tree\'s items are reached and read out by their labels';
  const TASK = '"Run task" on 1.1 runs it to the end, seen in the Tasks tree';
  const STATUS = "task 1.2's status changes in the Tasks tree as the group runs";
  const FINAL = /succeeded|failed|done|blocked|cancelled|skipped/i;
  const DAG_OPEN = 'the "Show DAG" CodeLens opens the DAG beside the editor, drawn';
  const DAG_LIVE = 'DAG nodes change colour as the group runs and end succeeded';
  const LENS_AFTER = 'the CodeLens in the editor follows the run: "Run spec" again once it ended';
  const DECORATIONS = 'tasks.md shows each task\'s status after its line and the parallel group as a band';
  const DAG_REVEAL = 'clicking task 2.3 in the DAG puts the cursor on its line in tasks.md';
  const DAG_RELOAD = 'the DAG panel comes back after a window reload';
  const DAG_THEME = 'the DAG follows a switch to a dark colour theme';
  const C_OPEN = 'a window whose Ralph runs the pinned Claude Code (ralph.agent "claude") against the scripted model';
  const C_TERMINAL = '"Run task" on a Claude Code task: its terminal shows readable transcript lines ("✎ Write …") mid-run';
  const C_COST = 'the Claude Code task succeeds and the Tasks tree shows its cost or tokens';
  const C_TOOLTIP = 'hovering the Claude Code task shows a tooltip with "Used:" and "Agent log:"';
  /** The scripted model answers each call after this pause, so the run can be caught mid-way. */
  const MODEL_DELAY_MS = 1500;

  // The workspace's tasks.md is a copy of the demo spec; checking a task off changes one character,
  // so the task ids and their lines are the ones written there.
  const demoLines = readFileSync(join(REPO, 'examples', 'demo-spec', 'tasks.md'), 'utf8').split('\n');
  const TASK_IDS = demoLines.map((l) => /^- \[.\] (\d+\.\d+)\s/.exec(l)?.[1]).filter(Boolean);
  const lineOfTask = (id) => demoLines.findIndex((l) => l.startsWith(`- [ ] ${id} `)) + 1;

  // The Tasks tree, opened before the run so status changes are seen as they happen.
  const tasksView = () => page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: /tasks/i }) }).first();
  const treeItems = () => tasksView().locator('[role=treeitem]');
  const taskItem = (id) => treeItems().filter({ hasText: new RegExp(`(^|\\s)${id.replace('.', '\\.')}\\s`) }).first();
  /** What the tree says about a task: its label, description and aria-label (status lives there). */
  const describeItem = async (item) =>
    item.evaluate((e) =>
      [e.querySelector('.label-name')?.textContent, e.querySelector('.label-description')?.textContent, e.getAttribute('aria-label')]
        .map((s) => (s ?? '').trim())
        .join(' | '),
    );

  /** Opens specs/<spec>/tasks.md from the explorer; resolves once the editor shows `text`. */
  const openTasksMd = async (spec, text) => {
    for (const name of [/^specs\b/, new RegExp(`^${spec}\\b`)]) {
      const item = page.locator('.explorer-folders-view [role=treeitem]').filter({ has: page.locator('.label-name', { hasText: name }) }).first();
      await item.waitFor({ timeout: 20_000 });
      if ((await item.getAttribute('aria-expanded')) !== 'true') await item.click();
    }
    await page.getByRole('treeitem', { name: /^tasks\.md\b/ }).first().click({ timeout: 20_000 });
    await page.locator('.monaco-editor .view-lines', { hasText: text }).first().waitFor({ timeout: 30_000 });
  };

  /** Opens the Ralph view container and expands its tree (spec, phase) until task `id` shows. */
  const showTasksView = async (id) => {
    const icon = page.locator('.activitybar [role=tab], .activitybar .action-item').filter({ has: page.locator('[aria-label^="Ralph"]') }).first();
    const anyRalph = page.locator('.activitybar [aria-label^="Ralph"]').first();
    try {
      await anyRalph.waitFor({ timeout: 30_000 });
    } catch (err) {
      const seen = await texts(page.locator('.activitybar [aria-label]'), 'aria-label');
      throw new Error(`no "Ralph" in the activity bar; seen: ${JSON.stringify(seen)}`, { cause: err });
    }
    await ((await icon.count()) ? icon : anyRalph).click();
    // Expand collapsed nodes (spec, phase) until the task shows.
    for (let i = 0; i < 10 && !(await taskItem(id).isVisible()); i++) {
      const collapsed = treeItems().and(page.locator('[aria-expanded=false]')).first();
      if (await collapsed.count()) await collapsed.click();
      else await taskItem(id).waitFor({ timeout: 2_000 }).catch(() => {});
    }
    try {
      await taskItem(id).waitFor({ timeout: 30_000 });
    } catch (err) {
      const seen = await texts(treeItems(), 'aria-label');
      throw new Error(`no task ${id} in the Tasks view; items seen: ${JSON.stringify(seen)}`, { cause: err });
    }
  };

  /** Drags the sash between the side bar and the editor until the side bar is `width` wide. */
  const widenSidebar = async (width) => {
    const bar = await page.locator('.part.sidebar').boundingBox();
    if (!bar) throw new Error('no side bar to widen');
    const edge = bar.x + bar.width;
    const sash = await page.locator('.monaco-sash.vertical').evaluateAll(
      (els, [x, top, bottom]) =>
        els
          .map((e) => e.getBoundingClientRect())
          .filter((r) => r.width > 0 && Math.abs(r.x + r.width / 2 - x) < 6 && r.y < bottom && r.y + r.height > top)
          .map((r) => ({ x: r.x + r.width / 2, y: Math.max(r.y, top) + (Math.min(r.y + r.height, bottom) - Math.max(r.y, top)) / 2 }))[0],
      [edge, bar.y, bar.y + bar.height],
    );
    if (!sash) throw new Error(`no sash at the side bar's edge (x ${edge})`);
    await page.mouse.move(sash.x, sash.y);
    await page.mouse.down();
    await page.mouse.move(bar.x + width, sash.y, { steps: 8 });
    await page.mouse.up();
    // Off the sash, which stays highlighted under the mouse: onto the side bar's empty bottom.
    await page.mouse.move(bar.x + width / 2, bar.y + bar.height - 10);
    const now = (await page.locator('.part.sidebar').boundingBox())?.width ?? 0;
    if (now < width - 20) throw new Error(`the side bar is ${Math.round(now)} px wide after dragging its edge, not ${width}`);
  };

  /** Watches a task's tree item until its status is final; resolves with the states seen. */
  const watchTask = async (id, from, timeoutMs = 90_000) => {
    const seen = [from];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await describeItem(taskItem(id)).catch(() => '');
      if (now && now !== seen[seen.length - 1]) {
        seen.push(now);
        say(`  task ${id} in the tree: ${now}`);
      }
      // The aria label ends with ", <status text>"; a final one no longer says pending/running.
      if (seen.length > 1 && FINAL.test(now.split(',').pop() ?? '')) return seen;
      if (Date.now() > deadline) throw new Error(`task ${id}'s tree item went ${seen.map((x) => JSON.stringify(x)).join(' → ')} and did not finish in ${timeoutMs / 1000}s`);
      await page.waitForTimeout(250);
    }
  };

  /**
   * Clicks the first of `targets` (a CodeLens, say) that is inside the visible part of the text
   * editor, scrolling the editor with the mouse wheel until one is: Monaco draws only the lines it
   * shows, in a box of its own that Playwright's scrolling does not move. CodeLenses are drawn
   * again whenever the extension refreshes them, so a click that does not land is retried.
   */
  const clickInEditor = async (targets, what) => {
    const monaco = page.locator('.editor-group-container .monaco-editor').first();
    const editor = monaco.locator('.editor-scrollable').first();
    /** The first line number the editor shows: whether a wheel turn moved it. */
    const firstLine = () =>
      monaco.locator('.line-numbers').evaluateAll((els) => Math.min(...els.map((e) => Number(e.textContent) || Infinity)));
    const deadline = Date.now() + 30_000;
    // Which way to look while none is drawn: down first; back up once the end is reached (the
    // CodeLenses may come after the editor was scrolled past them).
    let down = true;
    for (;;) {
      const view = await editor.boundingBox();
      if (!view) throw new Error(`no text editor to find the ${what} in`);
      // Where each one is, and whether a click at its centre would reach it (Monaco keeps
      // CodeLenses of lines it does not show in the DOM, hidden, at the editor's top).
      const spans = await targets.evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          const hit = r.width > 0 && r.height > 0 && e.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
          return [Math.round(r.top), Math.round(r.bottom), hit];
        }),
      );
      const inView = spans.findIndex(([top, bottom, hit]) => hit && top >= view.y && bottom <= view.y + view.height);
      if (inView >= 0 && (await targets.nth(inView).click({ timeout: 2_000 }).then(() => true, () => false))) return;
      if (Date.now() > deadline) throw new Error(`no ${what} to click in the editor (seen at y ${JSON.stringify(spans)}, editor from y ${view.y} to ${view.y + view.height})`);
      if (inView < 0) {
        // Below the editor's bottom, or not drawn yet because it is further down: scroll down.
        const above = spans.length > 0 && spans.every(([, bottom, hit]) => hit && bottom <= view.y);
        const before = await firstLine().catch(() => NaN);
        await page.mouse.move(view.x + view.width / 2, view.y + view.height / 2);
        await page.mouse.wheel(0, above || !down ? -view.height / 3 : view.height / 3);
        await page.waitForTimeout(100);
        if (!above && (await firstLine().catch(() => NaN)) === before) down = !down;
      }
      await page.waitForTimeout(150);
    }
  };

  // The bundled demo agent in the text-helpers workspace.
  if (parts.includes('demo')) {
    try {
      await step(OPEN, [], async () => {
        const workspace = makeWorkspace(join(dir, 'workspace'));
        server = await startServer({
          dir,
          trust: 'trusted',
          ...DEMO_WINDOW,
        });
        ({ context } = await openBrowser(dir));
        page = context.pages()[0];
        page.on('console', (m) => appendFileSync(join(dir, 'window.log'), `[${m.type()}] ${m.text()}\n`));
        // extensionDevelopmentPath only: this repo's extension, no tests.
        await page.goto(server.url(workspace, { extensionDevelopmentPath: server.remote(REPO), skipWelcome: 'true' }));
        await page.getByRole('treeitem', { name: /^specs\b/ }).first().waitFor({ timeout: 120_000 });
        await shot('workbench');
      });

      await step(EDITOR, [OPEN], async () => {
        // Explorer clicks rather than Quick Open: file search needs ripgrep, which code-server's
        // install could not download here.
        await openTasksMd('text-helpers', 'Write the slug helper');
        await shot('tasks-md');
      });

      const lens = () => page.locator('.codelens-decoration a', { hasText: /^\W*Run group/ }).first();
      await step(LENS, [EDITOR], async () => {
        try {
          await lens().waitFor({ timeout: 60_000 });
        } catch (err) {
          const seen = await texts(page.locator('.codelens-decoration a'));
          throw new Error(`no CodeLens starting with "Run group"; CodeLenses seen: ${JSON.stringify(seen)}`, { cause: err });
        }
        await shot('codelens');
        return (await lens().textContent())?.trim();
      });

      let before;
      await step(VIEW, [OPEN], async () => {
        await showTasksView('1.2');
        before = await describeItem(taskItem('1.2'));
        say(`  tree before the run: ${JSON.stringify((await texts(treeItems(), 'aria-label')).slice(0, 12))}`);
        await shot('tasks-view');
        return before;
      });


      // A CodeLens cannot take the focus; VS Code reaches a line's lenses with "Show CodeLens
      // Commands for Current Line", a quick pick whose rows a screen reader reads. The tree's rows
      // are reached with the arrow keys; the focused row's aria-label is what is read out.
      await step(KEYS, [LENS, VIEW], async () => {
        const quickInput = page.locator('.quick-input-widget');
        const input = quickInput.locator('input').first();
        const rows = quickInput.locator('.monaco-list-row');
        const palette = async (text) => {
          await page.keyboard.press('F1');
          await input.waitFor({ timeout: 20_000 });
          await page.keyboard.press('ControlOrMeta+A');
          await page.keyboard.type(text);
        };
        await page.locator('.editor-group-container .tab', { hasText: 'tasks.md' }).first().click();
        // The group's lenses sit on its first task's line (1.2); ":N" in quick open goes to line N.
        await palette(`:${lineOfTask('1.2')}`);
        await page.keyboard.press('Enter');
        await palette('>Show CodeLens Commands for Current Line');
        const command = rows.filter({ hasText: 'Show CodeLens Commands for Current Line' }).first();
        try {
          await command.waitFor({ timeout: 20_000 });
        } catch (err) {
          throw new Error(`no "Show CodeLens Commands for Current Line" command; rows: ${JSON.stringify(await texts(rows, 'aria-label'))}`, { cause: err });
        }
        await page.keyboard.press('Enter');
        const lensRow = rows.filter({ hasText: /Run group \(3 tasks\)/ }).first();
        let lensLabels;
        try {
          await lensRow.waitFor({ timeout: 20_000 });
          lensLabels = await texts(rows, 'aria-label');
        } catch (err) {
          throw new Error(`no "Run group (3 tasks)" among the line's CodeLens commands; rows: ${JSON.stringify(await texts(rows, 'aria-label'))}`, { cause: err });
        }
        // VS Code reads an icon by its name ("run-all  Run group …"); with its screen reader mode on,
        // Ralph's titles have no icons (test/integration/editor.test.ts).
        if (!lensLabels.some((l) => /^([\w~-]+\s+)?Run group \(3 tasks\)$/.test(l))) throw new Error(`the row is not read out as "Run group (3 tasks)": ${JSON.stringify(lensLabels)}`);
        await page.keyboard.press('Escape');

        await palette('>Ralph: Focus on Tasks View');
        await page.keyboard.press('Enter');
        // A list keeps the focus itself and points at its focused row (aria-activedescendant),
        // which is what a screen reader reads.
        const focused = () =>
          page.evaluate(() => {
            const el = document.activeElement;
            const active = el?.getAttribute('aria-activedescendant');
            const row = active ? document.getElementById(active) : el?.closest('[role=treeitem]');
            return row?.getAttribute('aria-label') ?? `(focus on ${el?.tagName} ${el?.className}, active descendant ${active})`;
          });
        const heard = [];
        // Down the tree, opening what is closed, until a task's row has the focus.
        for (let i = 0; i < 12 && !/^Task \d/.test(heard[heard.length - 1] ?? ''); i++) {
          await page.keyboard.press(i % 2 === 0 ? 'ArrowRight' : 'ArrowDown');
          await page.waitForTimeout(150);
          heard.push(await focused());
        }
        const task = heard[heard.length - 1] ?? '';
        if (!/^Task \d+\.\d+ .+, \w/.test(task)) throw new Error(`no task row reached by arrow keys; read out on the way: ${JSON.stringify(heard)}`);
        await shot('keyboard-tree');
        return `CodeLens commands read out: ${lensLabels.join(' | ')}; tree: ${[...new Set(heard)].join(' → ')}`;
      });

      // The group depends on 1.1 (its lines say "blocked by 1.1"), so 1.1 runs first, as a user would:
      // from the "Run task" CodeLens above it.
      await step(TASK, [LENS, VIEW], async () => {
        const runTask = page.locator('.codelens-decoration a', { hasText: /^\W*Run task/ });
        const line = page.locator('.view-line', { hasText: '1.1 Lay out the package' }).first();
        const from = await describeItem(taskItem('1.1'));
        // CodeLenses are drawn again whenever the extension refreshes them (the tree loading, a
        // status change), so find-and-click is retried until a click lands.
        const deadline = Date.now() + 30_000;
        for (let clicked = false; !clicked; ) {
          await runTask.first().waitFor({ timeout: 30_000 });
          const lineY = (await line.boundingBox())?.y;
          // The CodeLens of a line is drawn just above it: the lowest "Run task" above the line.
          const ys = await runTask.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().y));
          const above = lineY === undefined ? undefined : ys.map((y, i) => [y, i]).filter(([y]) => y < lineY).sort((a, b) => b[0] - a[0])[0];
          if (above) clicked = await runTask.nth(above[1]).click({ timeout: 2_000 }).then(() => true, () => false);
          if (!clicked && Date.now() > deadline) {
            throw new Error(`no "Run task" CodeLens to click above task 1.1 (CodeLens y: ${JSON.stringify(ys)}, line y: ${lineY})`);
          }
        }
        const seen = await watchTask('1.1', from);
        await shot('task-1.1-done');
        return seen.map((x) => x.split(',').pop()?.trim() || 'pending').join(' → ');
      });

      // The DAG page: a webview is two nested iframes; the page's nodes are mermaid's `g.node`
      // groups, to which the page adds `task`, `data-task-id` and a `status-<status>` class.
      const dagFrame = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const dagTab = () => page.locator('.tabs-container .tab', { hasText: 'DAG · text-helpers' }).first();
      const dagNode = (id) => dagFrame().locator(`#canvas g.node.task[data-task-id="${id}"]`);
      /** Waits for a drawing (or the page's error box) and checks every task of the spec is on it. */
      const dagDrawn = async (timeout = 60_000) => {
        await dagFrame().locator('#canvas svg g.node.task, #error:not([hidden])').first().waitFor({ timeout });
        const error = dagFrame().locator('#error');
        if (await error.isVisible()) throw new Error(`the DAG page shows an error: ${(await error.textContent())?.trim()}`);
        const drawnIds = await texts(dagFrame().locator('#canvas g.node.task'), 'data-task-id');
        const missing = TASK_IDS.filter((id) => !drawnIds.includes(id));
        if (missing.length) throw new Error(`no node for task(s) ${missing.join(', ')} in the DAG; drawn: ${JSON.stringify(drawnIds)}`);
        return drawnIds;
      };
      /** Task id → its node's status class, e.g. { '1.1': 'succeeded' }. */
      const dagStatuses = async () =>
        Object.fromEntries(
          await dagFrame()
            .locator('#canvas g.node.task')
            .evaluateAll((els) => els.map((e) => [e.getAttribute('data-task-id'), [...e.classList].find((c) => c.startsWith('status-'))?.slice(7)])),
        );
      const statusText = (statuses, ids) => ids.map((id) => `${id} ${statuses[id]}`).join(', ');


      // Opened before the group runs, so its tasks are seen changing colour on the drawing.
      await step(DAG_OPEN, [LENS], async () => {
        const showDag = page.locator('.codelens-decoration a', { hasText: 'Show DAG' });
        const deadline = Date.now() + 30_000;
        while (!(await dagTab().isVisible())) {
          await clickInEditor(showDag, '"Show DAG" CodeLens');
          await dagTab().waitFor({ timeout: 5_000 }).catch(() => {});
          if (!(await dagTab().isVisible()) && Date.now() > deadline) {
            const tabs = await texts(page.locator('.tabs-container .tab'), 'aria-label');
            throw new Error(`no "DAG · text-helpers" tab after clicking "Show DAG"; tabs: ${JSON.stringify(tabs)}`);
          }
        }
        // Beside the editor: a second editor group, tasks.md still in the first.
        const groups = await page.locator('.editor-group-container').evaluateAll((els) =>
          els.map((g) => [...g.querySelectorAll('.tabs-container .tab')].map((t) => t.getAttribute('aria-label') ?? '')),
        );
        const dagGroup = groups.findIndex((tabs) => tabs.some((t) => t.includes('DAG · text-helpers')));
        const mdGroup = groups.findIndex((tabs) => tabs.some((t) => /^tasks\.md\b/.test(t)));
        if (dagGroup < 0 || mdGroup < 0 || dagGroup === mdGroup) throw new Error(`the DAG is not beside tasks.md; editor groups: ${JSON.stringify(groups)}`);
        await dagDrawn();
        const statuses = await dagStatuses();
        // Watch the drawn nodes from here: each status class a node takes, and whether it came as
        // a class swap on a drawing already there (`live`: a status message) or with a new drawing
        // (tasks.md changed, a new plan was drawn). The page draws and decorates a new SVG in one
        // go, so its first classes arrive in the same batch of mutations as the SVG itself.
        await dagFrame()
          .locator('#canvas')
          .evaluate((canvas) => {
            let drawings = 0;
            canvas.querySelector('svg')?.setAttribute('data-ui-pass-drawing', String(drawings));
            const seen = [];
            window.uiPassStatusChanges = seen;
            new MutationObserver((records) => {
              const fresh = new Set();
              for (const r of records) {
                for (const n of r.addedNodes) {
                  if (n instanceof SVGSVGElement) {
                    n.setAttribute('data-ui-pass-drawing', String(++drawings));
                    fresh.add(n);
                  }
                }
              }
              for (const r of records) {
                const g = r.target;
                if (r.type !== 'attributes' || !(g instanceof Element) || !g.matches('g.node.task') || !canvas.contains(g)) continue;
                const change = {
                  id: g.getAttribute('data-task-id'),
                  status: [...g.classList].find((c) => c.startsWith('status-'))?.slice(7),
                  drawing: Number(g.ownerSVGElement?.getAttribute('data-ui-pass-drawing')),
                  live: !fresh.has(g.ownerSVGElement),
                };
                const last = seen.findLast((c) => c.id === change.id);
                if (!last || last.status !== change.status || last.drawing !== change.drawing) seen.push(change);
              }
            }).observe(canvas, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
          });
        await shot('dag-open');
        return `group ${dagGroup + 1} beside tasks.md in group ${mdGroup + 1}; ${TASK_IDS.length} task nodes; ${statusText(statuses, TASK_IDS.slice(0, 5))}`;
      });

      await step(CLICK, [LENS], async () => {
        before = await describeItem(taskItem('1.2')).catch(() => before);
        // With the DAG beside it the editor is narrow, its lines wrap, and the group's CodeLens may be
        // below what the editor shows.
        await clickInEditor(page.locator('.codelens-decoration a', { hasText: /^\W*Run group/ }), '"Run group" CodeLens');
        const panel = page.locator('.part.panel');
        const named = panel.getByText(/Ralph 1\.2\b/).first();
        try {
          await named.waitFor({ timeout: 30_000 });
        } catch (err) {
          const seen = await texts(panel.locator('[aria-label*="erminal"], .terminal-tabs-entry, .monaco-list-row'), 'aria-label');
          throw new Error(`no terminal named "Ralph 1.2 …" in the panel; seen: ${JSON.stringify(seen.slice(0, 12))}`, { cause: err });
        }
        const names = await texts(panel.locator('.monaco-list-row[aria-label*="Ralph"], .terminal-tabs-entry'), 'aria-label');
        await shot('terminals');
        return `terminals: ${names.join('; ') || (await named.textContent())}`;
      });

      await step(STATUS, [VIEW, CLICK], async () => {
        const seen = await watchTask('1.2', before);
        await shot('group-done');
        return seen.map((x) => x.split(',').pop()?.trim() || 'pending').join(' → ');
      });

      await step(DAG_LIVE, [DAG_OPEN, CLICK], async () => {
        const ran = ['1.1', '1.2', '1.3', '1.4'];
        // 1.4 fails its first attempt and is retried: wait for the group to end on the drawing.
        const deadline = Date.now() + 120_000;
        let statuses = await dagStatuses();
        while (!ran.every((id) => statuses[id] === 'succeeded')) {
          if (Date.now() > deadline) throw new Error(`tasks ${ran.join(', ')} did not all end succeeded in the DAG: ${statusText(statuses, ran)}`);
          await page.waitForTimeout(250);
          statuses = await dagStatuses();
        }
        const changes = await dagFrame()
          .locator('#canvas')
          .evaluate(() => window.uiPassStatusChanges ?? []);
        const history = (id) => changes.filter((c) => c.id === id);
        // A status reaches the page as a class swap on the drawn node, without a new drawing: the
        // group's tasks must have changed colour that way, not only with new drawings (which come
        // when tasks.md is checked off).
        const live = ['1.2', '1.3', '1.4'].filter((id) => history(id).some((c) => c.live && c.status !== 'pending'));
        if (!live.length) throw new Error(`no task of the group changed class on a drawing already there; changes seen: ${JSON.stringify(changes)}`);
        const drawings = await dagFrame().locator('body').getAttribute('data-render-count');
        await shot('dag-group-succeeded');
        const describe = (id) => `${id}: ${history(id).map((c) => c.status + (c.live ? '' : '*')).join(' → ') || '(no change)'}`;
        return `${['1.2', '1.3', '1.4'].map(describe).join('; ')} (* = with a new drawing, after tasks.md was checked off; drawings so far: ${drawings}); now ${statusText(statuses, ran)}`;
      });

      await step(LENS_AFTER, [CLICK, DAG_LIVE], async () => {
        // What the editor shows, not what the provider would answer: VS Code re-asks for lenses a
        // little after the provider says they changed.
        const deadline = Date.now() + 30_000;
        let seen = await texts(page.locator('.codelens-decoration a'));
        while (!seen.some((t) => /Run spec/.test(t)) || seen.some((t) => /^\W*Stop\b/.test(t))) {
          if (Date.now() > deadline) throw new Error(`lenses still: ${seen.join(' | ')}`);
          await page.waitForTimeout(250);
          seen = await texts(page.locator('.codelens-decoration a'));
        }
        return seen.filter((t) => /Run spec|Retry/.test(t)).join(' | ');
      });

      await step(DECORATIONS, [CLICK, DAG_LIVE], async () => {
        // Decorations are CSS: the status text is the content of an ::after on a span of the line,
        // the band a whole-line overlay with a left border. Read what the browser computed.
        const read = () =>
          page.evaluate(() => {
            // The editor draws spaces as no-break spaces.
            const textOf = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ');
            const editor = [...document.querySelectorAll('.monaco-editor')].find((e) => /Phase 1: Make It Work|\[P\] Write/.test(textOf(e.querySelector('.view-lines'))));
            if (!editor) return { statuses: [], bands: 0 };
            const statuses = [];
            for (const line of editor.querySelectorAll('.view-line')) {
              const text = textOf(line);
              const task = /\b(\d+\.\d+)\b/.exec(text)?.[1];
              // Injected text (how VS Code draws an `after` decoration today) or an ::after.
              const injected = /[✔✖●◷↻⊘■] [^✔✖●◷↻⊘■]*$/.exec(text)?.[0];
              const after = [...line.querySelectorAll('span')].map((sp) => getComputedStyle(sp, '::after').content).find((c) => c && c !== 'none' && c !== 'normal');
              if (task && (injected || after)) statuses.push(`${task}: ${(injected ?? after ?? '').replace(/^"|"$/g, '')}`);
            }
            const bands = [...editor.querySelectorAll('.view-overlays div')].filter((d) => getComputedStyle(d).borderLeftWidth === '3px' && getComputedStyle(d).borderLeftStyle === 'solid').length;
            return { statuses, bands };
          });
        const deadline = Date.now() + 30_000;
        let seen = await read();
        while (!seen.statuses.some((t) => /succeeded in/.test(t)) || seen.bands === 0) {
          if (Date.now() > deadline) throw new Error(`decorations seen: ${JSON.stringify(seen)}`);
          await page.waitForTimeout(250);
          seen = await read();
        }
        return `${seen.statuses.slice(0, 3).join('; ')}; ${seen.bands} banded line(s) on screen`;
      });

      await step(DAG_REVEAL, [DAG_OPEN], async () => {
        const id = '2.3';
        const line = lineOfTask(id);
        if (line < 1) throw new Error(`examples/demo-spec/tasks.md has no task ${id}`);
        // The task's id is selected, so the cursor (the selection's active end) is at its start or end.
        const col = demoLines[line - 1].indexOf(` ${id} `) + 2;
        const cols = [col, col + id.length];
        const selection = page.locator('.statusbar-item', { hasText: /^\s*Ln \d+, Col \d+/ }).first();
        const before = (await selection.textContent().catch(() => ''))?.trim();
        // A new drawing (tasks.md was checked off a moment ago) can swallow a click that lands as
        // the old one goes: a click that moved nothing after a few seconds is tried again.
        const deadline = Date.now() + 30_000;
        let now = '';
        for (let clickedAt = 0; ; ) {
          if (Date.now() - clickedAt > 5_000) {
            await dagNode(id).click({ timeout: 20_000 });
            clickedAt = Date.now();
          }
          now = ((await selection.textContent().catch(() => '')) ?? '').trim();
          const m = /Ln (\d+), Col (\d+)/.exec(now);
          if (m && Number(m[1]) === line && cols.includes(Number(m[2]))) break;
          if (Date.now() > deadline) throw new Error(`the status bar says "${now}" (before the click: "${before}"), not Ln ${line}, Col ${cols.join(' or ')}`);
          await page.waitForTimeout(250);
        }
        const active = (await page.locator('.editor-group-container.active .tab.active').first().getAttribute('aria-label')) ?? '';
        if (!/^tasks\.md\b/.test(active)) throw new Error(`the active editor is "${active}", not tasks.md`);
        const shown = page.locator('.editor-group-container.active .view-line', { hasText: `${id} [P] Test the slug helper` }).first();
        await shown.waitFor({ timeout: 10_000 });
        await shot('dag-reveal-2.3');
        return `status bar: "${before}" → "${now}" (line ${line} of tasks.md)`;
      });

      await step(DAG_RELOAD, [DAG_OPEN], async () => {
        await page.reload();
        await page.locator('.monaco-workbench').first().waitFor({ timeout: 120_000 });
        try {
          await dagTab().waitFor({ timeout: 120_000 });
        } catch (err) {
          const tabs = await texts(page.locator('.tabs-container .tab'), 'aria-label');
          throw new Error(`no "DAG · text-helpers" tab after the reload; tabs: ${JSON.stringify(tabs)}`, { cause: err });
        }
        await dagDrawn(120_000);
        const statuses = await dagStatuses();
        await shot('dag-after-reload');
        return statusText(statuses, TASK_IDS.slice(0, 5));
      });

      await step(DAG_THEME, [DAG_OPEN], async () => {
        await dagDrawn();
        const body = dagFrame().locator('body');
        const drawingsBefore = Number(await body.getAttribute('data-render-count'));
        const bodyBefore = await body.getAttribute('class');
        // The command palette (F1) from the workbench, not from inside the webview: focus tasks.md's tab.
        await page.locator('.editor-group-container .tab', { hasText: 'tasks.md' }).first().click();
        const quickInput = page.locator('.quick-input-widget');
        const rows = quickInput.locator('.monaco-list-row');
        /** The quick input's row whose label is exactly `label` (the list also holds near namesakes). */
        const row = async (label) => {
          const found = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).first();
          try {
            await found.waitFor({ timeout: 20_000 });
          } catch (err) {
            throw new Error(`no "${label}" in the quick input; rows: ${JSON.stringify(await texts(rows, 'aria-label'))}`, { cause: err });
          }
          return found;
        };
        await page.keyboard.press('F1');
        await quickInput.locator('input').first().waitFor({ timeout: 20_000 });
        await page.keyboard.type('Preferences: Color Theme');
        // Clicked rather than Enter: "Preferences: Browse Color Themes in Marketplace" can be first.
        await (await row('Preferences: Color Theme')).click();
        // The theme picker; "Dark Modern" is the dark counterpart of the default theme.
        await page.keyboard.type('Dark Modern');
        await (await row('Dark Modern')).click();
        await page.locator('.monaco-workbench.vs-dark').first().waitFor({ timeout: 30_000 });
        try {
          await dagFrame().locator('body.vscode-dark').waitFor({ timeout: 30_000 });
        } catch (err) {
          throw new Error(`the workbench is dark but the DAG page's body is "${await body.getAttribute('class')}"`, { cause: err });
        }
        // Mermaid's palette is computed from the theme, so the page draws again; our status classes stay.
        const deadline = Date.now() + 30_000;
        while (Number(await body.getAttribute('data-render-count')) <= drawingsBefore) {
          if (Date.now() > deadline) throw new Error(`the DAG was not drawn again for the dark theme (drawings: ${drawingsBefore})`);
          await page.waitForTimeout(250);
        }
        await dagDrawn();
        const background = await dagFrame()
          .locator('#viewport')
          .evaluate((el) => getComputedStyle(el).backgroundColor);
        const rgb = (background.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
        if (rgb.length < 3 || rgb.reduce((a, b) => a + b, 0) / 3 > 96) throw new Error(`the DAG's background is ${background}, not dark`);
        const statuses = await dagStatuses();
        if (statuses['1.1'] !== 'succeeded' && statuses['1.1'] !== 'done') throw new Error(`task 1.1's node lost its status after the redraw: ${statusText(statuses, ['1.1'])}`);
        await page.waitForTimeout(300); // let the theme's transitions settle for the picture
        await shot('dag-dark');
        return `page body "${bodyBefore}" → "${await body.getAttribute('class')}", background ${background}; ${statusText(statuses, ['1.1', '1.2'])}`;
      });
    } finally {
      await context?.close().catch(() => {});
      await server?.stop();
    }
  }

  // A second window, on a server of its own, whose Ralph runs the real Claude Code: the pinned CLI
  // (scripts/agent-clis/setup.mjs) talking to the scripted model server (test/agents/serve.ts),
  // which answers each call after a pause so the task's terminal can be caught mid-run.
  const claudeDir = join(dir, 'claude');
  let model;
  let claudeWorkspace;
  server = undefined;
  context = undefined;
  page = undefined;
  if (parts.includes('claude')) {
    try {
      await step(C_OPEN, [], async () => {
        model = await startModelServer({ dir: claudeDir, home: join(claudeDir, 'home'), cli: 'claude', delayMs: MODEL_DELAY_MS });
        if (!existsSync(model.bin)) {
          throw new Error(`the pinned Claude Code is not installed (no ${model.bin}); run: node scripts/agent-clis/setup.mjs claude`);
        }
        claudeWorkspace = makeWorkspace(join(claudeDir, 'workspace'), { fixture: 'claude-workspace' });
        server = await startServer({
          dir: claudeDir,
          trust: 'trusted',
          // The extension host inherits this: Ralph finds the pinned `claude` first on PATH, and
          // Claude Code reads its endpoint, key and HOME (inside the run folder) from here.
          env: { ...model.env, PATH: [dirname(model.bin), process.env.PATH].filter(Boolean).join(delimiter) },
          // Not the login shell's environment on top: its PATH would drop the pinned bin folder.
          shellEnv: false,
          settings: {
            'explorer.compactFolders': false,
            'ralph.agent': 'claude',
            'ralph.terminals.keepOpen': 'always',
          },
        });
        ({ context } = await openBrowser(claudeDir));
        page = context.pages()[0];
        page.on('console', (m) => appendFileSync(join(claudeDir, 'window.log'), `[${m.type()}] ${m.text()}\n`));
        await page.goto(server.url(claudeWorkspace, { extensionDevelopmentPath: server.remote(REPO), skipWelcome: 'true' }));
        await page.getByRole('treeitem', { name: /^specs\b/ }).first().waitFor({ timeout: 120_000 });
        await openTasksMd('greetings', 'Write the greeting files');
        await showTasksView('1.1');
        // Wide enough for a task's title, status and cost side by side.
        await widenSidebar(620);
        await shot('claude-workbench');
        return `model server ${model.baseUrl} (answers after ${MODEL_DELAY_MS} ms), claude ${model.bin}`;
      });

      /** The active terminal's rows as the DOM renderer drew them (no-break spaces made plain). */
      const terminalRows = () =>
        page.evaluate(() => {
          const rows = document.querySelector('.part.panel .terminal-wrapper.active .xterm-rows') ?? document.querySelector('.part.panel .xterm-rows');
          return rows ? [...rows.children].map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()) : [];
        });
      const lastRows = (rows) => JSON.stringify(rows.filter(Boolean).slice(-6));
      /** A line of the agent's raw stream-json output, which the terminal must not show. */
      const RAW_JSON = /^\s*\{"(type|session_id|message)"/;

      let claudeFrom;
      await step(C_TERMINAL, [C_OPEN], async () => {
        claudeFrom = await describeItem(taskItem('1.1'));
        await clickInEditor(page.locator('.codelens-decoration a', { hasText: /^\W*Run task/ }), '"Run task" CodeLens');
        const started = Date.now();
        const panel = page.locator('.part.panel');
        try {
          await panel.getByText(/Ralph 1\.1\b/).first().waitFor({ timeout: 30_000 });
        } catch (err) {
          const seen = await texts(panel.locator('[aria-label*="erminal"], .terminal-tabs-entry, .monaco-list-row'), 'aria-label');
          throw new Error(`no terminal named "Ralph 1.1 …" in the panel; seen: ${JSON.stringify(seen.slice(0, 12))}`, { cause: err });
        }
        // Mid-run: a transcript line of a file write while the tree still says "running".
        const deadline = Date.now() + 90_000;
        let rows = [];
        let status = '';
        for (;;) {
          rows = await terminalRows();
          status = await describeItem(taskItem('1.1')).catch(() => '');
          if (rows.some((r) => r.includes('✎ Write'))) break;
          if (FINAL.test(status.split(',').pop() ?? '')) {
            throw new Error(`task 1.1 ended (${status.split(',').pop()?.trim()}) before its terminal showed a "✎ Write" line; the terminal's last rows: ${lastRows(rows)}`);
          }
          if (Date.now() > deadline) throw new Error(`no "✎ Write" line in the terminal after 90s; its last rows: ${lastRows(rows)}; task 1.1: ${status}`);
          await page.waitForTimeout(150);
        }
        await shot('claude-terminal-running');
        const raw = rows.filter((r) => RAW_JSON.test(r));
        if (raw.length) throw new Error(`the terminal shows the agent's raw JSON: ${JSON.stringify(raw.slice(0, 2))}`);
        if (!/running/.test(status.split(',').pop() ?? '')) throw new Error(`the terminal showed "✎ Write" but task 1.1 was no longer running: ${status}`);
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        return `after ${secs}s, task still ${status.split(',').pop()?.trim()}; terminal: ${lastRows(rows)}`;
      });

      await step(C_COST, [C_TERMINAL], async () => {
        const seen = await watchTask('1.1', claudeFrom, 120_000);
        const last = seen[seen.length - 1];
        if (!/succeeded/.test(last.split(',').pop() ?? '')) {
          throw new Error(`task 1.1 ended ${JSON.stringify(last)}; the terminal's last rows: ${lastRows(await terminalRows())}; model server calls: ${model.requests().length}`);
        }
        // The usage arrives with the task's end; the description shows it once the task is not running.
        const deadline = Date.now() + 10_000;
        let description = '';
        for (;;) {
          description = (await taskItem('1.1').locator('.label-description').textContent().catch(() => ''))?.trim() ?? '';
          if (/\$\d|\d tok\b/.test(description)) break;
          if (Date.now() > deadline) throw new Error(`task 1.1 succeeded but its description "${description}" shows no cost ($…) or tokens (… tok)`);
          await page.waitForTimeout(250);
        }
        // Seen, not only in the DOM: the description ends inside the row, not cut off with "…".
        await page.mouse.move(5, 5);
        const clipped = await taskItem('1.1').evaluate((row) => {
          const label = row.querySelector('.monaco-icon-label-container');
          const desc = row.querySelector('.label-description');
          return !label || !desc ? 'no label' : label.scrollWidth > label.clientWidth + 1 || desc.getBoundingClientRect().right > row.getBoundingClientRect().right + 1 ? `label ${label.scrollWidth}px in ${label.clientWidth}px` : '';
        });
        if (clipped) throw new Error(`task 1.1's description "${description}" is cut off in the tree (${clipped})`);
        await shot('claude-tree-cost');
        const written = ['x', 'hello'].map((f) => {
          const file = join(claudeWorkspace, 'src', `${f}.txt`);
          return `src/${f}.txt ${existsSync(file) ? JSON.stringify(readFileSync(file, 'utf8')) : 'not in the workspace'}`;
        });
        return `description "${description}"; ${seen.map((x) => x.split(',').pop()?.trim() || 'pending').join(' → ')}; ${model.requests().length} model calls; ${written.join(', ')}`;
      });

      await step(C_TOOLTIP, [C_COST], async () => {
        const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Used:' }).first();
        const deadline = Date.now() + 20_000;
        while (!(await hover.isVisible())) {
          if (Date.now() > deadline) {
            const shown = await texts(page.locator('.monaco-hover, .workbench-hover'));
            throw new Error(`no tooltip with "Used:" when hovering task 1.1; hovers seen: ${JSON.stringify(shown)}`);
          }
          // Away and back: a hover shows after the mouse rests on the item.
          await page.mouse.move(5, 5);
          await taskItem('1.1').locator('.label-name').hover();
          await hover.waitFor({ timeout: 3_000 }).catch(() => {});
        }
        const text = ((await hover.textContent()) ?? '').replace(/\s+/g, ' ');
        if (!/Agent log:/.test(text)) throw new Error(`the tooltip has "Used:" but no "Agent log:": ${text}`);
        await page.waitForTimeout(200);
        await shot('claude-tree-tooltip');
        return /Used:.*?(?=Agent log:|$)/.exec(text)?.[0].trim();
      });
    } finally {
      await context?.close().catch(() => {});
      await server?.stop();
      await model?.stop();
    }
  }
  return steps;
}

// Alone: its own run folder, the steps, and the closing line.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const parts = process.argv.slice(2);
  const unknown = parts.filter((p) => !PARTS.includes(p));
  if (unknown.length) {
    console.error(`usage: node scripts/ui-pass.mjs [${PARTS.join('|')} …]   (all parts by default; unknown: ${unknown.join(', ')})`);
    process.exit(2);
  }
  let code = 1;
  try {
    const dir = makeRunDir();
    const steps = await runUiPass({ dir: join(dir, 'ui'), parts: parts.length ? parts : PARTS });
    const failed = steps.filter((s) => !s.ok);
    for (const s of failed) console.log(`  FAIL ${s.title}: ${s.reason}`);
    console.log(`\nscreenshots: ${SHOTS}`);
    if (failed.length) console.log(`the run's workspace, profile and logs are kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    console.log(`\n${steps.length - failed.length} passed, ${failed.length} failed`);
    code = failed.length ? 1 : 0;
  } finally {
    await cleanupAll();
  }
  process.exit(code);
}
