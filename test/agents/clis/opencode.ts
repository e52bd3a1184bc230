// How the conformance tests run the real opencode (opencode-ai 1.18.33) against the scripted model
// server: an empty HOME (and XDG dirs inside it, so a developer's own ~/.config/opencode and
// ~/.local/share/opencode/auth.json are never read), an opencode.json that declares one provider
// through the AI-SDK package opencode BUNDLES (`@ai-sdk/openai-compatible`, so nothing is installed
// from npm at run time) with `options.baseURL` = our server, and the variables that keep it offline.
// Every name below was checked in the 1.18.33 binary and by a run (see /tmp/opencode-work notes).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pinnedBin, pinnedVersion } from './pinned';

/** The pinned install (scripts/agent-clis/pins.json). */
export const opencodeBin: string = pinnedBin('opencode');

/** The provider/model the config declares; pass `--model` with it (or rely on `model` in the config). */
export const OPENCODE_TEST_MODEL = 'scripted/scripted-model';

/** The API key variable the test provider reads (`{env:…}` substitution in opencode.json). */
export const OPENCODE_TEST_KEY_ENV = 'RALPH_SCRIPTED_API_KEY';

export function opencodeEnvironment(opts: { baseUrl: string; home: string; loggedIn?: boolean }): NodeJS.ProcessEnv {
  const { home } = opts;
  const configDir = path.join(home, '.config', 'opencode');
  fs.mkdirSync(configDir, { recursive: true });
  const loggedIn = opts.loggedIn !== false;
  const config = loggedIn ? scriptedConfig(opts.baseUrl) : notLoggedInConfig(opts.baseUrl);
  fs.writeFileSync(path.join(configDir, 'opencode.json'), `${JSON.stringify(config, null, 2)}\n`);
  // opencode 1.18.33 runs an npm install of `@opencode-ai/plugin` into every writable config dir
  // at start (measured with strace: a DNS lookup and an HTTPS connect to registry.npmjs.org, with
  // autoupdate off and OPENCODE_PURE / OPENCODE_DISABLE_DEFAULT_PLUGINS set). It skips the install
  // when node_modules exists and package-lock.json's root already lists every dependency, so that
  // is what we lay out; nothing here loads a plugin, so the package itself is not needed.
  const dependencies = { '@opencode-ai/plugin': pinnedVersion('opencode') };
  fs.writeFileSync(path.join(configDir, 'package.json'), `${JSON.stringify({ dependencies }, null, 2)}\n`);
  fs.writeFileSync(
    path.join(configDir, 'package-lock.json'),
    `${JSON.stringify({ lockfileVersion: 3, requires: true, packages: { '': { dependencies } } }, null, 2)}\n`,
  );
  fs.mkdirSync(path.join(configDir, 'node_modules'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    // Keeps the hourly models.dev refresh from being started (the bundled snapshot is used).
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_SHARE: '1',
    // No LSP servers downloaded from GitHub when a file of some language is touched.
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    // A developer's ~/.claude skills / CLAUDE.md are not part of the test.
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
    OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
  };
  if (loggedIn) env[OPENCODE_TEST_KEY_ENV] = 'sk-scripted-test';
  return env;
}

/** Our provider, through the bundled `@ai-sdk/openai-compatible`, with prices so step_finish has a cost. */
function scriptedConfig(baseUrl: string): Record<string, unknown> {
  return {
    // opencode 1.18.33 otherwise checks the npm registry for a newer version at start.
    autoupdate: false,
    share: 'disabled',
    model: OPENCODE_TEST_MODEL,
    // Title generation uses small_model (Ralph passes --title, which skips it; this is a fallback).
    small_model: OPENCODE_TEST_MODEL,
    // Only our provider: the bundled models snapshot lists dozens, none reachable here.
    enabled_providers: ['scripted'],
    provider: {
      scripted: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Scripted model',
        options: {
          baseURL: `${baseUrl}/v1`,
          apiKey: `{env:${OPENCODE_TEST_KEY_ENV}}`,
          // Per request, client side: keeps a stuck stream from hanging a test for 5 minutes.
          timeout: 60_000,
        },
        models: {
          'scripted-model': {
            name: 'Scripted model',
            tool_call: true,
            attachment: false,
            reasoning: false,
            temperature: true,
            // USD per million tokens, so step_finish reports a cost the reader can check.
            cost: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
            limit: { context: 200_000, output: 8_192 },
          },
        },
      },
    },
  };
}

/**
 * No credentials: a provider declared in opencode.json is loaded with or without a key (measured:
 * a run without the key variable succeeded), so "not logged in" is the built-in `anthropic`
 * provider (bundled @ai-sdk/anthropic) with no ANTHROPIC_API_KEY and no auth.json, exactly what a
 * user who picked a Claude model but never ran `opencode auth login` has. opencode 1.18.33 then
 * fails before any request with `ProviderAuthError` (exit 1). The baseURL points at our server in
 * case a caller's environment does hold an ANTHROPIC_API_KEY, so nothing leaves 127.0.0.1.
 * (Do not set ANTHROPIC_API_KEY to "" to hide one: measured, the empty key counts as present.)
 */
function notLoggedInConfig(baseUrl: string): Record<string, unknown> {
  return {
    autoupdate: false,
    share: 'disabled',
    model: 'anthropic/claude-sonnet-4-5',
    small_model: 'anthropic/claude-sonnet-4-5',
    enabled_providers: ['anthropic'],
    provider: { anthropic: { options: { baseURL: `${baseUrl}/v1` } } },
  };
}
