// The presets that are not a vendor's CLI: the bundled demo agent, a custom command, and Aider
// (on PyPI, which this project's machines cannot reach: its definition is not proven against the
// real CLI, and the README says so).

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentDefinition } from './definition';
import { PlainReader } from './plain';
import { claudeAgent } from './claude';
import { parseCommandTemplate, substitutePlaceholders } from '../executor/template';

export const demoAgent: AgentDefinition = {
  id: 'demo',
  label: 'the demo agent',
  command: process.execPath,
  installHint: 'it ships with Ralph; set RALPH_DEMO_AGENT to its path if it was moved',
  check: { login: { kind: 'none', note: 'it needs no account' } },
  permissions: 'Writes the files its task names in its working directory and nothing else; runs no commands.',
  promptOnStdin: true,
  args: (ctx) => [resolveDemoAgent(ctx.env)],
  // Inside VS Code, execPath is Electron; this makes it behave as plain Node.
  env: (): Record<string, string> => (process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
  reader: () => new PlainReader(),
};

export const customAgent: AgentDefinition = {
  id: 'custom',
  label: 'the custom agent',
  command: '',
  installHint: 'check the command in ralph.customCommand or --agent',
  // Running an unknown command, even with --version, could start a paid call: only look it up.
  check: { login: { kind: 'none', note: 'Ralph cannot tell how your command logs in' } },
  permissions: 'Whatever the command allows: Ralph adds no flags.',
  promptOnStdin: true,
  resolveCommand: (ctx) => templateArgv(ctx.commandTemplate, ctx)[0] as string,
  args: (ctx) => templateArgv(ctx.commandTemplate, ctx).slice(1),
  // A custom command is often a wrapped Claude Code: honour its stream-json if it prints one.
  reader: () => new PlainReader(() => claudeAgent.reader()),
};

export const aiderAgent: AgentDefinition = {
  id: 'aider',
  label: 'Aider',
  command: 'aider',
  installHint: 'install it with: python -m pip install aider-install && aider-install',
  credentialEnv: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'OPENROUTER_API_KEY', 'OPENAI_API_BASE'],
  check: { version: ['--version'], login: { kind: 'none', note: 'Aider reads its keys from the environment, .env or .aider.conf.yml, and only a model call would tell whether they work' } },
  permissions: 'Edits files in its working directory and answers its own questions with yes (--yes-always).',
  promptOnStdin: false,
  args: (ctx) => ['--yes-always', '--message-file', ctx.promptFile],
  reader: () => new PlainReader(),
};

function templateArgv(template: string | undefined, ctx: Parameters<AgentDefinition['args']>[0]): string[] {
  if (template === undefined || template.trim() === '') {
    throw new Error('the custom agent needs a command template (e.g. `my-agent --prompt {promptFile}`)');
  }
  return substitutePlaceholders(parseCommandTemplate(template), ctx);
}

/** The bundled demo agent: `RALPH_DEMO_AGENT`, else `examples/demo-agent.mjs` next to the bundle
 *  (`dist/` → `../examples`) or next to the sources (`src/node/agents/` → `../../../examples`). */
export function resolveDemoAgent(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.RALPH_DEMO_AGENT;
  if (override !== undefined && override !== '') return path.resolve(override);
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = [
    path.resolve(here, '..', 'examples', 'demo-agent.mjs'),
    path.resolve(here, '..', '..', '..', 'examples', 'demo-agent.mjs'),
    path.resolve(here, '..', '..', 'examples', 'demo-agent.mjs'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new Error(`demo agent not found (looked for ${candidates.join(', ')}); set RALPH_DEMO_AGENT to its path`);
  }
  return found;
}
