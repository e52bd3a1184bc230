// Plain git calls for the soak and its checks. Synchronous where the soak is not racing anything
// (set-up, checks); the simulated user's commits go through gitAsync so Ralph keeps running.

import { spawn, spawnSync } from 'node:child_process';

export interface GitResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function gitSync(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): GitResult {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** stdout of a git command that must work; throws with its stderr otherwise. */
export function git(cwd: string, ...args: string[]): string {
  const r = gitSync(cwd, args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function gitAsync(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: null, stdout, stderr: stderr + String(err) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh repository on branch main with `files` in its first commit. */
export function initRepo(dir: string, write: (path: string, text: string) => void, files: Record<string, string>): void {
  for (const [p, t] of Object.entries(files)) write(p, t);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Soak User');
  git(dir, 'config', 'user.email', 'soak@ralph.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
}
