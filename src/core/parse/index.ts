// The spec readers: tasks.md (ralph-specum, spec-kit, Kiro) and JSON task manifests → Spec.

import type { Spec, SpecFormat } from '../model';
import { BlockCache } from './blockBody';
import { parseManifest } from './manifest';
import { parseMarkdownSpec } from './markdown';
import { looksLikeTaskMaster, parseTaskMaster } from './taskMaster';

export { BlockCache } from './blockBody';
export { parseManifest } from './manifest';
export { looksLikeTaskMaster, parseTaskMaster } from './taskMaster';
export { matchTaskLine, type TaskLineMatch } from './taskLine';
export { unwrittenIdTasks } from './markdown';
export { extractVerifyCommand, parseEstimateMinutes } from './values';

/** Reads a tasks.md. `format` is detected from the task ids and checkboxes when not given. */
export function parseSpec(text: string, options: { path: string; format?: SpecFormat; cache?: BlockCache }): Spec {
  if (options.format === 'manifest') return parseManifest(text, options);
  if (options.format === 'taskmaster') return parseTaskMaster(text, options);
  return parseMarkdownSpec(text, options);
}

/** JSON when the path says `.json` or the text is a JSON object or array — Task Master's
 *  tasks.json when it has its shape, else a manifest —, else markdown. */
export function parseAny(text: string, options: { path: string; cache?: BlockCache; tag?: string }): Spec {
  if (/\.jsonc?$/i.test(options.path) || looksLikeJson(text)) {
    return options.tag !== undefined || looksLikeTaskMaster(text, options.path) ? parseTaskMaster(text, options) : parseManifest(text, options);
  }
  return parseMarkdownSpec(text, options);
}

function looksLikeJson(text: string): boolean {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  // `[` alone could open a markdown link or checkbox; a task array goes on with `{` (or is empty).
  return start.startsWith('{') || /^\[\s*(?:\{|\]\s*$)/.test(start);
}
