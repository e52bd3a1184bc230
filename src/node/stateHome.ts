// Ralph's per-user state folder, decided once: task worktrees, agent logs and the settings Ralph
// hands an agent CLI all live below it. Not a temp folder (unmerged work and logs must survive a
// reboot) and not the repository (watchers, ripgrep and the other agents must not see them).

import * as os from 'node:os';
import * as path from 'node:path';

/** `%LOCALAPPDATA%\ralph` on Windows, else `$XDG_STATE_HOME/ralph` or `~/.local/state/ralph`. */
export function ralphStateHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (platform === 'win32') return p.join(env.LOCALAPPDATA || p.join(home, 'AppData', 'Local'), 'ralph');
  // The XDG spec: a relative value is invalid and ignored.
  const state = env.XDG_STATE_HOME && p.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : p.join(home, '.local', 'state');
  return p.join(state, 'ralph');
}
