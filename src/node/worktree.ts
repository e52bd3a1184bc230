// Worktree isolation: each task of a run works in a git worktree of its own, on a branch of its
// own, and its work is merged into the user's branch when its turn comes.
//
// Where the worktrees live: `<worktrees home>/<repo>-<hash>/<spec>/<task>`, the home being
// `$RALPH_WORKTREES_DIR`, else a per-user state folder (`%LOCALAPPDATA%\ralph\worktrees` on
// Windows, `$XDG_STATE_HOME/ralph/worktrees` or `~/.local/state/ralph/worktrees` elsewhere), and
// `<repo>-<hash>` the repository's folder name and a hash of its real git common dir (two
// repositories of the same name never share a folder; a `.ralph-repo` file in it names the
// repository). Outside the user's working tree, no tool that walks it (editors, file watchers,
// ripgrep, test runners, the agents of the other tasks) sees them; outside `.git`, the agents may
// write in them (Claude Code and others refuse to write under `.git`); they survive a reboot (a
// temp folder would not, and unmerged work would go with it). Git's own list of worktrees is the
// record of them: `ralph clean` and a resume find them through it wherever they are, including the
// ones an earlier version set up in `<git common dir>/ralph-worktrees/<spec>/<task>` (a resume
// moves such a task's worktree to the new place, or works in it where it is if it cannot).
//
// Setting a task up means checking out the whole tree, and removing it deleting it again: on a
// big repository that is most of what isolation costs. So the worktree of a merged task (clean,
// at a commit already in the user's branch) is detached and kept as a spare, and the next task's
// set-up moves a spare into place and switches it to the new branch, which rewrites only the
// files that differ. Spares are removed when the run ends (`close`), by `ralph clean`, or adopted
// by the next run if a kill left them.
//
// How a merge works (git 2.38+): `git merge-tree --write-tree` computes the merge of the user's
// branch tip and the task's commit without touching any index or working tree. Ralph then folds
// its own bookkeeping (tasks.md check-off, .progress.md) into that tree, makes one commit whose
// single parent is the tip (a cherry-pick of the task onto the branch: linear history, one
// commit per task), moves the branch with `git update-ref <ref> <new> <old>` (a compare-and-swap:
// a commit the user made meanwhile is never lost), and brings the working tree up to date with
// `git read-tree -m -u <old> <new>`, which rewrites only the files the merge changed and refuses
// to touch a file with uncommitted changes. Before any of that, a merge that would change a file
// the user has uncommitted changes in (or an untracked or ignored file in the way) is refused as
// a conflict, so the user's own work is never touched.

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { MergeHooks, MergeJournal, TaskWorktree, WorktreeMerge, WorktreePort } from '../core/ports';
import { isAtomicTempFile } from './stores/atomic';
import { exists } from './git';
import { ralphLockContent, withStaleLockRecovery } from './gitLocks';
import { git, GitCommandError, gitText } from './gitRun';
import { ralphStateHome } from './stateHome';

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

// ---------------------------------------------------------------------------------------------
// Where worktrees live.

/** Overrides where task worktrees live (tests point it at a temp folder). */
export const WORKTREES_DIR_ENV = 'RALPH_WORKTREES_DIR';
/** In each repository's folder: the repository's path, for a human looking at the folder. */
export const REPO_MARKER = '.ralph-repo';
/** Where an earlier version put them, under the git common dir. */
const LEGACY_FOLDER = 'ralph-worktrees';

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

export interface WorktreeOptions {
  /** The main working tree's root. */
  readonly repoDir: string;
  /** The spec folder's name: the middle part of every branch and folder name. */
  readonly specName: string;
  /** Globs (repository-relative) of untracked or ignored files copied into each new worktree,
   *  such as `.env`; they are never committed from the worktree. */
  readonly include?: readonly string[];
  /** Files Ralph edits in the main working tree (tasks.md, .progress.md), absolute. */
  readonly bookkeeping?: readonly string[];
  /** Keep merged tasks' worktrees as spares for the next tasks (default true). */
  readonly recycle?: boolean;
  /** Tests: `beforeStage` runs after the merge commit was made from the working copies of
   *  Ralph's files, before they are staged; `afterMove` once the branch moved, before the index
   *  and working tree follow. */
  readonly hooks?: { readonly beforeStage?: () => Promise<void>; readonly afterMove?: () => Promise<void> };
  /** Where to say what set-up did that the user should know of (a folder moved aside). */
  readonly log?: (message: string) => void;
}

/** What `ralph clean` finds: a task branch, with or without a worktree. */
export interface Leftover {
  /** The task branch; empty for a spare (a merged task's worktree kept for reuse). */
  readonly branch: string;
  readonly path?: string;
  readonly head: string;
  /** Everything on the branch is already in the user's branch. */
  readonly merged: boolean;
  /** Paths with uncommitted changes in the worktree (copied-in files not counted). */
  readonly uncommitted: readonly string[];
  /** Not a worktree: a folder found where a task's worktree belonged and moved aside. */
  readonly orphaned?: boolean;
}

interface WorktreeEntry {
  readonly path: string;
  readonly head?: string;
  readonly branch?: string;
  readonly prunable: boolean;
  /** Still locked by `git worktree add` while it fills the folder: a kill left it half checked out. */
  readonly initializing?: boolean;
}

/** The list of files copied in, kept in the worktree's private git folder (not in its tree). */
const INCLUDED_LIST = 'ralph-included';
/** Folder names of spare worktrees: never a task's (refSafeName never starts with a dot). */
const SPARE_PREFIX = '.spare-';
/** Folder names of folders moved aside (see moveAside); never a task's, like spares'. */
const ORPHANED_PREFIX = '.orphaned-';
/** More spares than this are removed rather than kept: each is a full checkout on disk. */
const MAX_SPARES = 8;

export class GitWorktrees implements WorktreePort {
  readonly repoDir: string;
  readonly specName: string;
  readonly bookkeeping: readonly string[];
  private readonly include: readonly string[];
  private readonly recycle: boolean;
  private readonly hooks: NonNullable<WorktreeOptions['hooks']>;
  private readonly log: (message: string) => void;
  private commonDir: string | undefined;
  private repoRoot: string | undefined;
  /** Spare worktrees (folders), loaded once from git's list so a killed run's are adopted. */
  private spares: Promise<string[]> | undefined;

  constructor(options: WorktreeOptions) {
    this.repoDir = path.resolve(options.repoDir);
    this.specName = refSafeName(options.specName);
    this.include = options.include ?? [];
    this.bookkeeping = (options.bookkeeping ?? []).map((p) => path.resolve(p));
    this.recycle = options.recycle ?? true;
    this.hooks = options.hooks ?? {};
    this.log = options.log ?? (() => undefined);
  }

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

  /** `<worktrees home>/<repo>-<hash>`; the home is read once, on first use. */
  async repoFolder(): Promise<string> {
    this.repoRoot ??= await repoWorktreesRoot(this.repoDir);
    return this.repoRoot;
  }

  /** Where an earlier version put this spec's worktrees: `<git common dir>/ralph-worktrees/<spec>`. */
  private async legacyRoot(): Promise<string> {
    this.commonDir ??= await gitCommonDir(this.repoDir);
    return path.join(this.commonDir, LEGACY_FOLDER, this.specName);
  }

  /** Creates a folder for this spec's worktrees, with the marker naming the repository. */
  private async makeRoot(): Promise<string> {
    const root = await this.worktreesRoot();
    await fs.mkdir(root, { recursive: true });
    await fs.writeFile(path.join(path.dirname(root), REPO_MARKER), `${this.repoDir}\n`);
    return root;
  }

  /** Whether `dir` is a folder of this spec's worktrees: today's, an earlier version's, or today's
   *  under another home (RALPH_WORKTREES_DIR set differently when the run made it). */
  private async isSpecFolder(dir: string): Promise<boolean> {
    if (samePath(dir, await this.worktreesRoot()) || samePath(dir, await this.legacyRoot())) return true;
    return path.basename(dir) === this.specName && (await exists(path.join(path.dirname(dir), REPO_MARKER)));
  }

  /** A worktree an earlier version set up for the task inside `.git`, where agents refuse to
   *  write: moved to `folder`; used where it is if it cannot be moved (another file system, a
   *  lock). Returns the folder to work with. */
  private async fromLegacy(taskId: string, folder: string): Promise<string> {
    const legacy = path.join(await this.legacyRoot(), refSafeName(taskId));
    const entries = await this.list();
    const old = entries.find((e) => samePath(e.path, legacy));
    if (old === undefined) return folder;
    if (old.prunable || !(await exists(legacy))) {
      await git(this.repoDir, ['worktree', 'prune']);
      return folder;
    }
    if (old.initializing) {
      await this.removeUnchecked(legacy, '');
      return folder;
    }
    if (entries.some((e) => samePath(e.path, folder)) || (await exists(folder))) return legacy;
    try {
      await this.makeRoot();
      await git(this.repoDir, ['worktree', 'move', legacy, folder]);
    } catch {
      return legacy;
    }
    await this.removeEmptyFolders(legacy);
    return folder;
  }

  // -------------------------------------------------------------------------------------------
  // Setting up.

  async prepare(taskId: string): Promise<TaskWorktree> {
    const branch = this.branchFor(taskId);
    const head = await this.head();
    const folder = await this.fromLegacy(taskId, await this.folderFor(taskId));
    let entry = (await this.list()).find((e) => samePath(e.path, folder));
    if (entry?.initializing) {
      // `git worktree add` was killed while checking out: a half-filled folder must never be
      // worked in (its missing files would be committed as deletions). Nothing of a task's is in
      // it yet, so it goes, and the set-up starts over.
      await this.removeUnchecked(folder, '');
      entry = undefined;
    }
    if (entry && !entry.prunable && entry.branch === undefined && (await exists(folder))) {
      // A recycle cut short by a kill: the spare (detached at a merged task's commit) was moved
      // here but not yet switched to the task's branch, or the switch was half done. No agent
      // ever worked in it — one starts only once its branch is checked out — so what differs in
      // it is the checkout's, not work: set up afresh. Detached anywhere else, it is kept.
      const clean = (await this.uncommittedIn(folder).catch(() => ['?'])).length === 0;
      if (clean || (entry.head !== undefined && (await this.isMerged(entry.head, head)))) {
        if (!clean) this.log(`${folder} was a spare worktree being switched to ${branch} when a run was killed; it is set up afresh`);
        await this.removeUnchecked(folder, '');
        entry = undefined;
      }
    }
    if (entry && !entry.prunable && (await exists(folder))) {
      if (entry.branch !== `refs/heads/${branch}`) {
        throw new Error(`${folder} is a worktree of ${entry.branch ?? 'a detached HEAD'}, not of ${branch}; remove it (ralph clean) and run again`);
      }
      // A leftover whose work is all in the user's branch is stale: start again from the tip.
      if ((await this.uncommittedIn(folder)).length === 0 && (await this.isMerged(entry.head ?? branch, head))) {
        await this.removeUnchecked(folder, branch);
      } else {
        await this.copyIncluded(folder);
        return { path: folder, branch, base: await this.mergeBase(head, branch) };
      }
    } else if (entry) {
      await git(this.repoDir, ['worktree', 'prune']);
    }
    if (await exists(folder)) await this.moveAside(taskId, folder);
    await this.makeRoot();
    await fs.mkdir(path.dirname(folder), { recursive: true });
    const tip = await this.branchTip(branch);
    if (tip !== undefined && !(await this.isMerged(tip, head))) {
      // Unmerged work on the branch (a kept conflict, a killed run): carry on from it.
      await git(this.repoDir, ['worktree', 'add', '--quiet', folder, branch]);
      await this.copyIncluded(folder);
      return { path: folder, branch, base: await this.mergeBase(head, branch) };
    }
    if (tip !== undefined) await git(this.repoDir, ['branch', '-D', '--', branch]);
    if (!(await this.fromSpare(folder, branch, head))) {
      await git(this.repoDir, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, folder, head]);
    }
    await this.copyIncluded(folder, true);
    return { path: folder, branch, base: head };
  }

  /** A folder where the task's worktree belongs that git does not know: an agent of a killed run
   *  wrote into it after its worktree was removed, and so made it again. What it holds is no one's
   *  known work, so it is neither worked in nor deleted: it goes aside, next to the worktrees,
   *  where `ralph clean` lists it, and the task is set up afresh. */
  private async moveAside(taskId: string, folder: string): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (let n = 0; ; n++) {
      const aside = path.join(path.dirname(folder), `${ORPHANED_PREFIX}${refSafeName(taskId)}-${stamp}${n === 0 ? '' : `-${n}`}`);
      // rename() would replace an empty folder in the way: never reuse a name.
      if (await exists(aside)) continue;
      await fs.rename(folder, aside);
      this.log(`${folder} is not a worktree git knows (an agent of a killed run makes it again by writing into it): moved it aside to ${aside} and set up the worktree of ${taskId} afresh; 'ralph clean' lists and removes it`);
      return;
    }
  }

  /** Folders moved aside by moveAside. */
  private async orphanedFolders(): Promise<string[]> {
    const root = await this.worktreesRoot();
    try {
      const entries = await fs.readdir(root, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && e.name.startsWith(ORPHANED_PREFIX)).map((e) => path.join(root, e.name));
    } catch {
      return [];
    }
  }

  private spareList(): Promise<string[]> {
    this.spares ??= (async () => {
      const spares: string[] = [];
      for (const e of await this.list()) {
        if (!e.prunable && e.branch === undefined && path.basename(e.path).startsWith(SPARE_PREFIX) && (await this.isSpecFolder(path.dirname(e.path)))) {
          spares.push(e.path);
        }
      }
      return spares;
    })();
    return this.spares;
  }

  /** Moves a spare worktree to `folder` and puts it on a new `branch` at `head`. */
  private async fromSpare(folder: string, branch: string, head: string): Promise<boolean> {
    if (!this.recycle) return false;
    // Taken synchronously after the one await, so two set-ups never get the same spare.
    const spare = (await this.spareList()).pop();
    if (spare === undefined) return false;
    // Someone changed files in it: not ours to reuse or delete (ralph clean lists it).
    if ((await this.uncommittedIn(spare).catch(() => ['?'])).length > 0) return false;
    let moved = false;
    try {
      await git(this.repoDir, ['worktree', 'move', spare, folder]);
      moved = true;
      await git(folder, ['checkout', '--quiet', '--no-track', '-B', branch, head]);
      // A previous task's untracked files are committed or copies; ignored ones (build output,
      // dependencies) stay, as they would in the user's own checkout.
      await git(folder, ['clean', '-d', '--force', '--quiet']);
      return true;
    } catch {
      // Not usable: out of the way with it, and a fresh worktree instead.
      await this.removeUnchecked(moved ? folder : spare, moved ? branch : '').catch(() => undefined);
      return false;
    }
  }

  /** Removes the spare worktrees: the run is over. */
  async close(): Promise<void> {
    // Also the spares a killed run left, when this run set nothing up and never looked for them.
    const spares = this.recycle ? await this.spareList() : [];
    for (const spare of spares.splice(0)) {
      if ((await this.uncommittedIn(spare).catch(() => ['?'])).length === 0) await this.removeUnchecked(spare, '');
    }
  }

  /** Copies the configured untracked files into a worktree: all of them into a new one (a
   *  recycled one may hold an older copy), the missing ones into one a task is carrying on in. */
  private async copyIncluded(folder: string, fresh = false): Promise<void> {
    if (this.include.length === 0) return;
    const isIncluded = picomatch([...this.include], { dot: true });
    // Untracked and ignored files both (no --exclude-standard): `.env` is usually ignored. The
    // pathspecs keep git out of folders no pattern can reach (node_modules, build output).
    const pathspecs = this.include.map((g) => `:(glob)${g}`);
    const listed = (await git(this.repoDir, ['ls-files', '--others', '-z', '--', ...pathspecs])).stdout.split('\0').filter(Boolean);
    const copied: string[] = [];
    for (const rel of listed) {
      if (!isIncluded(rel) || isAtomicTempFile(path.posix.basename(rel))) continue;
      const target = path.join(folder, rel);
      if (fresh || !(await exists(target))) {
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.copyFile(path.join(this.repoDir, rel), target);
      }
      copied.push(rel);
    }
    const privateDir = path.resolve(folder, await gitText(folder, ['rev-parse', '--git-dir']));
    await fs.writeFile(path.join(privateDir, INCLUDED_LIST), copied.join('\0'));
  }

  private async includedIn(folder: string): Promise<Set<string>> {
    try {
      const privateDir = path.resolve(folder, await gitText(folder, ['rev-parse', '--git-dir']));
      return new Set((await fs.readFile(path.join(privateDir, INCLUDED_LIST), 'utf8')).split('\0').filter(Boolean));
    } catch {
      return new Set();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Committing a task's work on its branch.

  async commitWork(worktree: TaskWorktree, message: string): Promise<string> {
    const folder = worktree.path;
    await git(folder, ['add', '--all']);
    // Copies of the user's untracked files (`.env`) must never reach a commit.
    const included = await this.includedIn(folder);
    const added = (await git(folder, ['diff', '--cached', '--name-only', '--diff-filter=A', '-z'])).stdout.split('\0').filter(Boolean);
    const unstage = added.filter((p) => included.has(p) || isAtomicTempFile(path.posix.basename(p)));
    if (unstage.length > 0) {
      await git(folder, ['rm', '--cached', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: unstage.join('\0') });
    }
    const staged = await git(folder, ['diff', '--cached', '--quiet'], { ok: [0, 1] });
    // Hooks are the user's check on their own commits; a task's Verify is its check.
    if (staged.code === 1) await git(folder, ['commit', '--quiet', '--no-verify', '-F', '-'], { input: message });
    return gitText(folder, ['rev-parse', 'HEAD']);
  }

  // -------------------------------------------------------------------------------------------
  // Merging into the user's branch.

  async merge(commit: string, message: string, hooks: MergeHooks): Promise<WorktreeMerge> {
    const repo = this.repoDir;
    const own = await this.bookkeepingInRepo();
    for (let round = 0; round < 5; round++) {
      const ref = (await git(repo, ['symbolic-ref', '--quiet', 'HEAD'], { ok: [0, 1] })).stdout.trim() || 'HEAD';
      const ours = await this.head();
      const computed = await git(repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', ours, commit], { ok: [0, 1] });
      const [tree = '', ...rest] = computed.stdout.split('\n');
      if (computed.code === 1) {
        const files = unique(rest.filter((l) => l.length > 0));
        return { kind: 'conflict', files, reason: `merge conflict in ${listFiles(files)}` };
      }
      const diff = (await git(repo, ['diff-tree', '-r', '--name-status', '--no-renames', '-z', ours, tree])).stdout.split('\0');
      const changed: string[] = [];
      const added = new Set<string>();
      for (let i = 0; i + 1 < diff.length; i += 2) {
        const p = diff[i + 1] ?? '';
        changed.push(p);
        if (diff[i] === 'A') added.add(p);
      }
      const ownChanged = changed.filter((p) => own.includes(p));
      if (ownChanged.length > 0) {
        return { kind: 'conflict', files: ownChanged, reason: `the task changed ${listFiles(ownChanged)}, which Ralph keeps up to date in the main working tree` };
      }
      const inTheWay = await this.userChangesIn(changed, added);
      if (inTheWay.length > 0) {
        return {
          kind: 'conflict',
          files: inTheWay,
          reason: `the main working tree has uncommitted changes in ${listFiles(inTheWay)}, which the merge would change`,
        };
      }
      await hooks.beforeCommit?.();
      const overlay = await this.committable(own.filter((p) => !hooks.exclude.has(p)));
      const finalTree = overlay.length > 0 ? await this.withWorkingCopies(tree, overlay) : tree;
      if (hooks.accept && overlay.length > 0) {
        const committed = new Map<string, string>();
        for (const [i, rel] of own.entries()) {
          const file = this.bookkeeping[i];
          if (file === undefined || !overlay.includes(rel)) continue;
          const blob = await git(repo, ['cat-file', 'blob', `${finalTree}:${rel}`], { ok: [0, 128] });
          if (blob.code === 0) committed.set(file, blob.stdout);
        }
        if (!hooks.accept(committed)) {
          // The check-off went missing from the working copy (an editor saved over it): again.
          await new Promise((resolve) => setTimeout(resolve, 20 * (round + 1)));
          continue;
        }
      }
      if (finalTree === (await gitText(repo, ['rev-parse', `${ours}^{tree}`]))) return { kind: 'unchanged' };
      const next = await gitText(repo, ['commit-tree', finalTree, '-p', ours, '-F', '-'], { input: message });
      await hooks.beforeMove?.({ ref, from: ours, to: next });
      // From moving the branch to the index following it, git's own lock on the index is held,
      // as git commands hold it: a `git commit` of the user's in that window would otherwise be
      // made from an index that does not hold the merge yet, and undo the task's work.
      const step = await this.withIndexLocked(async (env) => {
        // The index must already hold what the new commit holds for these, or read-tree would see
        // them as local changes in the way.
        await this.hooks.beforeStage?.();
        const present = await existing(repo, overlay);
        if (present.length > 0) await git(repo, ['add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input: present.join('\0') });
        const moved = await git(repo, ['update-ref', '-m', `ralph: merge ${commit.slice(0, 12)}`, ref, next, ours], { ok: [0, 1, 128] });
        // The user committed meanwhile: merge again onto the new tip.
        if (moved.code !== 0) return { result: 'again' as const, commit: false };
        try {
          await this.hooks.afterMove?.();
          await git(repo, ['read-tree', '-m', '-u', ours, next], { env });
          return { result: 'merged' as const, commit: true };
        } catch (error) {
          // A file changed under us between the check and now: put the branch back as it was.
          await git(repo, ['update-ref', ref, ours, next], { ok: [0, 1, 128] });
          return { result: error, commit: false };
        }
      });
      if (step === 'again') continue;
      if (step !== 'merged') {
        const detail = step instanceof GitCommandError ? step.stderr.trim() : String(step);
        const inTheWay = entriesInTheWay(detail);
        if (inTheWay.length > 0 && inTheWay.every((p) => own.includes(p))) {
          // The user saved tasks.md (or .progress.md) just now: merge again from their text.
          await new Promise((resolve) => setTimeout(resolve, 20 * (round + 1)));
          continue;
        }
        return { kind: 'conflict', files: inTheWay, reason: `the main working tree changed during the merge: ${detail}` };
      }
      return { kind: 'merged', commit: next, files: changed };
    }
    throw new Error('the branch or tasks.md kept changing while Ralph merged into it; try again');
  }

  /**
   * Runs `work` holding the main working tree's `index.lock`, taken the way git takes it (created
   * exclusively; one a killed git left is recovered, one a running git holds is waited for). The
   * work gets the environment of a private copy of the index; when it says so, that copy becomes
   * the index, through the lock file, as git itself replaces it.
   */
  private async withIndexLocked<T>(work: (env: Record<string, string>) => Promise<{ result: T; commit: boolean }>): Promise<T> {
    const index = path.resolve(this.repoDir, await gitText(this.repoDir, ['rev-parse', '--git-path', 'index']));
    const lock = `${index}.lock`;
    await withStaleLockRecovery(
      this.repoDir,
      async () => {
        try {
          await fs.writeFile(lock, ralphLockContent(), { flag: 'wx' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`Unable to create '${lock}': File exists.`);
          throw error;
        }
      },
      (e) => (e instanceof Error ? e.message : String(e)),
    );
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ralph-index-'));
    const temp = path.join(dir, 'index');
    let replaced = false;
    try {
      if (await exists(index)) await fs.copyFile(index, temp);
      const { result, commit } = await work({ GIT_INDEX_FILE: temp });
      if (commit) {
        await fs.copyFile(temp, lock);
        await fs.rename(lock, index);
        replaced = true;
      }
      return result;
    } finally {
      if (!replaced) await fs.rm(lock, { force: true });
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Ralph's own files, repository-relative. The spec path may have come through a symlink
   *  (macOS's /var, a linked home folder) while git reports real paths: compare real paths. */
  private async bookkeepingInRepo(): Promise<string[]> {
    const real = async (p: string) => path.join(await fs.realpath(path.dirname(p)).catch(() => path.dirname(p)), path.basename(p));
    const repo = await fs.realpath(this.repoDir).catch(() => this.repoDir);
    return Promise.all(this.bookkeeping.map(async (p) => toPosix(path.relative(repo, await real(p)))));
  }

  async finishMerge(journal: MergeJournal): Promise<boolean> {
    const repo = this.repoDir;
    const now = (await git(repo, ['rev-parse', '--verify', '--quiet', journal.ref], { ok: [0, 1] })).stdout.trim();
    if (now === journal.to) {
      // The branch moved; the working tree may not have followed, or only partly (files written,
      // index not yet): files that already hold the new content count as up to date.
      await this.indexFilesAlreadyAt(journal.from, journal.to);
      await git(repo, ['read-tree', '-m', '-u', journal.from, journal.to]);
      return true;
    }
    if (now === journal.from || now === '') return false;
    const contained = await git(repo, ['merge-base', '--is-ancestor', journal.to, now], { ok: [0, 1] });
    return contained.code === 0;
  }

  private async indexFilesAlreadyAt(from: string, to: string): Promise<void> {
    const raw = (await git(this.repoDir, ['diff-tree', '-r', '--no-renames', '-z', from, to])).stdout.split('\0');
    const upToDate: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const [, , , blob = ''] = (raw[i] ?? '').split(' ');
      const p = raw[i + 1] ?? '';
      if (/^0+$/.test(blob) || !(await exists(path.join(this.repoDir, p)))) continue;
      const onDisk = await git(this.repoDir, ['hash-object', '--', p], { ok: [0, 128] });
      if (onDisk.stdout.trim() === blob) upToDate.push(p);
    }
    if (upToDate.length > 0) await git(this.repoDir, ['update-index', '--add', '-z', '--stdin'], { input: upToDate.join('\0') });
  }

  /** Changed paths the user has uncommitted changes in, or an untracked or ignored file where
   *  the merge would add one. */
  private async userChangesIn(changed: readonly string[], added: ReadonlySet<string>): Promise<string[]> {
    if (changed.length === 0) return [];
    const dirty = new Set<string>();
    const status = (await git(this.repoDir, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout.split('\0');
    for (let i = 0; i < status.length; i++) {
      const field = status[i] ?? '';
      if (field.length < 4) continue;
      dirty.add(field.slice(3));
      if (/[RC]/.test(field.slice(0, 2))) dirty.add(status[++i] ?? '');
    }
    const inTheWay: string[] = [];
    for (const p of changed) {
      if (dirty.has(p) || (added.has(p) && (await exists(path.join(this.repoDir, p))))) inTheWay.push(p);
    }
    return inTheWay;
  }

  /** Paths inside the repository that git does not ignore. */
  private async committable(paths: readonly string[]): Promise<string[]> {
    const inside = paths.filter((p) => p !== '' && !p.startsWith('../') && !path.isAbsolute(p));
    if (inside.length === 0) return [];
    const ignored = (await git(this.repoDir, ['check-ignore', '-z', '--stdin'], { input: inside.join('\0'), ok: [0, 1] })).stdout.split('\0');
    return inside.filter((p) => !ignored.includes(p));
  }

  /** `tree` with the working-tree content of `paths` (deleted ones removed), via a temporary
   *  index so the user's index is not touched. */
  private async withWorkingCopies(tree: string, paths: readonly string[]): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ralph-index-'));
    const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
    try {
      await git(this.repoDir, ['read-tree', tree], { env });
      const present = await existing(this.repoDir, paths);
      const gone = paths.filter((p) => !present.includes(p));
      if (present.length > 0) await git(this.repoDir, ['add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input: present.join('\0') });
      if (gone.length > 0) await git(this.repoDir, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: gone.join('\0') });
      return await gitText(this.repoDir, ['write-tree'], { env });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Removing.

  async remove(worktree: TaskWorktree): Promise<void> {
    const uncommitted = (await exists(worktree.path)) ? await this.uncommittedIn(worktree.path) : [];
    if (uncommitted.length > 0) throw new Error(`${worktree.path} has uncommitted changes in ${listFiles(uncommitted)}; not removed`);
    const tip = await this.branchTip(worktree.branch);
    if (tip !== undefined && !(await this.isMerged(tip, await this.head()))) {
      throw new Error(`${worktree.branch} holds work that is not in the current branch; not removed`);
    }
    if (this.recycle && (await exists(worktree.path)) && (await this.keepAsSpare(worktree))) return;
    await this.removeUnchecked(worktree.path, worktree.branch);
  }

  private async keepAsSpare(worktree: TaskWorktree): Promise<boolean> {
    const spares = await this.spareList();
    if (spares.length >= MAX_SPARES) return false;
    try {
      await git(worktree.path, ['checkout', '--quiet', '--detach']);
      const spare = path.join(await this.makeRoot(), `${SPARE_PREFIX}${randomBytes(4).toString('hex')}`);
      await git(this.repoDir, ['worktree', 'move', worktree.path, spare]);
      spares.push(spare);
      // From an earlier version's folder in `.git`: nothing left there.
      await this.removeEmptyFolders(worktree.path);
    } catch {
      return false;
    }
    if ((await this.branchTip(worktree.branch)) !== undefined) await git(this.repoDir, ['branch', '-D', '--', worktree.branch]);
    return true;
  }

  /** Removes a worktree folder and its branch, whatever they hold. */
  async removeUnchecked(folder: string | undefined, branch: string): Promise<void> {
    if (folder !== undefined) {
      const registered = (await this.list()).some((e) => samePath(e.path, folder));
      if (registered) await git(this.repoDir, ['worktree', 'remove', '--force', '--force', folder]);
      await fs.rm(folder, { recursive: true, force: true });
      await git(this.repoDir, ['worktree', 'prune']);
      await this.removeEmptyFolders(folder);
    }
    if (branch !== '' && (await this.branchTip(branch)) !== undefined) await git(this.repoDir, ['branch', '-D', '--', branch]);
  }

  /** After a worktree's folder went: its spec folder if empty, and its repository's folder if
   *  only the marker is left (or, for an earlier version's, `ralph-worktrees` if empty). */
  private async removeEmptyFolders(folder: string): Promise<void> {
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

  /** The spec's task branches and worktrees still there, with what each holds; spares too. */
  async leftovers(): Promise<Leftover[]> {
    const head = await this.head();
    const prefix = `refs/heads/${this.branchPrefix}`;
    const entries = (await this.list()).filter((e) => e.branch?.startsWith(prefix));
    const refs = (await git(this.repoDir, ['for-each-ref', '--format=%(refname)%00%(objectname)', prefix])).stdout.split('\n').filter(Boolean);
    const out: Leftover[] = [];
    for (const line of refs) {
      const [ref = '', tip = ''] = line.split('\0');
      const entry = entries.find((e) => e.branch === ref);
      const folder = entry && !entry.prunable && (await exists(entry.path)) ? entry.path : undefined;
      out.push({
        branch: ref.slice('refs/heads/'.length),
        ...(folder !== undefined ? { path: folder } : {}),
        head: tip,
        merged: await this.isMerged(tip, head),
        uncommitted: folder !== undefined ? await this.uncommittedIn(folder) : [],
      });
    }
    for (const spare of await this.spareList()) {
      const tip = (await git(spare, ['rev-parse', 'HEAD'])).stdout.trim();
      out.push({ branch: '', path: spare, head: tip, merged: await this.isMerged(tip, head), uncommitted: await this.uncommittedIn(spare) });
    }
    for (const folder of await this.orphanedFolders()) out.push({ branch: '', path: folder, head: '', merged: false, uncommitted: [], orphaned: true });
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Facts.

  async head(): Promise<string> {
    try {
      return await gitText(this.repoDir, ['rev-parse', '--verify', 'HEAD^{commit}']);
    } catch {
      throw new Error(`${this.repoDir}: the repository has no commit yet; worktree isolation needs one to branch from`);
    }
  }

  /** Everything `commit` brings is in `into` already: merging it would change nothing. */
  async isMerged(commit: string, into: string): Promise<boolean> {
    if ((await git(this.repoDir, ['merge-base', '--is-ancestor', commit, into], { ok: [0, 1] })).code === 0) return true;
    const computed = await git(this.repoDir, ['merge-tree', '--write-tree', '--no-messages', into, commit], { ok: [0, 1] });
    if (computed.code !== 0) return false;
    return computed.stdout.split('\n')[0] === (await gitText(this.repoDir, ['rev-parse', `${into}^{tree}`]));
  }

  private async uncommittedIn(folder: string): Promise<string[]> {
    const included = await this.includedIn(folder);
    const status = (await git(folder, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout.split('\0');
    const paths: string[] = [];
    for (let i = 0; i < status.length; i++) {
      const field = status[i] ?? '';
      if (field.length < 4) continue;
      const p = field.slice(3);
      if (/[RC]/.test(field.slice(0, 2))) i++;
      if (!(field.startsWith('??') && included.has(p))) paths.push(p);
    }
    return paths;
  }

  private async mergeBase(a: string, b: string): Promise<string> {
    return gitText(this.repoDir, ['merge-base', a, b]).catch(() => a);
  }

  private async branchTip(branch: string): Promise<string | undefined> {
    const r = await git(this.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { ok: [0, 1] });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  private async list(): Promise<WorktreeEntry[]> {
    const fields = (await git(this.repoDir, ['worktree', 'list', '--porcelain', '-z'])).stdout.split('\0');
    const entries: WorktreeEntry[] = [];
    let current: { path: string; head?: string; branch?: string; prunable: boolean; initializing?: boolean } | undefined;
    for (const field of fields) {
      if (field === '') {
        if (current) entries.push(current);
        current = undefined;
      } else if (field.startsWith('worktree ')) {
        current = { path: field.slice('worktree '.length), prunable: false };
      } else if (current && field.startsWith('HEAD ')) {
        current.head = field.slice(5);
      } else if (current && field.startsWith('branch ')) {
        current.branch = field.slice(7);
      } else if (current && field.startsWith('prunable')) {
        current.prunable = true;
      } else if (current && field === 'locked initializing') {
        current.initializing = true;
      }
    }
    if (current) entries.push(current);
    return entries;
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function listFiles(files: readonly string[]): string {
  if (files.length === 0) return '(no file named)';
  const shown = files.slice(0, 5).join(', ');
  return files.length > 5 ? `${shown} and ${files.length - 5} more` : shown;
}


/** The paths `git read-tree -m -u` names as being in its way ("Entry 'x' not uptodate. Cannot
 *  merge.", "Entry 'x' would be overwritten by merge. Cannot merge."). */
function entriesInTheWay(stderr: string): string[] {
  return unique([...stderr.matchAll(/Entry '(.+?)' (?:not uptodate|would be overwritten by merge)/g)].map((m) => m[1] ?? ''));
}

async function existing(root: string, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (await exists(path.join(root, p))) out.push(p);
  return out;
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
