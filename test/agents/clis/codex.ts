// Points the real Codex CLI (0.171.0) at the scripted model server, offline.
//
// Measured with codex 0.171.0:
// - The built-in `openai` provider cannot be reconfigured beyond its base URL ("model_providers
//   contains reserved built-in provider IDs: `openai`. Built-in providers cannot be
//   overridden."), so its retry loops cannot be bounded (a persistent 500 costs 30 requests,
//   ~25 s). The tests use a custom provider instead, which takes `request_max_retries`,
//   `stream_max_retries` and `stream_idle_timeout_ms`.
// - `requires_openai_auth = true` makes that provider authenticate exactly like the built-in one
//   (CODEX_API_KEY / OPENAI_API_KEY / `codex login`), so `loggedIn: false` shows the real
//   behaviour: Codex sends the request without an Authorization header (it does not stop by
//   itself) and the API's 401 ends the turn.
// - `features.plugins = false` stops its only contact with the internet seen under strace (a DNS
//   lookup of github.com for the plugin marketplace); `check_for_update_on_startup = false` and
//   `analytics.enabled = false` are belt and braces (no contact was seen without them); CODEX_HOME holds config, sessions and its sqlite state, so each test gets its own.
// - The model must be one Codex knows (gpt-5.5 is in its bundled catalogue): for an unknown slug
//   it warns "Model metadata … not found" and offers no apply_patch tool.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { OPENAI_MODEL } from '../protocols/openai';
import { pinnedBin } from './pinned';

/** The pinned install (scripts/agent-clis/pins.json). */
export const codexBin: string = pinnedBin('codex');

/** The retry bounds the test provider gets (codex's defaults: 4 request retries, 5 stream retries, 300 s idle). */
export const CODEX_TEST_RETRIES = { requestMaxRetries: 1, streamMaxRetries: 1, streamIdleTimeoutMs: 15_000 } as const;

export const CODEX_TEST_KEY = 'sk-ralph-scripted-test-key';

export async function codexEnvironment(opts: { baseUrl: string; home: string; loggedIn?: boolean }): Promise<NodeJS.ProcessEnv> {
  const codexHome = path.join(opts.home, '.codex');
  await fs.mkdir(codexHome, { recursive: true });
  const config = [
    `model = "${OPENAI_MODEL}"`,
    'model_provider = "ralph-scripted"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    // Without this codex 0.171.0 resolves github.com at start (its curated plugin marketplace,
    // https://github.com/openai/plugins.git): seen with strace, the only non-loopback contact.
    '[features]',
    'plugins = false',
    '',
    '[model_providers.ralph-scripted]',
    'name = "Ralph scripted model"',
    `base_url = ${JSON.stringify(`${opts.baseUrl}/v1`)}`,
    'wire_api = "responses"',
    'requires_openai_auth = true',
    'supports_websockets = false',
    `request_max_retries = ${CODEX_TEST_RETRIES.requestMaxRetries}`,
    `stream_max_retries = ${CODEX_TEST_RETRIES.streamMaxRetries}`,
    `stream_idle_timeout_ms = ${CODEX_TEST_RETRIES.streamIdleTimeoutMs}`,
    '',
  ].join('\n');
  await fs.writeFile(path.join(codexHome, 'config.toml'), config);
  const env: NodeJS.ProcessEnv = {
    HOME: opts.home,
    CODEX_HOME: codexHome,
    // Unset: the caller merges with process.env, where a developer's real keys may live.
    OPENAI_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    CODEX_API_KEY: opts.loggedIn === false ? undefined : CODEX_TEST_KEY,
    RUST_LOG: undefined,
  };
  return env;
}
