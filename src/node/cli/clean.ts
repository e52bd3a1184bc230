// `ralph clean <spec>`: the task worktrees and branches a worktree run left behind (failed tasks,
// merge conflicts, a killed run), listed, and removed. Merged and clean ones go at once; anything
// holding work that is not in the current branch goes only when the user says so.

import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadSpec } from '../specFiles';
import { RUN_LOCK_FILE } from '../../core/run';
import { acquireSpecLock } from '../stores/lock';
import { GitWorktrees, type Leftover } from '../worktree';
import { gitTopLevel } from '../gitRun';
import { parseCommandArgs, tagOption, UsageError, type CliIo } from './main';

export interface CleanIo extends CliIo {
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Asks a yes/no question; tests pass their own. Default: a y/N prompt on a TTY. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export async function cleanCommand(args: readonly string[], io: CleanIo): Promise<number> {
  const { values, spec: arg } = parseCommandArgs(args, { yes: { type: 'boolean', short: 'y' }, tag: { type: 'string' } });
  const loaded = loadSpec(arg, { cwd: io.cwd, ...tagOption(values.tag) });
  // A Task Master tag that never ran has no folder of its own yet, and so nothing left behind.
  if (!existsSync(loaded.specDir)) {
    io.stdout.write(`${loaded.spec.path}: no run of this tag yet, so no task worktrees or branches left\n`);
    return 0;
  }
  const top = await gitTopLevel(loaded.specDir);
  if (top === undefined) throw new UsageError(`${loaded.spec.path} is not in a git repository: there are no worktrees to clean`);
  // A run of this spec may be using its worktrees right now.
  const release = acquireSpecLock(join(loaded.specDir, RUN_LOCK_FILE));
  try {
    const worktrees = new GitWorktrees({ repoDir: top, specName: basename(loaded.specDir) });
    const leftovers = await worktrees.leftovers();
    if (leftovers.length === 0) {
      io.stdout.write(`${loaded.spec.path}: no task worktrees or branches left (${worktrees.branchPrefix}*)\n`);
      return 0;
    }
    io.stdout.write(`${loaded.spec.path}: ${leftovers.length} task branch(es) left:\n`);
    for (const l of leftovers) io.stdout.write(`  ${l.branch || kind(l)}  ${describe(l)}${l.path ? `\n      ${l.path}` : ''}\n`);

    const safe = leftovers.filter((l) => l.merged && l.uncommitted.length === 0);
    const holding = leftovers.filter((l) => !safe.includes(l));
    for (const l of safe) {
      await worktrees.removeUnchecked(l.path, l.branch);
      io.stdout.write(`removed ${l.branch || `${kind(l)} ${l.path ?? ''}`} (merged)\n`);
    }
    if (holding.length === 0) return 0;

    let drop = Boolean(values.yes);
    if (!drop) {
      const stdin = io.stdin ?? process.stdin;
      const ask = io.confirm ?? (stdin.isTTY ? (q: string) => askYesNo(q, stdin, io.stdout) : undefined);
      if (ask === undefined) {
        io.stderr.write(
          `ralph: refusing to remove ${holding.length} branch(es) holding work that is not in the current branch ` +
            `(${holding.map((l) => l.branch || l.path).join(', ')}) without confirmation; run 'ralph clean ${arg} --yes' to remove them anyway\n`,
        );
        return 1;
      }
      drop = await ask(`Remove ${holding.length} branch(es) and worktree(s) with unmerged or uncommitted work? This cannot be undone. [y/N] `);
    }
    if (!drop) {
      io.stdout.write(`kept ${holding.map((l) => l.branch || l.path).join(', ')}\n`);
      return 0;
    }
    for (const l of holding) {
      await worktrees.removeUnchecked(l.path, l.branch);
      io.stdout.write(`removed ${l.branch || `${kind(l)} ${l.path ?? ''}`} (its ${l.orphaned ? 'content' : 'work'} is gone)\n`);
    }
    return 0;
  } finally {
    release();
  }
}

function kind(l: Leftover): string {
  return l.orphaned ? 'moved-aside folder' : 'spare worktree';
}

function describe(l: Leftover): string {
  // Found where a task's worktree belonged, unknown to git: what is in it is no one's known work.
  if (l.orphaned) return 'NOT A WORKTREE: found where a task\'s worktree belonged and moved aside; may hold edits of an agent of a killed run';
  const parts: string[] = [l.merged ? 'merged' : 'NOT MERGED: has commits whose changes are not in the current branch'];
  if (l.uncommitted.length > 0) {
    const shown = l.uncommitted.slice(0, 3).join(', ');
    parts.push(`uncommitted changes in ${shown}${l.uncommitted.length > 3 ? ` and ${l.uncommitted.length - 3} more` : ''}`);
  }
  if (!l.path) parts.push('no worktree');
  return parts.join('; ');
}

function askYesNo(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input, output });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(answer));
    });
    rl.on('close', () => resolve(false));
  });
}
