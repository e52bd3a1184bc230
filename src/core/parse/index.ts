// The spec readers: tasks.md (ralph-specum, spec-kit, Kiro) and JSON task manifests → Spec.

import type { Spec, SpecFormat } from '../model';
import { BlockCache } from './blockBody';
import { parseManifest } from './manifest';
import { parseMarkdownSpec } from './markdown';
import { looksLikeTaskMaster, parseTaskMaster } from './taskMaster';

export { BlockCache } from './blockBody';
export { parseManifest } from './manifest';
export { looksLikeTaskMaster, parseTaskMaster, TASK_MASTER_DEFAULT_TAG } from './taskMaster';
export { matchTaskLine, type TaskLineMatch } from './taskLine';
export { unwrittenIdTasks } from './markdown';
export { extractVerifyCommand, parseEstimateMinutes } from './values';

/** Reads a tasks.md. `format` is detected from the task ids and checkboxes when not given. */
export function parseSpec(text: string, options: { path: string; format?: SpecFormat; cache?: BlockCache }): Spec {
  if (options.format === 'manifest') return parseManifest(text, options);
  if (options.format === 'taskmaster') return parseTaskMaster(text, options);
  return parseMarkdownSpec(text, options);
}

/** Which reader a file takes — decided here once, for the CLI, the extension and the tests: the
 *  path's extension when it says (`.md` markdown; `.json`, `.jsonc` JSON), else the text (a JSON
 *  object or array is JSON); JSON with Task Master's shape (or read at a tag) is Task Master's
 *  tasks.json, other JSON a task manifest. */
export type SpecReader = 'markdown' | 'manifest' | 'taskmaster';

export function specReaderFor(text: string, path: string, tag?: string): SpecReader {
  const json = /\.jsonc?$/i.test(path) || (!/\.(md|markdown)$/i.test(path) && looksLikeJson(text));
  if (!json) return 'markdown';
  return tag !== undefined || looksLikeTaskMaster(text, path) ? 'taskmaster' : 'manifest';
}

/** Reads a spec file with the reader given (as specReaderFor picked it). */
export function parseWith(reader: SpecReader, text: string, options: { path: string; cache?: BlockCache; tag?: string }): Spec {
  switch (reader) {
    case 'taskmaster':
      return parseTaskMaster(text, options);
    case 'manifest':
      return parseManifest(text, options);
    default:
      return parseMarkdownSpec(text, options);
  }
}

/** Reads any spec file with the reader specReaderFor picks. */
export function parseAny(text: string, options: { path: string; cache?: BlockCache; tag?: string }): Spec {
  return parseWith(specReaderFor(text, options.path, options.tag), text, options);
}

function looksLikeJson(text: string): boolean {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  // `[` alone could open a markdown link or checkbox; a task array goes on with `{` (or is empty).
  return start.startsWith('{') || /^\[\s*(?:\{|\]\s*$)/.test(start);
}
