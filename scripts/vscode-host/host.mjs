// The pieces the integration runner and the UI pass share: where setup.sh put the VS Code server,
// a fresh workspace, a user profile, starting the server and a Chromium window, and cleaning up
// every process they started, whatever way the run ends.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
/** The versions setup.sh installs (scripts/vscode-host/versions.json); current and oldest. */
export const VERSIONS = JSON.parse(readFileSync(join(REPO, 'scripts', 'vscode-host', 'versions.json'), 'utf8'));
/** Which one this process drives: RALPH_VSCODE_VERSION (current|oldest), as setup.sh reads it. */
export const VERSION_NAME = process.env.RALPH_VSCODE_VERSION || 'current';
if (!VERSIONS[VERSION_NAME]?.codeServer) {
  throw new Error(`RALPH_VSCODE_VERSION=${VERSION_NAME}: no such VS Code version in scripts/vscode-host/versions.json (current, oldest)`);
}
export const VERSION = VERSIONS[VERSION_NAME];
export const HOST_DIR = join(process.env.RALPH_VSCODE_HOSTS ?? join(REPO, '.vscode-test'), VERSION.folder);
export const CHROMIUM = process.env.RALPH_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync) ?? '/usr/bin/chromium';

const NODE = join(HOST_DIR, `node${VERSION.node}`, 'bin', 'node');
const CODE_SERVER = join(HOST_DIR, 'cs', 'node_modules', 'code-server');
const SERVER_MAIN = join(CODE_SERVER, 'lib', 'vscode', 'out', 'server-main.js');

/** Throws with what to run when setup.sh has not installed the host. */
export function assertHost() {
  const missing = [NODE, SERVER_MAIN, CHROMIUM].filter((p) => !existsSync(p));
  if (missing.length) {
    throw new Error(`The VS Code host is not installed (missing ${missing.join(', ')}). Run: bash scripts/vscode-host/setup.sh ${VERSION_NAME}`);
  }
}

/**
 * Installs extensions (a .vsix file, or an id) into an extensions folder with the server's own CLI
 * (`server-main.js --install-extension`, what `code-server --install-extension` runs), as a user
 * would; the window started with the same `extensionsDir` then loads them from there.
 */
export function installExtensions(extensionsDir, vsixOrIds, { logFile } = {}) {
  assertHost();
  // VS Code 1.90's CLI does not make the folder's parents (1.139's does).
  mkdirSync(extensionsDir, { recursive: true });
  const args = [SERVER_MAIN, '--extensions-dir', extensionsDir, '--accept-server-license-terms'];
  for (const v of vsixOrIds) args.push('--install-extension', v);
  let out;
  try {
    out = execFileSync(NODE, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (err) {
    const text = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    if (logFile) appendFileSync(logFile, text);
    throw new Error(`--install-extension ${vsixOrIds.join(' ')} failed: ${text.trim().split('\n').slice(-5).join(' | ') || err.message}`);
  }
  if (logFile) appendFileSync(logFile, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cleanup. Everything this process starts registers here; the list is emptied on a normal end,
// on an exception and on SIGINT/SIGTERM, so no server, extension host or agent outlives a run.

const cleanups = [];
let cleaning;
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanupAll() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${err?.message ?? err}`);
      }
    }
  })();
  await cleaning;
  cleaning = undefined;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping the VS Code server and its processes`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// A run's scratch folder: workspaces, user profiles, logs, results. Inside the host folder (so
// nothing lands in $HOME; only sockets go to a short-lived folder in /tmp, see shortTmp); kept
// when the run fails so its logs can be read.

export function makeRunDir() {
  const runs = join(HOST_DIR, 'runs');
  mkdirSync(runs, { recursive: true });
  // Old runs' folders (kept because they failed) go after a day.
  for (const name of readdirSync(runs)) {
    const p = join(runs, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > 24 * 3600 * 1000) rmSync(p, { recursive: true, force: true });
    } catch {
      /* another run removed it */
    }
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(runs, `${stamp}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * TMPDIR for a server or a browser: short, because Chromium and VS Code put unix sockets there and
 * a socket path may not exceed 107 bytes (a run folder under a CI checkout easily would).
 */
function shortTmp() {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-it-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The workspace a window opens: test/integration/fixtures/workspace plus the demo spec, as a git
// repository with one commit (Ralph's worktree isolation needs a commit to branch from). Another
// fixture folder (`fixture`, a name under test/integration/fixtures/) comes without the demo spec.

export function makeWorkspace(dir, { fixture = 'workspace', demoSpec = fixture === 'workspace' } = {}) {
  cpSync(join(REPO, 'test', 'integration', 'fixtures', fixture), dir, { recursive: true });
  // The demo spec is copied at test time rather than kept twice in git.
  if (demoSpec) cpSync(join(REPO, 'examples', 'demo-spec'), join(dir, 'specs', 'text-helpers'), { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Ralph Integration Tests');
  git('config', 'user.email', 'ralph-tests@example.invalid');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'Fixture workspace');
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The user profile of a window: the server reads <user-data-dir>/User/settings.json (code-server
// keeps user settings on the server, not in the browser).

export const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'chat.disableAIFeatures': true,
  'git.openRepositoryInParentFolders': 'never',
  // Terminal text is only in the DOM with the DOM renderer (otherwise it is painted on a canvas).
  'terminal.integrated.gpuAcceleration': 'off',
  // Terminals of an earlier window must not come back in the next one.
  'terminal.integrated.enablePersistentSessions': false,
  // Ralph runs the bundled demo agent: no AI agent is installed here.
  'ralph.agent': 'demo',
};

/**
 * Workspace Trust per window. `trusted`: the server gets --disable-workspace-trust, as VS Code's own
 * integration tests do. `untrusted`: trust stays on and the fresh profile has never trusted the
 * folder, so it opens in Restricted Mode; the startup prompt is off so nothing waits for a click.
 */
export const TRUST_SETTINGS = {
  trusted: { 'security.workspace.trust.enabled': false },
  untrusted: {
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'security.workspace.trust.emptyWindow': false,
    'security.workspace.trust.untrustedFiles': 'open',
  },
};

export function writeUserSettings(userDataDir, settings) {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

// ---------------------------------------------------------------------------------------------
// The VS Code server. Started as the leader of its own process group (detached) so one kill
// reaches the extension host and what it spawned; terminals are their own sessions though, so
// every process also carries RALPH_TEST_RUN_ID and a sweep of /proc finds whatever is left.

/**
 * The demo agent's window as the UI pass and the Marketplace pictures open it: the demo agent slow
 * enough that running tasks can be seen, fast enough to finish in a few seconds; terminals kept
 * after their task ends, so they can be seen and photographed; folders in the explorer one per
 * row, so a click finds them.
 */
export const DEMO_WINDOW = {
  env: { RALPH_DEMO_SPEED: '1' },
  settings: { 'explorer.compactFolders': false, 'ralph.terminals.keepOpen': 'always' },
};

/**
 * @param {object} o
 * @param {string} o.dir        folder for this window's profile, server data and logs
 * @param {'trusted'|'untrusted'} o.trust
 * @param {Record<string,string>} [o.env]       extra environment; the extension host inherits it
 * @param {Record<string,unknown>} [o.settings] extra user settings
 * @param {boolean} [o.shellEnv]  false: the extension host gets exactly this environment. By default
 *   VS Code's server, like a user's, runs the login shell (bash -ilc) and lays what it prints over
 *   it, and a login shell resets PATH (/etc/profile), so a folder put first on PATH here is gone.
 * @param {string} [o.extensionsDir] where the server finds installed extensions (see installExtensions)
 * @param {number} [o.startTimeoutMs]
 * @param {string} [o.container]  an image to run the server in, as a Dev Container runs it (see
 *   inContainer); by default the server runs here
 */
export async function startServer({ dir, trust, env = {}, settings = {}, shellEnv = true, extensionsDir = join(dir, 'extensions'), startTimeoutMs = 60_000, container }) {
  assertHost();
  const userDataDir = join(dir, 'user');
  writeUserSettings(userDataDir, { ...BASE_SETTINGS, ...TRUST_SETTINGS[trust], ...settings });
  const home = join(dir, 'home');
  for (const d of ['config', 'data', 'cache']) mkdirSync(join(home, d), { recursive: true });
  const runId = randomUUID();
  const logFile = join(dir, 'server.log');
  const args = [
    SERVER_MAIN,
    '--host', '127.0.0.1',
    // Port 0: the OS picks a free port and the server prints it; no fixed port to collide on.
    '--port', '0',
    '--without-connection-token',
    '--accept-server-license-terms',
    // Without this switch the workbench ignores extensionDevelopmentPath/extensionTestsPath in the
    // URL payload and never calls window.codeAutomationExit. (code-server's own CLI refuses it,
    // hence VS Code's server-main.js directly.)
    '--enable-smoke-test-driver',
    '--disable-telemetry',
    '--server-data-dir', join(dir, 'server'),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--logsPath', join(dir, 'logs'),
  ];
  if (trust === 'trusted') args.push('--disable-workspace-trust');
  if (!shellEnv) args.push('--force-disable-user-env');
  const serverEnv = {
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: join(home, 'cache'),
    TMPDIR: shortTmp(),
    // Task worktrees of the runs the tests start: in this window's folder, removed with the run
    // folder, never in the user's ~/.local/state.
    RALPH_WORKTREES_DIR: join(dir, 'worktrees'),
    RALPH_LOGS_DIR: join(dir, 'agent-logs'),
    RALPH_TEST_RUN_ID: runId,
    ...env,
  };
  const containerName = container ? `ralph-it-${runId.slice(0, 8)}` : undefined;
  const [command, commandArgs, commandEnv] = container
    ? inContainer(container, containerName, [NODE, ...args], { ...serverEnv, HOME: home }, dir, [REPO, HOST_DIR, dir, serverEnv.TMPDIR])
    : [NODE, args, { ...process.env, ...serverEnv }];
  const child = spawn(command, commandArgs, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: commandEnv });
  const stop = async () => {
    await killGroup(child);
    // The docker client going does not stop its container.
    if (containerName) spawnSync('docker', ['rm', '-f', containerName], { stdio: 'ignore', timeout: 30_000 });
    sweep(runId);
  };
  onCleanup(stop);

  let log = '';
  const append = (chunk) => {
    if (log.length < 1 << 16) log += chunk.toString('utf8'); // enough to find the port line in
    try {
      appendFileSync(logFile, chunk);
    } catch {
      /* the run folder was removed */
    }
  };
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the VS Code server did not start within ${startTimeoutMs / 1000}s (log: ${logFile})`)), startTimeoutMs);
    child.stdout.on('data', (chunk) => {
      append(chunk);
      const m = /Extension host agent listening on (\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr.on('data', append);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the VS Code server exited (${code ?? signal}) before listening (log: ${logFile})`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    logFile,
    userDataDir,
    /** A path on this machine as the remote URI the workbench's payload wants. */
    remote: (p) => `vscode-remote://127.0.0.1:${port}${p}`,
    /** The workbench URL for a folder, with extensionDevelopmentPath etc. in the payload. */
    url(folder, payload) {
      const entries = Object.entries(payload).map(([k, v]) => [k, v]);
      return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(entries))}`;
    },
    stop,
  };
}

/**
 * argv and environment that run `argv` in a container of `image`, the way a Dev Container runs the
 * VS Code server: the image's own root file system (its git, its /tmp, its /home), the workspace
 * and what the server needs mounted at the same paths, this machine's network (so the browser
 * here reaches the server's port), the caller's user, and only the environment given.
 */
function inContainer(image, name, [cmd, ...args], env, cwd, mounts) {
  const dockerArgs = ['run', '--rm', '--init', '--name', name, '--network', 'host', '--user', `${process.getuid()}:${process.getgid()}`, '--workdir', cwd];
  for (const m of [...new Set(mounts)]) dockerArgs.push('--volume', `${m}:${m}`);
  for (const key of Object.keys(env)) dockerArgs.push('--env', key);
  // Values go through the client's environment (--env NAME), not its command line.
  return ['docker', [...dockerArgs, image, cmd, ...args], { PATH: process.env.PATH, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}), ...env }];
}

/** SIGTERM to the process group, SIGKILL after 5 s. */
async function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timeout = new Promise((r) => setTimeout(r, 5000, 'timeout'));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Kills processes that carry this run's RALPH_TEST_RUN_ID but left the group (terminal shells). */
function sweep(runId) {
  if (process.platform !== 'linux') return;
  const needle = `RALPH_TEST_RUN_ID=${runId}`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(needle)) process.kill(Number(name), 'SIGKILL');
    } catch {
      /* gone, or not ours to read */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The window: Debian's Chromium, headless, through the repo's playwright-core.

export async function openBrowser(dir, { viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  // launchPersistentContext rather than --user-data-dir in args: Playwright insists on owning it.
  const home = join(dir, 'home');
  for (const d of ['config', 'cache']) mkdirSync(join(home, d), { recursive: true });
  const context = await chromium.launchPersistentContext(join(dir, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    // Our signal handlers close the browser with everything else; Playwright's own would exit the
    // process as soon as the browser is closed, before the server and the temp folders are cleaned up.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // Chromium's crash reporter and caches follow XDG_*, not the profile folder.
    env: { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), TMPDIR: shortTmp() },
    args: [
      '--disable-crash-reporter',
      '--disable-breakpad',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  onCleanup(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

// ---------------------------------------------------------------------------------------------
// The scripted model server (test/agents/), for a window whose Ralph runs a real agent CLI: a
// child process (`node --import tsx test/agents/serve.ts`, the harness is TypeScript), stopped with
// everything else. Its first stdout line is the base URL, the second what the CLI needs: the pinned
// executable and the environment that points it at the server (HOME and config inside `home`).

/**
 * @param {object} o
 * @param {string} o.dir       folder for its log (model-server.log: one line per request)
 * @param {string} o.home      the CLI's HOME
 * @param {'claude'|'codex'|'gemini'|'opencode'} [o.cli]
 * @param {number} [o.delayMs] each answer waits this long (a slow model, to see a run mid-way)
 * @returns {Promise<{baseUrl: string, bin: string, env: Record<string,string>, logFile: string, requests: () => string[], stop: () => Promise<void>}>}
 */
export async function startModelServer({ dir, home, cli = 'claude', delayMs = 0, startTimeoutMs = 60_000 }) {
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const logFile = join(dir, 'model-server.log');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test', 'agents', 'serve.ts'), '--cli', cli, '--delay-ms', String(delayMs), '--home', home],
    // stdin stays open: the server stops when it closes, so it cannot outlive this process.
    { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    child.kill('SIGTERM');
    if ((await Promise.race([gone, new Promise((r) => setTimeout(r, 3000, 'timeout'))])) === 'timeout') child.kill('SIGKILL');
  };
  onCleanup(stop);
  const requests = [];
  let errText = '';
  child.stderr.on('data', (chunk) => {
    errText += chunk.toString('utf8');
    const lines = errText.split('\n');
    errText = lines.pop() ?? '';
    requests.push(...lines.filter(Boolean));
    try {
      appendFileSync(logFile, chunk);
    } catch {
      /* the run folder was removed */
    }
  });
  let out = '';
  const [baseUrl, info] = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the scripted model server did not start within ${startTimeoutMs / 1000}s (log: ${logFile})`)), startTimeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString('utf8');
      const lines = out.split('\n');
      if (lines.length > 2) {
        clearTimeout(timer);
        try {
          resolve([lines[0].trim(), JSON.parse(lines[1])]);
        } catch (err) {
          reject(new Error(`the scripted model server printed ${JSON.stringify(out.slice(0, 300))}: ${err.message}`));
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the scripted model server exited (${code ?? signal}) before it listened: ${(requests.join(' ') + errText).slice(-400)} (log: ${logFile})`));
    });
  });
  return { baseUrl, bin: info.bin, env: info.env ?? {}, logFile, requests: () => [...requests], stop };
}
