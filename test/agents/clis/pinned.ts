// Where scripts/agent-clis/setup.mjs installs each pinned CLI, read from the same pins.json, so
// the versions and the layout are written down once. RALPH_AGENT_CLIS moves the root.

import * as path from 'node:path';
import pins from '../../../scripts/agent-clis/pins.json';

export type PinnedCli = keyof typeof pins;

export function pinnedBin(name: PinnedCli): string {
  const pin = pins[name];
  const root = process.env.RALPH_AGENT_CLIS || path.resolve(__dirname, '..', '..', '..', '.agent-clis');
  return path.join(root, `${name}@${pin.version}`, 'node_modules', '.bin', pin.bin);
}

export function pinnedVersion(name: PinnedCli): string {
  return pins[name].version;
}
