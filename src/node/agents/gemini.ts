// Gemini CLI (@google/gemini-cli), proven against 0.61.0 talking to the scripted model server
// (test/agents/protocols/gemini.ts; recordings in test/fixtures/agents/gemini/).
//
// What 0.61.0 really does, headless (stdin not a TTY, no -p needed: the prompt is read from stdin):
// - `--output-format stream-json` prints one JSON object per line on stdout: `init`
//   {session_id, model}, `message` {role: user|assistant, content, delta: true for the model's
//   streamed text pieces}, `tool_use` {tool_name, tool_id, parameters}, `tool_result` {tool_id,
//   status: success|error, output?, error?: {type, message}}, `error` {severity, message}
//   (loop detected, invalid stream), and a last `result` {status: success|error, error?: {type,
//   message}, stats: {total_tokens, input_tokens (cached included), output_tokens, cached, input
//   (not cached), duration_ms, tool_calls, models}}. API failures also end with a `result` of
//   status "error" whose message is "[API Error: <the API's JSON body or its message>]".
// - Exit codes: 0; 41 no auth configured ("Please set an Auth method …" on stderr, nothing on
//   stdout); 55 untrusted folder; an API error exits with its HTTP status mod 256 (401 → 145,
//   429 → 173, 500 → 244, 503 → 247); 42/44/52/53/54/130 are its other fatal errors.
// - stderr: warnings ("256-color support not detected", "Ripgrep is not available"), retry
//   notices ("Attempt 1 failed with status 500. Retrying with backoff..."), and error objects
//   dumped by Node's inspector over several lines (`_ApiError: {…}` + `    at …` + `  status: 401`
//   + `}`); with `--output-format json` its fatal error is a pretty-printed JSON object there.
// - Without `--approval-mode auto_edit` (or yolo) headless mode does not even register
//   `write_file`/`replace`: the model's write calls fail with "Tool "write_file" not found" and
//   the run still exits 0. auto_edit registers the edit tools (auto-approved) but not
//   `run_shell_command` (yolo only).

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ralphStateHome } from '../stateHome';
import type { AgentDefinition } from './definition';
import { GeminiReader, GEMINI_EXIT_CODES } from './geminiReader';

export { GeminiReader, GEMINI_EXIT_CODES, parseApiError } from './geminiReader';

const ADMIN_DEFAULTS = '/etc/gemini-cli/system-defaults.json';
const RETRY_DEFAULTS = `${JSON.stringify({ general: { maxAttempts: 3 } })}\n`;

/**
 * Writes Ralph's system defaults for Gemini CLI once, in the per-user state folder. 0.61.0
 * refuses the file when a folder above it is writable by others, so it lives in a folder of its
 * own, 0700, not in a temp dir. Undefined when it cannot be written (the task still runs, its
 * retries unbounded but for the task's timeout).
 */
export function geminiRetryDefaults(env: NodeJS.ProcessEnv): string | undefined {
  // The agent's HOME, which may not be Ralph's (tests give agents one of their own).
  const root = ralphStateHome(env, process.platform, env.HOME || os.homedir());
  const dir = path.join(root, 'gemini');
  const file = path.join(dir, 'system-defaults.json');
  try {
    // 0.61.0 skips such a file, with a warning in every task's output: better not to name it.
    if (insecureParent(root)) return undefined;
    if (existsSync(file) && readFileSync(file, 'utf8') === RETRY_DEFAULTS) return file;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, RETRY_DEFAULTS, { mode: 0o600 });
    renameSync(temp, file);
    return file;
  } catch {
    return undefined;
  }
}

/** Whether `dir` or a folder above it that exists is writable by group or others. */
function insecureParent(dir: string): boolean {
  if (process.platform === 'win32') return false;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o022) !== 0) return true;
    } catch {
      // not there yet: it will be made 0700
    }
    if (path.dirname(d) === d) return false;
  }
}

export const geminiAgent: AgentDefinition = {
  id: 'gemini',
  label: 'Gemini CLI',
  command: 'gemini',
  installHint: 'npm install -g @google/gemini-cli',
  credentialEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GEMINI_BASE_URL', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION'],
  // Gemini CLI (0.61.0) has no offline login command: it uses a key from the environment, or the
  // Google login it keeps in ~/.gemini/oauth_creds.json.
  check: {
    version: ['--version'],
    login: {
      kind: 'credentials',
      variables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA'],
      files: ['.gemini/oauth_creds.json'],
      howTo: 'run `gemini` once in a terminal and choose "Login with Google" (or set GEMINI_API_KEY)',
    },
  },
  permissions:
    'Creates and edits files in its working directory (and the folders Ralph adds) without asking (--approval-mode auto_edit); it cannot run shell commands; it can still read files and fetch web pages.',
  // 0.61.0 runs headless when stdin is not a terminal and takes the whole of stdin as the prompt.
  promptOnStdin: true,
  args: (ctx) => [
    '--output-format',
    'stream-json',
    // The narrowest mode that registers write_file/replace in headless mode (see above).
    '--approval-mode',
    'auto_edit',
    // A worktree Ralph just made is not in the user's trustedFolders.json: untrusted, 0.61.0
    // forces the approval mode back to "default" and exits 55.
    '--skip-trust',
    ...(ctx.writableDirs.length > 0 ? ['--include-directories', ctx.writableDirs.join(',')] : []),
  ],
  // 0.61.0 has no variable for its retries (10 attempts, 5 s doubling to 30 s: a persistent 500
  // took 217 s, a persistent 429 264 s); only settings' general.maxAttempts bounds them. A
  // system-defaults file is the lowest layer of its settings (the user's own settings.json still
  // wins), so Ralph names one of its own — unless the user or an admin already has one, which it
  // would replace. Measured: maxAttempts 3 ends a persistent 500 in about 6 s.
  env: (ctx): Record<string, string> => {
    if (ctx.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH !== undefined || existsSync(ADMIN_DEFAULTS)) return {};
    const file = geminiRetryDefaults(ctx.env);
    return file === undefined ? {} : { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: file };
  },
  reader: () => new GeminiReader(),
  exitCodes: GEMINI_EXIT_CODES,
};
