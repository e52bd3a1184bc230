// Commit messages and which changed paths belong to which task. All agents share one working
// tree, so a task's commit can only be told apart from the others by the files it declared.

import picomatch from 'picomatch';
import type { Task } from '../model';
import { pathPattern } from '../parse/paths';

/** `path` relative to `root` with forward slashes, or undefined when it lies outside root. */
export function relativeTo(root: string, path: string): string | undefined {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const r = norm(root);
  const p = norm(path);
  if (!/^([a-zA-Z]:)?\//.test(p)) return p.replace(/^\.\//, '');
  if (r.length === 0) return p;
  if (p === r) return '';
  return p.startsWith(r + '/') ? p.slice(r.length + 1) : undefined;
}

/** The `Commit` field without the code span around it. */
export function commitSubjectOf(task: Task): string | undefined {
  const raw = task.commit?.trim();
  if (!raw) return undefined;
  const span = /^`([^`]+)`/.exec(raw);
  const subject = (span ? span[1] : raw)?.trim();
  return subject ? subject : undefined;
}

export function batchCommitMessage(tasks: readonly Task[]): string {
  const [only] = tasks;
  if (tasks.length === 1 && only) return singleTaskCommitMessage(only);
  const subject = `ralph: ${tasks.map((t) => t.id).join(', ')} — ${tasks.map((t) => t.title).join('; ')}`;
  const body = tasks.map((t) => `- ${t.id} ${commitSubjectOf(t) ?? t.title}`);
  return [subject, '', ...body].join('\n');
}

export function singleTaskCommitMessage(task: Task): string {
  const subject = commitSubjectOf(task) ?? `ralph: ${task.id} — ${task.title}`;
  return [subject, '', `Task ${task.id}: ${task.title}`].join('\n');
}

/** Whether a commit message is one Ralph wrote for task `id` (alone or in a batch). */
export function commitMessageNames(message: string, id: string): boolean {
  return message.split('\n').some((line) => line.startsWith(`Task ${id}: `) || line.startsWith(`- ${id} `));
}

/** Whether a changed path falls inside one of a task's declared files: the same path, a path
 *  under a declared folder, or a match of a declared glob. */
export function declaredFileMatcher(declared: readonly string[]): (path: string) => boolean {
  const patterns = declared
    .map((d) => d.trim().replace(/^`|`$/g, '').replace(/\\/g, '/').replace(/^\.\//, ''))
    .filter((d) => d.length > 0);
  // Which declared files are globs is parse/paths' answer: `app/[id]/route.ts` is a path.
  const read = patterns.map((p) => ({ p, as: pathPattern(p.split('/').filter((s) => s !== '' && s !== '.')) }));
  const globs = read.filter((r) => r.as.isGlob).map((r) => r.as.pattern);
  const globMatch = globs.length > 0 ? picomatch(globs, { dot: true }) : () => false;
  const plain = read.filter((r) => !r.as.isGlob).map((r) => r.p.replace(/\/+$/, ''));
  return (path) => plain.some((p) => path === p || path.startsWith(p + '/')) || globMatch(path);
}
