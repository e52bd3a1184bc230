// The Marketplace page's pictures (README.md shows them; media/marketplace/ holds them): a real VS
// Code workbench (the UI pass's server and Chromium, scripts/vscode-host/host.mjs) with the demo
// spec open and the bundled demo agent, photographed at the moments a new user should see.
//
//   tasks-md.png   tasks.md in the editor: the CodeLenses ("Run group …", "Show DAG"), the parallel
//                  group's band and a finished task's status after its line; the Tasks tree beside.
//   group-run.png  the Tasks tree and the DAG beside tasks.md while "Run group" runs: running tasks
//                  in the tree and coloured on the drawing, their "Ralph <task>" terminals below.
//   walkthrough.png  "Get started with Ralph" (Welcome: Open Walkthrough…).
//   group-run.gif  the window every ~300 ms from the "Run group" click to the group's end, 900 px
//                  wide: a frame repeats only what changed (the rest transparent), so it stays small.
//
// `npm run build` first, then `node scripts/marketplace-shots.mjs` (about a minute; the VS Code host
// of `bash scripts/vscode-host/setup.sh`, or RALPH_VSCODE_HOSTS=<folder holding host/>). The GIF is
// encoded with gifenc (a devDependency); the PNG frames are decoded and scaled by the same Chromium.
import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import gifenc from 'gifenc';
import { DEMO_WINDOW, REPO, cleanupAll, makeRunDir, makeWorkspace, openBrowser, startServer } from './vscode-host/host.mjs';

const { GIFEncoder, quantize, applyPalette } = gifenc;
export const OUT = join(REPO, 'media', 'marketplace');
const VIEWPORT = { width: 1400, height: 860 };
const GIF_WIDTH = 900;
const FRAME_MS = 300;

async function main() {
  const dir = makeRunDir();
  mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  const say = (line) => console.log(`  [${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

  const workspace = makeWorkspace(join(dir, 'workspace'));
  const server = await startServer({
    dir,
    trust: 'trusted',
    env: DEMO_WINDOW.env,
    settings: {
      ...DEMO_WINDOW.settings,
      // Pictures for a page: no minimap or breadcrumbs taking room from the text.
      'editor.minimap.enabled': false,
      'breadcrumbs.enabled': false,
      'workbench.layoutControl.enabled': false,
      // The CodeLens line is wider than a narrow editor: no horizontal scroll bar over the text.
      'editor.scrollbar.horizontal': 'hidden',
    },
  });
  const { context } = await openBrowser(dir, { viewport: VIEWPORT });
  const page = context.pages()[0];
  page.on('console', (m) => appendFileSync(join(dir, 'window.log'), `[${m.type()}] ${m.text()}\n`));
  await page.goto(server.url(workspace, { extensionDevelopmentPath: server.remote(REPO), skipWelcome: 'true' }));
  await page.getByRole('treeitem', { name: /^specs\b/ }).first().waitFor({ timeout: 120_000 });
  say('workbench open');

  // The mouse rests on the title bar's empty left part: no hover or sash highlight in the picture.
  const park = () => page.mouse.move(150, 15);
  const shot = async (name) => {
    await park();
    await page.waitForTimeout(400);
    const file = join(OUT, name);
    await page.screenshot({ path: file });
    say(`${name} (${Math.round(statSync(file).size / 1024)} KB)`);
  };
  const lens = (text) => page.locator('.codelens-decoration a', { hasText: text });
  /**
   * Clicks a CodeLens with `text` that a click would reach (with `above`, the lowest one above the
   * line showing that text); they are drawn again on every refresh, so a click that misses is retried.
   */
  const clickLens = async (text, { above, timeout = 30_000 } = {}) => {
    const top = await page.locator('.editor-group-container .monaco-editor .editor-scrollable').first().boundingBox();
    const deadline = Date.now() + timeout;
    for (;;) {
      const lineY = above ? (await page.locator('.view-line', { hasText: above }).first().boundingBox().catch(() => null))?.y : undefined;
      const spots = await lens(text).evaluateAll((els) =>
        els.map((e, i) => {
          const r = e.getBoundingClientRect();
          return { i, y: r.top, hit: r.width > 0 && e.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)) };
        }),
      );
      const fit = spots.filter((s) => s.hit && (!above || (lineY !== undefined && s.y < lineY))).sort((a, b) => b.y - a.y);
      if (fit.length && (await lens(text).nth(fit[0].i).click({ timeout: 2_000 }).then(() => true, () => false))) return;
      if (Date.now() > deadline) throw new Error(`no visible CodeLens "${text}" to click`);
      // Not drawn, or below what the editor shows (Monaco keeps lenses of hidden lines, hidden):
      // the editor a little further down.
      // (With `above`, only while that line is further down than the editor's middle.)
      const editor = await page.locator('.editor-group-container .monaco-editor .editor-scrollable').first().boundingBox();
      if (editor && (!above || (lineY ?? Infinity) > (top?.y ?? 0) + (top?.height ?? 0) / 2)) {
        await page.mouse.move(editor.x + editor.width / 2, editor.y + editor.height / 2);
        await page.mouse.wheel(0, 120);
      }
      await page.waitForTimeout(250);
    }
  };
  const tasksView = () => page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: /tasks/i }) }).first();
  const taskItem = (id) => tasksView().locator('[role=treeitem]').filter({ hasText: new RegExp(`(^|\\s)${id.replace('.', '\\.')}\\s`) }).first();
  const status = async (id) => ((await taskItem(id).getAttribute('aria-label').catch(() => '')) ?? '').split(',').pop()?.trim() ?? '';
  const waitStatus = async (id, re, timeout = 90_000) => {
    const deadline = Date.now() + timeout;
    while (!re.test(await status(id))) {
      if (Date.now() > deadline) throw new Error(`task ${id} is "${await status(id)}", not ${re}`);
      await page.waitForTimeout(200);
    }
  };

  // First the walkthrough (a fresh window shows its step's picture more often than one that ran a
  // group), from the command palette as a user finds it, alone in the editor area so its
  // step's picture shows beside the steps.
  const quick = page.locator('.quick-input-widget');
  const palette = async (command) => {
    await page.keyboard.press('F1');
    await quick.locator('input').first().waitFor({ timeout: 20_000 });
    await page.keyboard.type(command);
  };
  await palette('View: Close All Editor Groups');
  await quick.locator('.monaco-list-row', { hasText: 'Close All Editor Groups' }).first().click({ timeout: 20_000 });
  // The side bar closed too (View: Toggle Primary Side Bar Visibility): narrower than about 1200 px
  // the walkthrough leaves its step's picture out.
  await page.keyboard.press('Control+B');
  const openWalkthrough = async () => {
    await palette('Welcome: Open Walkthrough');
    await quick.locator('.monaco-list-row', { hasText: 'Open Walkthrough' }).first().click({ timeout: 20_000 });
    await page.keyboard.type('Get started with Ralph');
    await quick.locator('.monaco-list-row', { hasText: 'Get started with Ralph' }).first().click({ timeout: 20_000 });
    await page.locator('.gettingStartedContainer', { hasText: 'Get started with Ralph' }).first().waitFor({ timeout: 30_000 });
  };
  // The step's picture is its markdown (media/walkthrough/agent.md) in a webview, which now and then
  // stays empty (in this code-server, not seen in a desktop VS Code): the window resized a little,
  // then the walkthrough closed and opened again, until it shows.
  const mediaText = async () => {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (text.includes('Each task runs with one coding agent CLI')) return true;
    }
    return false;
  };
  await openWalkthrough();
  for (let attempt = 1; !(await mediaText()); attempt++) {
    if (attempt > 5) break;
    if (attempt > 1) {
      say(`the walkthrough's step picture is empty: trying again (${attempt})`);
      if (attempt % 2 === 0) {
        await page.setViewportSize({ width: VIEWPORT.width - 40, height: VIEWPORT.height });
        await page.waitForTimeout(500);
        await page.setViewportSize(VIEWPORT);
      } else {
        await palette('View: Close All Editor Groups');
        await quick.locator('.monaco-list-row', { hasText: 'Close All Editor Groups' }).first().click({ timeout: 20_000 });
        await openWalkthrough();
      }
    }
    const until = Date.now() + 8_000;
    while (Date.now() < until && !(await mediaText())) await page.waitForTimeout(500);
  }
  if (await mediaText()) {
    await page.waitForTimeout(500);
    await shot('walkthrough.png');
  } else {
    say("walkthrough.png NOT taken: the walkthrough's first step showed no picture (media/walkthrough/agent.md) after 5 tries; the old one stays");
  }
  await palette('View: Close All Editor Groups');
  await quick.locator('.monaco-list-row', { hasText: 'Close All Editor Groups' }).first().click({ timeout: 20_000 });
  await page.keyboard.press('Control+B');

  // tasks.md from the explorer (Quick Open needs ripgrep), then the Ralph view with its tree open.
  for (const name of [/^specs\b/, /^text-helpers\b/]) {
    const item = page.locator('.explorer-folders-view [role=treeitem]').filter({ has: page.locator('.label-name', { hasText: name }) }).first();
    await item.waitFor({ timeout: 20_000 });
    if ((await item.getAttribute('aria-expanded')) !== 'true') await item.click();
  }
  await page.getByRole('treeitem', { name: /^tasks\.md\b/ }).first().click({ timeout: 20_000 });
  await page.locator('.monaco-editor .view-lines', { hasText: 'Write the slug helper' }).first().waitFor({ timeout: 30_000 });
  await page.locator('.activitybar [aria-label^="Ralph"]').first().click({ timeout: 30_000 });
  for (let i = 0; i < 10 && !(await taskItem('1.2').isVisible()); i++) {
    const collapsed = tasksView().locator('[role=treeitem][aria-expanded=false]').first();
    if (await collapsed.count()) await collapsed.click();
    else await page.waitForTimeout(500);
  }
  await taskItem('1.2').waitFor({ timeout: 30_000 });
  await lens(/^\W*Run group/).first().waitFor({ timeout: 60_000 });
  say('tasks.md, CodeLenses and the Tasks tree shown');
  // Wide enough for a task's title and status in the tree.
  const bar = await page.locator('.part.sidebar').boundingBox();
  await dragSash(page, 'vertical', bar.x + bar.width, bar.y + bar.height / 2, bar.x + 420);

  // 1.1 first (the group is blocked by it), so the picture has a finished task and the group ready.
  await clickLens(/^\W*Run task/, { above: '1.1 Lay out the package' });
  await waitStatus('1.1', /succeeded/);
  // Back to the top of tasks.md with the cursor out of the way, then the terminal panel closed so
  // the editor has the height.
  await page.locator('.editor-group-container .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+Home');
  await togglePanel(page, false);
  await page.locator('.view-overlays div').first().waitFor({ timeout: 10_000 }).catch(() => {});
  // The editor asks for new lenses a moment after Ralph says they changed: wait for "Run spec"
  // to replace the run's "Stop" before the picture.
  const ended = Date.now();
  for (let seen = ''; !/Run spec/.test(seen) || /Stop/.test(seen); ) {
    if (Date.now() - ended > 30_000) throw new Error(`the lenses still say: ${seen}`);
    await page.waitForTimeout(200);
    seen = (await page.locator('.codelens-decoration a').allTextContents()).join(' | ');
  }
  say(`the lenses caught up with the run's end in ${Date.now() - ended} ms`);
  await shot('tasks-md.png');

  // The DAG beside tasks.md, then the group, photographed every FRAME_MS until it ends.
  await clickLens('Show DAG');
  const dag = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await dag.locator('#canvas svg g.node.task').first().waitFor({ timeout: 60_000 });
  // The drawing gets the larger share of the editor area, the terminals a little less height; then
  // the drawing is fitted to its new size.
  const first = await page.locator('.editor-group-container').first().boundingBox();
  await dragSash(page, 'vertical', first.x + first.width, first.y + first.height / 2, first.x + 400);
  await togglePanel(page, true);
  const panel = await page.locator('.part.panel').first().boundingBox();
  if (panel) await dragSash(page, 'horizontal', panel.x + panel.width / 2, panel.y, panel.y + 60);
  await dag.locator('button', { hasText: 'Fit' }).first().click();
  await page.waitForTimeout(1000);
  await page.locator('.editor-group-container .tab', { hasText: 'tasks.md' }).first().click();
  await page.keyboard.press('Control+Home');
  const frames = [];
  const grab = async () => frames.push({ at: Date.now(), png: await page.screenshot() });
  await park();
  await grab();
  await clickLens(/^\W*Run group/);
  let midShot = false;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const next = frames[frames.length - 1].at + FRAME_MS;
    await page.waitForTimeout(Math.max(0, next - Date.now()));
    await park();
    await grab();
    const states = await Promise.all(['1.2', '1.3', '1.4'].map(status));
    // The still: the third frame after two of the group run (the tree draws a status a moment
    // after its label says it).
    if (midShot === false && states.filter((s) => /running/.test(s)).length >= 2) midShot = frames.length + 1;
    if (typeof midShot === 'number' && frames.length === midShot + 1) {
      writeFileSync(join(OUT, 'group-run.png'), frames[midShot].png);
      say(`group-run.png (${states.join(', ')})`);
      midShot = true;
    }
    if (states.every((s) => /succeeded/.test(s))) break;
    if (Date.now() > deadline) throw new Error(`the group did not end: ${states.join(', ')}`);
  }
  // A second more of the finished state, so the loop rests on it.
  for (let i = 0; i < 4; i++) {
    await page.waitForTimeout(FRAME_MS);
    await grab();
  }
  say(`${frames.length} frames over ${((frames[frames.length - 1].at - frames[0].at) / 1000).toFixed(1)}s`);
  const gifBytes = await encodeGif(context, frames);
  writeFileSync(join(OUT, 'group-run.gif'), gifBytes);
  say(`group-run.gif (${Math.round(gifBytes.length / 1024)} KB)`);
  // Its source frames, for looking at (not committed: the run folder goes at the end).
  mkdirSync(join(dir, 'frames'), { recursive: true });
  frames.forEach((f, i) => writeFileSync(join(dir, 'frames', `${String(i).padStart(3, '0')}.png`), f.png));


  console.log(`\n${OUT}\n  frames kept in ${join(dir, 'frames')} until the next run's clean-up (a day)`);
}

/** Drags the sash (vertical|horizontal) that passes through (x, y) to `to` (an x, or a y). */
async function dragSash(page, orientation, x, y, to) {
  const at = await page.locator(`.monaco-sash.${orientation}`).evaluateAll(
    (els, [o, x, y]) =>
      els
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.width > 0 && r.height > 0)
        .filter((r) => (o === 'vertical' ? Math.abs(r.x + r.width / 2 - x) < 6 && r.y <= y && r.bottom >= y : Math.abs(r.y + r.height / 2 - y) < 6 && r.x <= x && r.right >= x))
        .map((r) => (o === 'vertical' ? { x: r.x + r.width / 2, y } : { x, y: r.y + r.height / 2 }))[0],
    [orientation, x, y],
  );
  if (!at) throw new Error(`no ${orientation} sash at (${Math.round(x)}, ${Math.round(y)})`);
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  await page.mouse.move(orientation === 'vertical' ? to : at.x, orientation === 'vertical' ? at.y : to, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(300);
}

/** Shows or hides the bottom panel (terminals) with View: Toggle Panel Visibility when it differs. */
async function togglePanel(page, visible) {
  const shown = await page.locator('.part.panel').first().isVisible().catch(() => false);
  if (shown === visible) return;
  await page.keyboard.press('Control+J');
  await page.waitForTimeout(300);
}

/**
 * The frames (PNG screenshots) as one looping GIF, GIF_WIDTH wide: Chromium decodes and scales each
 * (a blank page of the same browser), gifenc quantizes to one palette taken from the first, middle
 * and last frames, and every frame after the first keeps only the pixels that changed.
 */
async function encodeGif(context, frames) {
  const decoder = await context.newPage();
  const decode = async (png) => {
    const { w, h, b64 } = await decoder.evaluate(
      async ([data, width]) => {
        const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${data}`)).blob());
        const h = Math.round((bmp.height * width) / bmp.width);
        const canvas = new OffscreenCanvas(width, h);
        const ctx = canvas.getContext('2d');
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(bmp, 0, 0, width, h);
        const px = ctx.getImageData(0, 0, width, h).data;
        let s = '';
        for (let i = 0; i < px.length; i += 0x8000) s += String.fromCharCode.apply(null, px.subarray(i, i + 0x8000));
        return { w: width, h, b64: btoa(s) };
      },
      [png.toString('base64'), GIF_WIDTH],
    );
    return { w, h, rgba: new Uint8Array(Buffer.from(b64, 'base64')) };
  };
  const images = [];
  for (const f of frames) images.push(await decode(f.png));
  await decoder.close();
  const { w, h } = images[0];
  const sample = [images[0], images[images.length >> 1], images[images.length - 1]];
  const all = new Uint8Array(sample.length * w * h * 4);
  sample.forEach((img, i) => all.set(img.rgba, i * w * h * 4));
  // 255 colours; index 255 is the "unchanged" (transparent) one.
  const palette = quantize(all, 255);
  while (palette.length < 255) palette.push([0, 0, 0]);
  const TRANSPARENT = palette.length;
  palette.push([255, 0, 255]);
  const gif = GIFEncoder();
  let prev;
  images.forEach((img, i) => {
    const index = applyPalette(img.rgba, palette);
    const out = new Uint8Array(index);
    if (prev) for (let p = 0; p < out.length; p++) if (index[p] === prev[p]) out[p] = TRANSPARENT;
    const last = i === images.length - 1;
    const delay = last ? 2500 : Math.max(FRAME_MS, (frames[i + 1]?.at ?? 0) - frames[i].at);
    gif.writeFrame(out, w, h, { palette: i === 0 ? palette : undefined, delay, transparent: i > 0, transparentIndex: TRANSPARENT, dispose: 1 });
    prev = index;
  });
  gif.finish();
  return gif.bytes();
}

try {
  await main();
  await cleanupAll();
  process.exit(0);
} catch (err) {
  console.error(`marketplace-shots: ${err?.stack ?? err}`);
  await cleanupAll();
  process.exit(1);
}
