// `ralph clean <spec>`: the task worktrees and branches a worktree run left behind, listed and
// removed (src/node/leftovers.ts decides what goes); unmerged work goes only after a yes on a
// TTY, or with --yes.

import { createInterface } from 'node:readline';
import { loadSpec } from '../specFiles';
import { cleanLeftovers, describeLeftover, leftoverName } from '../leftovers';
import { parseCommandArgs, tagOption, UsageError, type CliIo } from './args';

export interface CleanIo extends CliIo {
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Asks a yes/no question; tests pass their own. Default: a y/N prompt on a TTY. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export async function cleanCommand(args: readonly string[], io: CleanIo): Promise<number> {
  const { values, spec: arg } = parseCommandArgs(args, { yes: { type: 'boolean', short: 'y' }, tag: { type: 'string' } });
  const loaded = loadSpec(arg, { cwd: io.cwd, ...tagOption(values.tag) });
  const stdin = io.stdin ?? process.stdin;
  const ask = values.yes ? async () => true : (io.confirm ?? (stdin.isTTY ? (q: string) => askYesNo(q, stdin, io.stdout) : undefined));
  const outcome = await cleanLeftovers(loaded, {
    onFound: (found) => {
      io.stdout.write(`${loaded.spec.path}: ${found.length} task branch(es) left:\n`);
      for (const l of found) io.stdout.write(`  ${leftoverName(l)}  ${describeLeftover(l)}${l.path ? `\n      ${l.path}` : ''}\n`);
    },
    ...(ask
      ? { confirmDrop: (holding) => ask(`Remove ${holding.length} branch(es) and worktree(s) with unmerged or uncommitted work? This cannot be undone. [y/N] `) }
      : {}),
  });
  switch (outcome.kind) {
    case 'no-repository':
      throw new UsageError(`${loaded.spec.path} is not in a git repository: there are no worktrees to clean`);
    case 'never-ran':
      io.stdout.write(`${loaded.spec.path}: no run of this tag yet, so no task worktrees or branches left\n`);
      return 0;
    case 'clean':
      io.stdout.write(`${loaded.spec.path}: no task worktrees or branches left (${outcome.branchPrefix ?? ''}*)\n`);
      return 0;
  }
  for (const { leftover, merged } of outcome.removed) {
    io.stdout.write(`removed ${leftoverName(leftover, true)} (${merged ? 'merged' : `its ${leftover.orphaned ? 'content' : 'work'} is gone`})\n`);
  }
  if (outcome.kept.length === 0) return 0;
  const names = outcome.kept.map((l) => l.branch || l.path).join(', ');
  if (outcome.unconfirmed) {
    io.stderr.write(
      `ralph: refusing to remove ${outcome.kept.length} branch(es) holding work that is not in the current branch ` +
        `(${names}) without confirmation; run 'ralph clean ${arg} --yes' to remove them anyway\n`,
    );
    return 1;
  }
  io.stdout.write(`kept ${names}\n`);
  return 0;
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
