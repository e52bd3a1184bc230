// How the conformance tests run the real Gemini CLI (@google/gemini-cli 0.61.0) against the
// scripted model server: an empty HOME with ~/.gemini/settings.json, an API key, and the base
// URL variable the CLI honours. Every name below was checked in the 0.61.0 bundle and by a run.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pinnedBin } from './pinned';

/** The pinned install (scripts/agent-clis/pins.json). */
export const geminiBin: string = pinnedBin('gemini');

export const GEMINI_TEST_KEY = 'AIzaScripted-0000000000000000000000000';

/**
 * The variables (and ~/.gemini/settings.json in `home`) that point Gemini CLI at `baseUrl`.
 *
 * - `GOOGLE_GEMINI_BASE_URL`: read by 0.61.0's content generator for the gemini-api-key auth
 *   type (and, with no auth type chosen, it alone selects the "gateway" type).
 * - `GEMINI_API_KEY`: the key; absent when `loggedIn === false`, and then no auth type is set
 *   either, so the CLI shows its real "Please set an Auth method" failure (exit 41).
 * - settings.json: `security.auth.selectedType: "gemini-api-key"` (what `/auth` would save),
 *   usage statistics (Clearcut upload to play.googleapis.com) off, auto update off, telemetry off.
 *   These have no environment variables in 0.61.0, so only a settings file can turn them off.
 * - `GEMINI_CLI_HOME` = HOME: the CLI's own home override, so nothing of the real ~/.gemini leaks in.
 */
export function geminiEnvironment(opts: { baseUrl: string; home: string; loggedIn?: boolean }): NodeJS.ProcessEnv {
  const loggedIn = opts.loggedIn !== false;
  const dir = path.join(opts.home, '.gemini');
  fs.mkdirSync(dir, { recursive: true });
  const settings = {
    ...(loggedIn ? { security: { auth: { selectedType: 'gemini-api-key' } } } : {}),
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  };
  fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  const env: NodeJS.ProcessEnv = {
    HOME: opts.home,
    GEMINI_CLI_HOME: opts.home,
    NO_COLOR: '1',
  };
  if (loggedIn) {
    env.GEMINI_API_KEY = GEMINI_TEST_KEY;
    env.GOOGLE_GEMINI_BASE_URL = opts.baseUrl;
  }
  return env;
}
