// How the conformance tests point the real Claude Code (2.1.332) at the scripted model server.
//
// Measured: ANTHROPIC_BASE_URL + ANTHROPIC_API_KEY are enough (the init event then says
// "apiKeySource":"ANTHROPIC_API_KEY"; -p mode shows no trust or API-key-approval dialog, so no
// config file is needed). CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 is what keeps it offline:
// without it, strace shows DNS lookups of api.anthropic.com besides the calls to our server;
// with it, the only connect() is to 127.0.0.1. HOME is the temp dir: Claude Code writes
// ~/.claude.json and ~/.claude/ (sessions, backups) there.

import * as path from 'node:path';
import { pinnedBin } from './pinned';

/** The pinned install (scripts/agent-clis/pins.json). */
export const claudeBin: string = pinnedBin('claude');

/** A fake key: the scripted server accepts any. */
export const CLAUDE_TEST_KEY = 'sk-ant-scripted-0000000000000000';

export function claudeEnvironment(opts: { baseUrl: string; home: string; loggedIn?: boolean }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    HOME: opts.home,
    // Claude Code reads its config dir from here when set; keep it inside the temp HOME.
    CLAUDE_CONFIG_DIR: path.join(opts.home, '.claude'),
    ANTHROPIC_BASE_URL: opts.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // A developer's own credentials must not leak into the "not logged in" case.
    ANTHROPIC_API_KEY: opts.loggedIn === false ? '' : CLAUDE_TEST_KEY,
    ANTHROPIC_AUTH_TOKEN: '',
    CLAUDE_CODE_OAUTH_TOKEN: '',
  };
  return env;
}
