// package.json as the Marketplace and the Welcome page read it: the walkthrough's steps lead to
// commands that exist and media that ship, and the listing has what people search by.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
interface Step {
  id: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents: string[];
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: Array<{ command: string; category?: string }>; walkthroughs: Array<{ id: string; steps: Step[] }>; views: Record<string, Array<{ id: string }>> };
  [key: string]: unknown;
};
const commands = new Set(manifest.contributes.commands.map((c) => c.command));
const views = Object.values(manifest.contributes.views).flat().map((v) => v.id);

describe('package.json', () => {
  it('the walkthrough: choose an agent, check it, open a spec, run a group, look at the DAG', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.deepEqual(walkthrough?.steps.map((s) => s.id), ['chooseAgent', 'checkAgent', 'openSpec', 'runGroup', 'showDag']);
    for (const step of walkthrough?.steps ?? []) {
      const media = step.media.markdown ?? step.media.image ?? '';
      assert.ok(existsSync(join(ROOT, media)), `${step.id}: ${media} is missing`);
      for (const [, id] of step.description.matchAll(/\(command:([\w.]+)/g)) {
        const known = commands.has(id ?? '') || id === 'workbench.action.openSettings' || views.some((v) => id === `${v}.focus`);
        assert.ok(known, `${step.id} links to ${id}, which no one contributes`);
      }
      for (const event of step.completionEvents.filter((e) => e.startsWith('onCommand:'))) {
        assert.ok(commands.has(event.slice('onCommand:'.length)), `${step.id}: ${event}`);
      }
    }
  });

  it('"Ralph: Check Agent" is contributed and has a handler in the command table', () => {
    assert.ok(commands.has('ralph.checkAgent'));
    assert.equal(manifest.contributes.commands.find((c) => c.command === 'ralph.checkAgent')?.category, 'Ralph');
    assert.match(readFileSync(join(ROOT, 'src', 'vscode', 'commands.ts'), 'utf8'), /'ralph\.checkAgent':/);
  });

  it('the Marketplace listing: a 128 px PNG icon, a banner, the keywords people search by, the repository, an MIT LICENSE, run beside the files', () => {
    const icon = readFileSync(join(ROOT, String(manifest.icon)));
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128], 'icon width × height');
    assert.match(String((manifest.galleryBanner as { color?: string }).color), /^#[0-9a-f]{6}$/i);
    const keywords = (manifest.keywords as string[]).map((k) => k.toLowerCase());
    for (const k of ['parallel agents', 'claude code', 'codex', 'gemini', 'spec-kit', 'kiro', 'tasks.md']) assert.ok(keywords.includes(k), k);
    assert.ok(keywords.length <= 30, 'vsce takes at most 30 keywords');
    assert.ok((manifest.categories as string[]).length > 0);
    assert.match((manifest.repository as { url: string }).url, /^https:\/\/github\.com\//);
    assert.equal(manifest.license, 'MIT');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.deepEqual(manifest.extensionKind, ['workspace']);
  });
});
