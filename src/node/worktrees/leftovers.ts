// What runs of a spec left behind in the repository, as git and the worktrees folder record it:
// task branches (with or without a worktree), spare worktrees, and folders moved aside. Found
// here, judged and removed by src/node/leftovers.ts (`ralph clean`, Clean Worktrees).

import { exists } from '../git';
import { git } from '../gitRun';
import type { RepoFacts } from './facts';
import type { SpecFolders } from './paths';

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

/** The spec's task branches and worktrees still there, with what each holds; spares (`spares`
 *  lists them) too. */
export async function findLeftovers(facts: RepoFacts, folders: SpecFolders, spares: () => Promise<readonly string[]>): Promise<Leftover[]> {
  const head = await facts.head();
  const prefix = `refs/heads/${folders.branchPrefix}`;
  const entries = (await facts.list()).filter((e) => e.branch?.startsWith(prefix));
  const refs = (await git(facts.repoDir, ['for-each-ref', '--format=%(refname)%00%(objectname)', prefix])).stdout.split('\n').filter(Boolean);
  const out: Leftover[] = [];
  for (const line of refs) {
    const [ref = '', tip = ''] = line.split('\0');
    const entry = entries.find((e) => e.branch === ref);
    const folder = entry && !entry.prunable && (await exists(entry.path)) ? entry.path : undefined;
    out.push({
      branch: ref.slice('refs/heads/'.length),
      ...(folder !== undefined ? { path: folder } : {}),
      head: tip,
      merged: await facts.isMerged(tip, head),
      uncommitted: folder !== undefined ? await facts.uncommittedIn(folder) : [],
    });
  }
  for (const spare of await spares()) {
    const tip = (await git(spare, ['rev-parse', 'HEAD'])).stdout.trim();
    out.push({ branch: '', path: spare, head: tip, merged: await facts.isMerged(tip, head), uncommitted: await facts.uncommittedIn(spare) });
  }
  for (const folder of await folders.orphanedFolders()) out.push({ branch: '', path: folder, head: '', merged: false, uncommitted: [], orphaned: true });
  return out;
}
