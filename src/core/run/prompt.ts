// The prompt an agent receives for one task. Plain markdown: every agent CLI accepts it as is,
// and it reaches the agent through a prompt file, never through a shell line.

import type { Plan, Task } from '../model';

export interface PromptContext {
  readonly specDir: string;
  /** The tasks file as the agent can read it (in its worktree, when it has one). */
  readonly specFile?: string;
  readonly progressFile: string;
  readonly attempt: number;
  readonly lastFailure?: string;
  /** Worktree isolation: the task's own worktree (the agent's working directory) and branch. */
  readonly worktree?: { readonly path: string; readonly branch: string };
}

/** Joins with the separator the folder already uses, so core needs no `path` module. */
export function joinPath(dir: string, name: string): string {
  const separator = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.replace(/[\\/]+$/, '') + separator + name;
}

/**
 * The shell command of a task's `Verify` field. The parser already takes the command out of the
 * prose around it; a field still written as `` `npm test` exits 0 `` (hand-built tasks) gives its
 * leading code span. A command with backticks inside it stays whole.
 */
export function verifyCommandOf(task: Task): string | undefined {
  const raw = task.verify?.trim();
  if (!raw) return undefined;
  const span = raw.startsWith('`') ? /^`([^`]+)`/.exec(raw) : null;
  const command = (span ? span[1] : raw)?.trim();
  return command ? command : undefined;
}

export function buildPrompt(plan: Plan, task: Task, ctx: PromptContext): string {
  const tasksPath = ctx.specFile ?? (plan.spec.path.length > 0 ? plan.spec.path : joinPath(ctx.specDir, 'tasks.md'));
  const taskMaster = plan.spec.format === 'taskmaster';
  const verify = verifyCommandOf(task);
  const lines: string[] = [
    `# Task ${task.id}: ${task.title}`,
    '',
    `You are carrying out one task of the spec${plan.spec.title ? ` "${plan.spec.title}"` : ''}. ` +
      (ctx.worktree
        ? `You work in a git worktree of your own (${ctx.worktree.path}, branch ${ctx.worktree.branch}); ` +
          'other agents work on other tasks in worktrees of their own, and Ralph merges each task ' +
          'when it passes: change only what this task needs.'
        : 'Other agents may be working on other tasks of the same spec in the same working tree at the ' +
          'same time: change only what this task needs.'),
    '',
    '## Spec',
    '',
    ...(taskMaster
      ? [`- Tasks: ${tasksPath} (Task Master${plan.spec.tag !== undefined ? `, tag "${plan.spec.tag}"` : ''}; this task is id ${task.id})`]
      : [
          `- Spec folder: ${ctx.specDir}`,
          `- Requirements: ${joinPath(ctx.specDir, 'requirements.md')}`,
          `- Design: ${joinPath(ctx.specDir, 'design.md')}`,
          `- Tasks: ${tasksPath}`,
        ]),
    '',
    '## The task',
    '',
    task.text.trimEnd(),
    '',
  ];
  if (task.files.length > 0) {
    lines.push('## Files', '', ...task.files.map((f) => `- ${f}`), '');
  }
  if (verify) {
    lines.push('## Verify', '', 'The task counts as done only when this command passes:', '', '```sh', verify, '```', '');
  }
  lines.push(
    '## Progress',
    '',
    `Write your progress to ${ctx.progressFile} (not to .progress.md: other agents run beside you), ` +
      'with these two sections:',
    '',
    '```markdown',
    '## Completed Tasks',
    `- [x] ${task.id} ${task.title}`,
    '',
    '## Learnings',
    '- what you found out that the next tasks should know',
    '```',
    '',
    taskMaster
      ? 'Do not change the task\'s status in tasks.json and do not commit: Ralph does both once the task passes.'
      : 'Do not check off the task in tasks.md and do not commit: Ralph does both once the task passes.',
    '',
  );
  if (ctx.attempt > 1) {
    lines.push(
      `## Attempt ${ctx.attempt}`,
      '',
      'A previous attempt at this task failed' + (ctx.lastFailure ? ':' : '.'),
      ...(ctx.lastFailure ? ['', ctx.lastFailure] : []),
      '',
      'Find the cause and fix it; do not repeat the same approach blindly.',
      '',
    );
  }
  return lines.join('\n');
}
