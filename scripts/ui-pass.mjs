// The UI pass: what a user sees, clicked through in a real VS Code workbench (the same server as the
// integration tests, Chromium through playwright-core), with a screenshot per step in
// test/integration/screenshots/. Each step is one test: PASS, or FAIL with the reason.
//
//   open specs/text-helpers/tasks.md from the explorer → the "Run group …" CodeLens shows → the Ralph
//   view container lists the tasks → "Run task" on 1.1 (the group depends on it) and its status in
//   the tree goes to the end → "Run group" is clicked → "Ralph 1.2 · …" terminals appear → task
//   1.2's status in the tree changes to a final one.
//
// The selectors are VS Code 1.139 internals (hence the pinned host version) and are kept tolerant:
// each step logs what it found, so a miss says what was there instead.
//
// Run by scripts/test-integration.mjs after the suites; alone: `node scripts/ui-pass.mjs`.
import { mkdirSync, rmSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, cleanupAll, makeRunDir, makeWorkspace, openBrowser, startServer } from './vscode-host/host.mjs';

export const SHOTS = join(REPO, 'test', 'integration', 'screenshots');

/** @returns {Promise<{title: string, ok: boolean, reason?: string}[]>} */
export async function runUiPass({ dir, log = (line) => console.log('  ' + line) }) {
  mkdirSync(dir, { recursive: true });
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
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
  const TASK = '"Run task" on 1.1 runs it to the end, seen in the Tasks tree';
  const STATUS = "task 1.2's status changes in the Tasks tree as the group runs";
  const FINAL = /succeeded|failed|done|blocked|cancelled|skipped/i;

  try {
    await step(OPEN, [], async () => {
      const workspace = makeWorkspace(join(dir, 'workspace'));
      server = await startServer({
        dir,
        trust: 'trusted',
        // Slow enough that running tasks can be seen, fast enough to finish in a few seconds.
        env: { RALPH_DEMO_SPEED: '1' },
        settings: {
          'explorer.compactFolders': false,
          // Terminals stay after their task ends, so they can be seen and photographed.
          'ralph.terminals.keepOpen': 'always',
        },
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
      for (const name of [/^specs\b/, /^text-helpers\b/]) {
        const item = page.locator('.explorer-folders-view [role=treeitem]').filter({ has: page.locator('.label-name', { hasText: name }) }).first();
        await item.waitFor({ timeout: 20_000 });
        if ((await item.getAttribute('aria-expanded')) !== 'true') await item.click();
      }
      await page.getByRole('treeitem', { name: /^tasks\.md\b/ }).first().click({ timeout: 20_000 });
      await page.locator('.monaco-editor .view-lines', { hasText: 'Write the slug helper' }).first().waitFor({ timeout: 30_000 });
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
    let before;
    await step(VIEW, [OPEN], async () => {
      const icon = page.locator('.activitybar [role=tab], .activitybar .action-item').filter({ has: page.locator('[aria-label^="Ralph"]') }).first();
      const anyRalph = page.locator('.activitybar [aria-label^="Ralph"]').first();
      try {
        await anyRalph.waitFor({ timeout: 30_000 });
      } catch (err) {
        const seen = await texts(page.locator('.activitybar [aria-label]'), 'aria-label');
        throw new Error(`no "Ralph" in the activity bar; seen: ${JSON.stringify(seen)}`, { cause: err });
      }
      await ((await icon.count()) ? icon : anyRalph).click();
      // Expand collapsed nodes (spec, phase) until task 1.2 shows.
      for (let i = 0; i < 10 && !(await taskItem('1.2').isVisible()); i++) {
        const collapsed = treeItems().and(page.locator('[aria-expanded=false]')).first();
        if (await collapsed.count()) await collapsed.click();
        else await taskItem('1.2').waitFor({ timeout: 2_000 }).catch(() => {});
      }
      try {
        await taskItem('1.2').waitFor({ timeout: 30_000 });
      } catch (err) {
        const seen = await texts(treeItems(), 'aria-label');
        throw new Error(`no task 1.2 in the Tasks view; items seen: ${JSON.stringify(seen)}`, { cause: err });
      }
      before = await describeItem(taskItem('1.2'));
      say(`  tree before the run: ${JSON.stringify((await texts(treeItems(), 'aria-label')).slice(0, 12))}`);
      await shot('tasks-view');
      return before;
    });

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

    await step(CLICK, [LENS], async () => {
      before = await describeItem(taskItem('1.2')).catch(() => before);
      await lens().click();
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
  } finally {
    await context?.close().catch(() => {});
    await server?.stop();
  }
  return steps;
}

// Alone: its own run folder, the steps, and the closing line.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let code = 1;
  try {
    const dir = makeRunDir();
    const steps = await runUiPass({ dir: join(dir, 'ui') });
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
