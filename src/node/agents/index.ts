// The one table of agents. Adding a preset means a definition file and a line here; a test holds
// package.json's `ralph.agent` enum and its descriptions to this table.

import type { AgentDefinition, AgentPreset } from './definition';
import { claudeAgent } from './claude';
import { codexAgent } from './codex';
import { geminiAgent } from './gemini';
import { opencodeAgent } from './opencode';
import { aiderAgent, customAgent, demoAgent } from './local';

export type { AgentDefinition, AgentPreset, AgentReader, AgentVerdict, TranscriptLine, AgentContext } from './definition';
export { resolveDemoAgent } from './local';

export const AGENTS: Readonly<Record<AgentPreset, AgentDefinition>> = {
  claude: claudeAgent,
  codex: codexAgent,
  gemini: geminiAgent,
  opencode: opencodeAgent,
  aider: aiderAgent,
  demo: demoAgent,
  custom: customAgent,
};

export { AGENT_PRESETS } from './presets';

export function agentDefinition(preset: AgentPreset): AgentDefinition {
  return AGENTS[preset];
}
