// `ralph check-agent [--agent X] [--json]`: the same check as the extension's "Ralph: Check
// Agent" (src/node/agents/check.ts). Exit 0 when a run could start with the agent, 1 when not.

import { parseArgs } from 'node:util';
import { agentUsable, checkAgent, describeAgentCheck } from '../agents/check';
import { resolveAgent } from '../executor';
import { UsageError, type CliIo } from './args';

export async function checkAgentCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: { agent: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let agent;
  try {
    agent = resolveAgent(values.agent ?? 'claude');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const check = await checkAgent(agent.preset, { env: io.env, cwd: io.cwd, ...(agent.command !== undefined ? { commandTemplate: agent.command } : {}) });
  if (values.json) io.stdout.write(JSON.stringify(check) + '\n');
  else io.stdout.write(describeAgentCheck(check) + '\n');
  return agentUsable(check) ? 0 : 1;
}
