// The one table of agents and the places that must agree with it: package.json's `ralph.agent`
// setting, the CLI's help and `--agent` values, and the README's table of what each preset allows.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENTS, AGENT_PRESETS, resolveAgent } from '../../src/node/executor';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[] }> } };
};

describe('the agents table', () => {
  it("package.json's ralph.agent enum lists exactly the table's presets, in its order, each described by its label", () => {
    const setting = manifest.contributes.configuration.properties['ralph.agent'];
    assert.deepEqual(setting?.enum, [...AGENT_PRESETS]);
    assert.equal(setting?.enumDescriptions?.length, AGENT_PRESETS.length);
    AGENT_PRESETS.forEach((preset, i) => {
      const description = setting?.enumDescriptions?.[i] ?? '';
      const def = AGENTS[preset];
      if (preset !== 'custom' && preset !== 'demo') assert.ok(description.startsWith(`${def.label}:`), `${preset}: ${description}`);
      assert.ok(description.includes(def.permissions), `${preset}'s description says what it allows: ${description}`);
    });
  });

  it('every preset but custom is an --agent value, and the CLI help names them all', () => {
    for (const preset of AGENT_PRESETS.filter((p) => p !== 'custom')) assert.deepEqual(resolveAgent(preset), { preset });
    const main = readFileSync(join(ROOT, 'src', 'node', 'cli', 'main.ts'), 'utf8');
    const line = /--agent ([a-z|]+)\|"<command template>"/.exec(main)?.[1];
    assert.deepEqual(line?.split('|'), AGENT_PRESETS.filter((p) => p !== 'custom'));
  });

  it("the README's preset table has a row for each preset with its install line", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const preset of AGENT_PRESETS.filter((p) => p !== 'custom' && p !== 'demo')) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${preset}\``));
      assert.ok(row !== undefined, `README row for ${preset}`);
      assert.ok(row.includes(AGENTS[preset].installHint.replace(/^install it with: /, '')), `${preset} row names how to install it: ${row}`);
    }
  });

  it('each definition is complete: a label, a command, an install hint, what it allows, a reader', () => {
    for (const preset of AGENT_PRESETS) {
      const def = AGENTS[preset];
      assert.equal(def.id, preset);
      assert.ok(def.label && def.installHint && def.permissions, preset);
      if (preset !== 'custom') assert.ok(def.command, preset);
      const reader = def.reader();
      assert.deepEqual(reader.stdoutLine(''), [], `${preset}: an empty line shows nothing`);
    }
  });
});
