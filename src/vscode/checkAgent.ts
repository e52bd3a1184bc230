// "Ralph: Check Agent": the configured agent CLI checked the way `ralph check-agent` checks it
// (src/node/agents/check.ts), the answer shown with a way to act on it.

import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { AGENT_PRESETS, type AgentPreset } from '../node/agents/presets';
import { agentUsable, checkAgent, describeAgentCheck, type AgentCheck } from '../node/engine';
import type { Log } from './log';

const CHOOSE = 'Choose Agent';
const TERMINAL = 'Open Terminal';

export async function checkConfiguredAgent(log: Log): Promise<AgentCheck> {
  const c = vscode.workspace.getConfiguration('ralph');
  const asked = c.get<string>('agent') ?? 'claude';
  const preset: AgentPreset = (AGENT_PRESETS as readonly string[]).includes(asked) ? (asked as AgentPreset) : 'claude';
  const template = preset === 'custom' ? String(c.get('customCommand') ?? '') : undefined;
  const check = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ralph: checking ${preset}…` },
    // The home folder, not the workspace: the check needs nothing of it, and a CLI started in a
    // folder may read that folder's configuration.
    () => checkAgent(preset, { cwd: homedir(), ...(template !== undefined ? { commandTemplate: template } : {}) }),
  );
  const message = `Ralph: ${describeAgentCheck(check)}`;
  log.info('agent', `${preset}: ${check.status}: ${describeAgentCheck(check)}`);
  if (agentUsable(check)) {
    void vscode.window.showInformationMessage(message, CHOOSE).then((a) => act(a));
  } else {
    void vscode.window.showWarningMessage(message, TERMINAL, CHOOSE).then((a) => act(a));
  }
  return check;
}

function act(answer: string | undefined): void {
  if (answer === CHOOSE) void vscode.commands.executeCommand('workbench.action.openSettings', 'ralph.agent');
  else if (answer === TERMINAL) vscode.window.createTerminal('Ralph: agent set-up').show();
}
