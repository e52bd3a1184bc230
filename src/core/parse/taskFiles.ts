// Which of the files a task names may stand in its scope. Decided while reading, for every format,
// so the planner, the scheduler, the prompt, the agent's RALPH_FILES and both faces all see the
// same list, and the diagnostics say what was left out or must be fixed.

import type { Diagnostic, Range } from '../model';
import { MAX_FILE_PATTERN_LENGTH } from './limits';

/** Whether a task's file points outside the repository: an absolute path, a drive (`C:\x`,
 *  `C:x`), a home folder (`~/x`), or one that climbs above the root with `..`. Files are named
 *  relative to the repository root, where every agent starts. */
export function isOutsideRepository(file: string): boolean {
  const path = file.trim().replace(/\\/g, '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path === '~' || path.startsWith('~/')) return true;
  let depth = 0;
  for (const segment of path.split('/')) {
    if (segment === '..') {
      if (--depth < 0) return true;
    } else if (segment !== '' && segment !== '.') {
      depth++;
    }
  }
  return false;
}

function shown(file: string): string {
  return file.length > 60 ? `${file.slice(0, 60)}…` : file;
}

/**
 * The files of task `taskId` that go into its scope, with diagnostics at `where`:
 * - a pattern longer than MAX_FILE_PATTERN_LENGTH is left out, with a warning;
 * - a file outside the repository named in a files field (`declared`) is an error and stays, so
 *   the plan cannot run until it is fixed; one picked out of a task's prose (spec-kit) is left
 *   out with a warning, as the prose may well mention it for reference.
 * Returns `files` itself when it keeps all of them.
 */
export function screenTaskFiles(
  files: readonly string[],
  taskId: string,
  how: 'declared' | 'described',
  where: Range,
  diagnostics: Diagnostic[],
): readonly string[] {
  let kept: string[] | undefined;
  files.forEach((file, i) => {
    let keep = true;
    if (file.length > MAX_FILE_PATTERN_LENGTH) {
      keep = false;
      diagnostics.push({
        severity: 'warning',
        code: 'file-pattern-too-long',
        message: `Task ${taskId}: file pattern too long (${file.length} characters, limit ${MAX_FILE_PATTERN_LENGTH}): "${shown(file)}" is left out of its files`,
        range: where,
        taskId,
      });
    } else if (isOutsideRepository(file)) {
      keep = how === 'declared';
      diagnostics.push(
        how === 'declared'
          ? {
              severity: 'error',
              code: 'file-outside-repository',
              message: `Task ${taskId}: file ${shown(file)} is outside the repository; name files relative to the repository root`,
              range: where,
              taskId,
            }
          : {
              severity: 'warning',
              code: 'file-outside-repository',
              message: `Task ${taskId}: ${shown(file)} is outside the repository, so it is not among the task's files`,
              range: where,
              taskId,
            },
      );
    }
    if (!keep) kept ??= files.slice(0, i);
    else kept?.push(file);
  });
  return kept ?? files;
}
