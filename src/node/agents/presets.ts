// The names of the agent presets, in the order settings and help list them. Kept apart from the
// definitions (index.ts) so that reading a setting does not load every agent's reader: the
// extension checks `ralph.agent` at activation and loads the agents with the run engine.
// AGENTS in index.ts is typed by this list, so a preset without a definition does not compile.

export const AGENT_PRESETS = ['claude', 'codex', 'gemini', 'opencode', 'aider', 'demo', 'custom'] as const;

export type AgentPreset = (typeof AGENT_PRESETS)[number];
