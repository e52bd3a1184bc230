// The `ralph` command line: the same engine as the extension, for terminals and CI.
// Exit codes: 0 ok, 1 the plan has errors or tasks failed, 2 bad input or usage, or the machine
// lacks what a run needs (git, disk space).

import { loadSpec } from '../specFiles';
import { DEFAULT_MAX_CONCURRENT, planSpec } from '../../core/plan';
import { toMermaid } from '../../core/mermaid';
import { formatPlanText, toPlanJson } from '../../core/report';
import { runCommand, statusCommand } from './run';
import { cleanCommand } from './clean';
import { checkAgentCommand } from './checkAgent';
import { userProblem } from '../userErrors';
import { parseCommandArgs, positiveInt, tagOption, UsageError, type CliIo } from './args';

export { parseCommandArgs, positiveInt, tagOption, UsageError, type CliIo };



const USAGE = `Usage: ralph <command> <spec> [options]

<spec> is a tasks.md, a spec folder holding one, a JSON task manifest, or Task Master's
.taskmaster/tasks/tasks.json (or a folder holding .taskmaster/).

Commands
  plan <spec>      show parallel groups, DAG levels, conflicts, diagnostics, estimate
                   --max-concurrent N   slots for the estimate (default 3)
                   --json               one stable JSON object
                   --tag NAME           Task Master: read this tag (default: Task Master's
                                        current tag in .taskmaster/state.json, else master)
                   --include-optional   count Kiro's optional tasks (- [ ]* 2.3), which
                                        runs skip unless asked
  graph <spec>     print the DAG as mermaid flowchart text (--mermaid, --direction TD|LR,
                   --tag NAME)
  run <spec>       run the spec's tasks with an agent, in parallel where the plan allows
                   --agent claude|codex|gemini|opencode|aider|demo|"<command template>"
                   --max-concurrent N   (default 3)      --mode dag|waves (default dag)
                   --commit batch|individual|none (default batch)
                   --task ID  --group N  (run one task / one parallel group, 1-based)
                   --with-dependencies  with --task/--group: run what they wait for first
                   --include-optional   also run Kiro's optional tasks (- [ ]* 2.3); without
                                        it they are skipped (--task runs one by name)
                   --timeout 30m        per-task timeout   --max-task-iterations N (default 2)
                   --isolation none|worktree  each task in a git worktree of its own, merged
                                        back in task order (default worktree when the
                                        repository has a commit, none otherwise)
                   --worktree-include GLOB  untracked files (.env) copied into each worktree
                   --max-cost USD       start no new task once the agents have reported
                                        this much cost (running tasks finish)
                   --runner KIND[@WHERE][,slots=N]  where agents run (repeatable): local,
                                        docker (a container per attempt here), docker@ssh://…
                                        or docker@CONTEXT (another engine, code by git
                                        bundles), kubernetes@CONTEXT (a Job per attempt)
                   --image IMG  --cpus N  --memory 4g  --network on|off|host
                   --pass-env NAME      a variable handed into containers by name (repeatable)
                   --env-file FILE      NAME=value lines for the engine
                   --job-template FILE  --job-secret NAME   (kubernetes)
                   --verbose            each agent's transcript: its text, one line per
                                        tool call (✎ Edit src/x.ts, $ npm test), its answer
                   --json               RunEvents as JSON lines
                   --tag NAME           Task Master: run this tag's tasks (as plan)
  retry <spec>     rerun failed tasks (and those they blocked); same options as run
  status <spec>    the last run: each task's status, attempts, time, tokens and cost,
                   and where its agent's raw output is kept (--json, --tag NAME)
  clean <spec>     list and remove the task worktrees and branches a run left behind; asks
                   before dropping unmerged work (--yes to drop it without asking; --tag NAME)
  check-agent      is the agent installed and logged in? Runs its version and login-status
                   commands (nothing that costs) and says what to do (--agent as for run,
                   default claude; --json); exit 0 when a run could start with it

Exit codes: 0 ok · 1 plan errors or failed tasks · 2 bad input or usage, or a problem of the
machine (git not installed or not on PATH, no space left on the disk)`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'plan':
        return planCommand(rest, io);
      case 'graph':
        return graphCommand(rest, io);
      case 'clean':
        return await cleanCommand(rest, io);
      case 'check-agent':
        return await checkAgentCommand(rest, io);
      case 'run':
      case 'retry':
      case 'status':
        if (command === 'status') return await statusCommand(rest, io);
        return await runCommand(rest, io, command === 'retry');
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        io.stdout.write(`${readVersion()}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    return reportError(err, io);
  }
}

export function reportError(err: unknown, io: CliIo): number {
  if (err instanceof UsageError || (err instanceof Error && (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')) {
    io.stderr.write(`ralph: ${err.message}\nRun 'ralph help' for usage.\n`);
    return 2;
  }
  // A file to fix, a spec another run holds, a machine without git or disk space: not Ralph's bug.
  const problem = userProblem(err);
  if (problem !== undefined) {
    io.stderr.write(`ralph: ${problem.message}\n`);
    return 2;
  }
  // Anything else is a bug in Ralph: say so, with the stack only when asked for.
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`ralph: internal error: ${e.message}\n`);
  if (io.env.RALPH_DEBUG) io.stderr.write(`${e.stack}\n`);
  return 2;
}

function planCommand(args: readonly string[], io: CliIo): number {
  const { values, spec: arg } = parseCommandArgs(args, {
    'max-concurrent': { type: 'string' },
    json: { type: 'boolean' },
    tag: { type: 'string' },
    'include-optional': { type: 'boolean' },
  });
  const maxConcurrent = positiveInt(values['max-concurrent'], '--max-concurrent', DEFAULT_MAX_CONCURRENT);
  const { spec } = loadSpec(arg, { cwd: io.cwd, ...tagOption(values.tag) });
  const plan = planSpec(spec, { maxConcurrent, includeOptional: values['include-optional'] === true });
  if (values.json) io.stdout.write(JSON.stringify(toPlanJson(plan), null, 2) + '\n');
  else io.stdout.write(formatPlanText(plan));
  return plan.hasErrors ? 1 : 0;
}

function graphCommand(args: readonly string[], io: CliIo): number {
  const { values, spec: arg } = parseCommandArgs(args, {
    mermaid: { type: 'boolean' },
    direction: { type: 'string' },
    tag: { type: 'string' },
  });
  const direction = values.direction ?? 'TD';
  if (direction !== 'TD' && direction !== 'LR') throw new UsageError(`--direction must be TD or LR`);
  const { spec } = loadSpec(arg, { cwd: io.cwd, ...tagOption(values.tag) });
  const plan = planSpec(spec);
  io.stdout.write(toMermaid(plan, { direction }) + '\n');
  return plan.hasErrors ? 1 : 0;
}

declare const RALPH_VERSION: string | undefined;
function readVersion(): string {
  return typeof RALPH_VERSION === 'string' ? RALPH_VERSION : 'dev';
}
