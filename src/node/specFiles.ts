// Finding and reading a spec from what a user typed: a tasks.md, a spec folder or a manifest.

import { readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, basename } from 'node:path';
import type { Spec } from '../core/model';
import { parseTaskMaster, parseWith, specReaderFor, TASK_MASTER_DEFAULT_TAG, type BlockCache } from '../core/parse';

/** A problem with the input itself: shown as `file[:line]: message`, exit code 2. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
  format(): string {
    return `${this.file}${this.line !== undefined ? `:${this.line}` : ''}: ${this.message}`;
  }
}

export interface LoadedSpec {
  readonly spec: Spec;
  /** Absolute path of the file read. */
  readonly file: string;
  /** Absolute path of the spec folder (where state and progress files live). */
  readonly specDir: string;
  readonly text: string;
}

const MANIFEST_NAMES = ['tasks.json', 'manifest.json', 'virtual-task-manifest.json'];
/** Where Task Master keeps its tasks, from the root of the repository that uses it. */
export const TASK_MASTER_FILE = join('.taskmaster', 'tasks', 'tasks.json');

/** Resolves a spec argument to the file that holds its tasks. */
export function resolveSpecFile(arg: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, arg);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw new InputError('no such file or folder', arg);
  }
  if (stat.isDirectory()) {
    const candidates = ['tasks.md', ...MANIFEST_NAMES, TASK_MASTER_FILE].map((n) => join(abs, n));
    const found = candidates.find((c) => existsSync(c));
    if (!found) throw new InputError(`no tasks.md (or tasks.json, or ${TASK_MASTER_FILE}) in this folder`, arg);
    return found;
  }
  return abs;
}

/** Reads `file` until two reads a moment apart agree: an editor saving in place truncates the
 *  file and then writes it, and a run planned from what was there in between would see no tasks
 *  (or half of them) and call the spec finished. */
function readSettled(file: string): string {
  let text = readFileSync(file, 'utf8');
  for (let i = 0; i < 20; i++) {
    // An empty file is the likeliest moment of a save: it must stay empty a while to count.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, text.trim() === '' ? 250 : 15);
    const again = readFileSync(file, 'utf8');
    if (again === text) return text;
    text = again;
  }
  return text;
}

/** `settle`: for runs, read until the file holds still (see readSettled). */
export function loadSpec(arg: string, options: { cwd?: string; cache?: BlockCache; tag?: string; settle?: boolean } = {}): LoadedSpec {
  const file = resolveSpecFile(arg, options.cwd);
  let text: string;
  try {
    text = options.settle ? readSettled(file) : readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, arg);
  }
  const displayPath = relativeForDisplay(file, options.cwd);
  const reader = specReaderFor(text, file, options.tag);
  if (reader === 'taskmaster') return loadTaskMaster(file, text, displayPath, options.tag);
  const spec = parseWith(reader, text, { path: displayPath, ...(options.cache ? { cache: options.cache } : {}) });
  throwIfMalformed(spec, displayPath);
  return { spec, file, specDir: dirname(file), text };
}

function throwIfMalformed(spec: Spec, displayPath: string, hint = ''): void {
  const fatal = spec.diagnostics.find((d) => d.code === 'malformed-input');
  if (fatal) throw new InputError(fatal.message + hint, displayPath, fatal.range.start.line + 1);
}

/**
 * A Task Master file, read at the tag asked for, else at Task Master's own current tag (its
 * `.taskmaster/state.json`, as `task-master use-tag` left it), else `master`. Each tag is a list
 * of its own whose ids repeat those of the others (every tag has a task 1), so each tag other
 * than `master` keeps Ralph's state, progress notes, lock and worktree branches in a folder of
 * its own: `ralph-tags/<tag>` beside tasks.json.
 */
function loadTaskMaster(file: string, text: string, displayPath: string, asked: string | undefined): LoadedSpec {
  const current = asked === undefined ? taskMasterCurrentTag(file) : undefined;
  const tag = asked ?? current;
  const spec = parseTaskMaster(text, { path: displayPath, ...(tag !== undefined ? { tag } : {}) });
  throwIfMalformed(spec, displayPath, current !== undefined ? ` (the current tag of ${join('.taskmaster', 'state.json')}; choose another with --tag)` : '');
  const specDir = spec.tag === undefined || spec.tag === TASK_MASTER_DEFAULT_TAG ? dirname(file) : join(dirname(file), 'ralph-tags', folderSafe(spec.tag));
  return { spec, file, specDir, text };
}

/** `currentTag` of the `state.json` beside the `tasks` folder of a `.taskmaster` tasks.json. */
function taskMasterCurrentTag(file: string): string | undefined {
  const tasksDir = dirname(file);
  if (basename(tasksDir) !== 'tasks' || basename(dirname(tasksDir)) !== '.taskmaster') return undefined;
  try {
    const state: unknown = JSON.parse(readFileSync(join(dirname(tasksDir), 'state.json'), 'utf8'));
    const tag = typeof state === 'object' && state !== null ? (state as { currentTag?: unknown }).currentTag : undefined;
    return typeof tag === 'string' && tag.trim() !== '' ? tag : undefined;
  } catch {
    return undefined; // no state.json (or not JSON): Task Master's own default then
  }
}

/** A tag as one folder name: Task Master's tags are letters, digits, `-` and `_`; anything else
 *  (a hand-edited key such as `../x`) is replaced so it stays one folder below `ralph-tags`. */
function folderSafe(tag: string): string {
  const safe = tag.replace(/[^A-Za-z0-9_-]/g, '_');
  return safe === '' ? '_' : safe;
}

function relativeForDisplay(file: string, cwd = process.cwd()): string {
  const base = resolve(cwd);
  if (file.startsWith(base + '/')) return file.slice(base.length + 1);
  return file === base ? basename(file) : file;
}
