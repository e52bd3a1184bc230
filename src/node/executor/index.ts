// Node adapters of the Executor and Verifier ports: agent processes and Verify commands.

import { AGENT_PRESETS, type AgentPreset } from '../agents';
import type { AgentConfig } from './processExecutor';
import { parseCommandTemplate } from './template';

export { ProcessExecutor, safeTaskId, type ProcessExecutorOptions, type AgentConfig } from './processExecutor';
export { ShellVerifier, DEFAULT_VERIFY_TIMEOUT_MS, type ShellVerifierOptions } from './shellVerifier';
export { parseCommandTemplate, substitutePlaceholders, CommandTemplateError, type TemplateValues } from './template';
export { AGENT_PRESETS, AGENTS, agentDefinition, resolveDemoAgent, type AgentPreset } from '../agents';

const PRESET_LIST = AGENT_PRESETS.filter((p) => p !== 'custom').join(', ');

/**
 * The CLI's `--agent` value: a preset name, or anything else as a custom command template.
 * Throws a clear error for an empty value, a bare `custom`, or a template that does not parse.
 */
export function resolveAgent(spec: string): AgentConfig {
  const trimmed = spec.trim();
  if (trimmed === '') throw new Error(`--agent is empty: give a preset (${PRESET_LIST}) or a command template`);
  const lower = trimmed.toLowerCase();
  if ((AGENT_PRESETS as readonly string[]).includes(lower)) {
    if (lower === 'custom') {
      throw new Error('--agent custom needs the command itself, e.g. --agent "my-agent --prompt {promptFile}"');
    }
    return { preset: lower as AgentPreset };
  }
  parseCommandTemplate(trimmed);
  return { preset: 'custom', command: trimmed };
}
export { ProcessSurvivors, type ProcessSurvivorsOptions } from './survivors';
