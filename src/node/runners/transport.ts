// Code by git, for runners that share no folder with this machine (another Docker engine, a
// Kubernetes cluster): the task's branch goes in as a bundle, the commits made on it come back as
// one and join the task's branch here, where they are merged in task order like a local task's.
// The same functions serve every such runner; only how files are copied differs (docker cp,
// kubectl cp).

import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { git, gitText } from '../gitRun';
import type { VerifiedResult } from '../../core/ports';

/** The branch the worktree is on and its tip: what the container starts from. */
export interface BundleBase {
  readonly branch: string;
  readonly commit: string;
}

/** Writes the worktree's branch (with its history) to `file`. Uncommitted changes a failed
 *  attempt left are not carried: the attempt starts from the branch as committed. */
export async function bundleIn(worktree: string, file: string): Promise<BundleBase> {
  const branch = await gitText(worktree, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
  if (branch === '') throw new Error(`the task's folder ${worktree} is not on a branch, so its code cannot be sent as a git bundle (a remote runner needs worktree isolation)`);
  const commit = await gitText(worktree, ['rev-parse', 'HEAD']);
  mkdirSync(path.dirname(file), { recursive: true });
  await git(worktree, ['bundle', 'create', '--quiet', file, branch]);
  return { branch, commit };
}

/** The author and committer of commits made inside the container: the user's, as git here
 *  would name them. */
export async function gitIdentity(cwd: string): Promise<Record<string, string>> {
  const ident = async (which: 'GIT_AUTHOR_IDENT' | 'GIT_COMMITTER_IDENT'): Promise<{ name: string; email: string } | undefined> => {
    const text = await gitText(cwd, ['var', which]).catch(() => '');
    const m = /^(.*) <([^>]*)>/.exec(text);
    return m ? { name: m[1] ?? '', email: m[2] ?? '' } : undefined;
  };
  const author = await ident('GIT_AUTHOR_IDENT');
  const committer = (await ident('GIT_COMMITTER_IDENT')) ?? author;
  const who = author ?? { name: 'Ralph', email: 'ralph@localhost' };
  const by = committer ?? who;
  return { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: by.name, GIT_COMMITTER_EMAIL: by.email };
}

/** Copies files here into `stage` under their absolute paths, to be copied into the container's
 *  root as they are. */
export async function stageHostFiles(stage: string, files: readonly string[]): Promise<void> {
  for (const f of files) {
    const to = path.join(stage, f);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(f, to);
  }
}

/** What the entry script left in /ralph/out (copied to `dir`). */
export interface ContainerOut {
  readonly agentExit?: number;
  readonly verify?: VerifiedResult;
  readonly missing?: string;
  readonly workBundle?: string;
  readonly progress?: string;
}

export function readOut(dir: string): ContainerOut {
  const text = (name: string): string | undefined => {
    const p = path.join(dir, name);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  const number = (name: string): number | undefined => {
    const t = text(name)?.trim();
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
  };
  const agentExit = number('agent-exit');
  const verifyExit = number('verify-exit');
  const missing = text('missing')?.trim();
  return {
    ...(agentExit !== undefined ? { agentExit } : {}),
    ...(verifyExit !== undefined ? { verify: { ok: verifyExit === 0, exitCode: verifyExit, output: (text('verify.log') ?? '').slice(-16_384) } } : {}),
    ...(missing ? { missing } : {}),
    ...(existsSync(path.join(dir, 'work.bundle')) ? { workBundle: path.join(dir, 'work.bundle') } : {}),
    ...(existsSync(path.join(dir, 'progress.md')) ? { progress: path.join(dir, 'progress.md') } : {}),
  };
}

/** Puts the container's work on the task's branch here: its commits fetched from the bundle
 *  and the worktree moved to them, and its progress note where the agent would have written it
 *  here. Undefined when all is well, else why the work could not be taken. */
export async function takeWorkBack(worktree: string, outDir: string, branch: string, progressFile: string): Promise<string | undefined> {
  const out = readOut(outDir);
  if (out.workBundle !== undefined) {
    try {
      await git(worktree, ['bundle', 'verify', '--quiet', out.workBundle]);
      await git(worktree, ['fetch', '--quiet', '--no-tags', out.workBundle, `refs/heads/${branch}`]);
      const fetched = await gitText(worktree, ['rev-parse', 'FETCH_HEAD']);
      // The worktree is Ralph's own (the task's); what a failed attempt left in it is not kept
      // work: the container started from the branch as committed.
      await git(worktree, ['reset', '--hard', '--quiet', fetched]);
    } catch (error) {
      return `the work done in the container could not be taken back from its git bundle: ${(error as Error).message}`;
    }
  }
  if (out.progress !== undefined) {
    mkdirSync(path.dirname(progressFile), { recursive: true });
    writeFileSync(progressFile, readFileSync(out.progress));
  }
  return undefined;
}
