// Where task worktrees live and what they and their branches are called: the one place that
// names them, for set-up, recycling, merging, leftovers and the per-user log folders.
//
// Where: `<worktrees home>/<repo>-<hash>/<spec>/<task>`, the home being `$RALPH_WORKTREES_DIR`,
// else a per-user state folder (`%LOCALAPPDATA%\ralph\worktrees` on Windows,
// `$XDG_STATE_HOME/ralph/worktrees` or `~/.local/state/ralph/worktrees` elsewhere), and
// `<repo>-<hash>` the repository's folder name and a hash of its real git common dir (two
// repositories of the same name never share a folder; a `.ralph-repo` file in it names the
// repository). Outside the user's working tree, no tool that walks it (editors, file watchers,
// ripgrep, test runners, the agents of the other tasks) sees them; outside `.git`, the agents may
// write in them (Claude Code and others refuse to write under `.git`); they survive a reboot (a
// temp folder would not, and unmerged work would go with it). An earlier version set them up in
// `<git common dir>/ralph-worktrees/<spec>/<task>`; those are still recognised here.
//
// Names: a task's branch is `ralph/<spec>/<task>`, both parts made ref-safe (refSafeName); spare
// worktrees and folders moved aside carry a prefix no task's folder can have.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exists } from '../git';
import { gitText } from '../gitRun';
import { ralphStateHome } from '../stateHome';

/** A task id or spec name as one ref component and folder name: `[A-Za-z0-9._-]` only, no
 *  leading dot, no `..`, no `.lock` ending; a name that had to change gets a short hash of the
 *  original so two ids never share a branch. */
export function refSafeName(text: string): string {
  let s = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.{2,}/g, '_').replace(/^[.-]+/, '_').replace(/\.+$/, '_');
  if (/\.lock$/i.test(s)) s = `${s.slice(0, -5)}_lock`;
  s = s.slice(0, 80);
  if (s === text && s !== '') return s;
  return `${s || 'x'}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** Overrides where task worktrees live (tests point it at a temp folder). */
export const WORKTREES_DIR_ENV = 'RALPH_WORKTREES_DIR';
/** In each repository's folder: the repository's path, for a human looking at the folder. */
export const REPO_MARKER = '.ralph-repo';
/** Where an earlier version put them, under the git common dir. */
const LEGACY_FOLDER = 'ralph-worktrees';
/** Folder names of spare worktrees: never a task's (refSafeName never starts with a dot). */
export const SPARE_PREFIX = '.spare-';
/** Folder names of folders moved aside (see moveAside); never a task's, like spares'. */
export const ORPHANED_PREFIX = '.orphaned-';

/** The folder holding every repository's task worktrees: `$RALPH_WORKTREES_DIR`, else a per-user
 *  state folder (never a temp folder: unmerged work must survive a reboot). */
export function worktreesHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const set = env[WORKTREES_DIR_ENV];
  if (set) return p.resolve(set);
  return p.join(ralphStateHome(env, platform, home), 'worktrees');
}

/** `<name>-<first 10 hex of sha256(real git common dir)>`: readable, and distinct for two
 *  repositories of the same name. */
export function repoFolderName(topLevel: string, realCommonDir: string): string {
  const name = path.basename(topLevel).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '_').slice(0, 40) || 'repo';
  return `${name}-${createHash('sha256').update(realCommonDir).digest('hex').slice(0, 10)}`;
}

/** The absolute git common dir of the repository `dir` is in. */
async function gitCommonDir(dir: string): Promise<string> {
  return path.resolve(dir, await gitText(dir, ['rev-parse', '--git-common-dir']));
}

/** The folder of one repository's task worktrees, `<worktrees home>/<repo>-<hash>`, for the
 *  repository whose main (or linked) working tree is `repoDir`. Creates nothing. */
export async function repoWorktreesRoot(repoDir: string, home: string = worktreesHome()): Promise<string> {
  return path.join(await realpathOfExisting(home), await repoFolder(repoDir));
}

/** `<repo>-<hash>`: the one name of a repository in every per-user folder (worktrees, logs). */
export async function repoFolder(repoDir: string): Promise<string> {
  const common = await gitCommonDir(repoDir);
  const realCommon = await fs.realpath(common).catch(() => common);
  // Linked worktrees of one repository share its folder: name it after the main working tree.
  const topLevel = path.basename(realCommon) === '.git' ? path.dirname(realCommon) : path.resolve(repoDir);
  return repoFolderName(topLevel, realCommon);
}

/** `p` with its longest existing ancestor resolved to a real path: git records worktrees by real
 *  path, and a home under a symlink (macOS's /var) must compare equal to what it records. */
async function realpathOfExisting(p: string): Promise<string> {
  const rest: string[] = [];
  for (let d = path.resolve(p); ; d = path.dirname(d)) {
    try {
      return path.join(await fs.realpath(d), ...rest.reverse());
    } catch {
      if (path.dirname(d) === d) return path.resolve(p);
      rest.push(path.basename(d));
    }
  }
}

/** One spec's worktree folders and branch names in one repository. The worktrees home and the
 *  git common dir are read once, on first use. */
export class SpecFolders {
  private commonDir: string | undefined;
  private repoRoot: string | undefined;

  /** `specName` is ref-safe already (see refSafeName). */
  constructor(
    readonly repoDir: string,
    readonly specName: string,
  ) {}

  /** `ralph/<spec>/` */
  get branchPrefix(): string {
    return `ralph/${this.specName}/`;
  }

  branchFor(taskId: string): string {
    return `${this.branchPrefix}${refSafeName(taskId)}`;
  }

  async folderFor(taskId: string): Promise<string> {
    return path.join(await this.worktreesRoot(), refSafeName(taskId));
  }

  /** `<worktrees home>/<repo>-<hash>/<spec>` */
  async worktreesRoot(): Promise<string> {
    return path.join(await this.repoFolder(), this.specName);
  }

  /** `<worktrees home>/<repo>-<hash>` */
  async repoFolder(): Promise<string> {
    this.repoRoot ??= await repoWorktreesRoot(this.repoDir);
    return this.repoRoot;
  }

  /** Where an earlier version put this spec's worktrees: `<git common dir>/ralph-worktrees/<spec>`. */
  async legacyRoot(): Promise<string> {
    this.commonDir ??= await gitCommonDir(this.repoDir);
    return path.join(this.commonDir, LEGACY_FOLDER, this.specName);
  }

  /** Creates a folder for this spec's worktrees, with the marker naming the repository. */
  async makeRoot(): Promise<string> {
    const root = await this.worktreesRoot();
    await fs.mkdir(root, { recursive: true });
    await fs.writeFile(path.join(path.dirname(root), REPO_MARKER), `${this.repoDir}\n`);
    return root;
  }

  /** Whether `dir` is a folder of this spec's worktrees: today's, an earlier version's, or today's
   *  under another home (RALPH_WORKTREES_DIR set differently when the run made it). */
  async isSpecFolder(dir: string): Promise<boolean> {
    if (samePath(dir, await this.worktreesRoot()) || samePath(dir, await this.legacyRoot())) return true;
    return path.basename(dir) === this.specName && (await exists(path.join(path.dirname(dir), REPO_MARKER)));
  }

  /** After a worktree's folder went: its spec folder if empty, and its repository's folder if
   *  only the marker is left (or, for an earlier version's, `ralph-worktrees` if empty). */
  async removeEmptyFolders(folder: string): Promise<void> {
    const specDir = path.dirname(folder);
    const perRepo = path.dirname(specDir);
    if (samePath(perRepo, path.dirname(await this.legacyRoot()))) {
      await removeEmptyParents(specDir, path.dirname(perRepo));
    } else if (samePath(perRepo, await this.repoFolder()) || (await exists(path.join(perRepo, REPO_MARKER)))) {
      await removeEmptyParents(specDir, perRepo);
      try {
        const left = await fs.readdir(perRepo);
        if (left.length === 1 && left[0] === REPO_MARKER) {
          await fs.rm(path.join(perRepo, REPO_MARKER), { force: true });
          await fs.rmdir(perRepo);
        }
      } catch {
        // Another run is setting up a worktree there, or it is gone already.
      }
    }
  }

  /** Folders moved aside (see moveAside in setup.ts). */
  async orphanedFolders(): Promise<string[]> {
    const root = await this.worktreesRoot();
    try {
      const entries = await fs.readdir(root, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && e.name.startsWith(ORPHANED_PREFIX)).map((e) => path.join(root, e.name));
    } catch {
      return [];
    }
  }
}

export function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

async function removeEmptyParents(dir: string, stopAt: string): Promise<void> {
  for (let d = dir; d.startsWith(stopAt) && d !== stopAt; d = path.dirname(d)) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    }
  }
}
