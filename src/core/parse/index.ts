// The spec readers: tasks.md (ralph-specum, spec-kit, Kiro) and JSON task manifests → Spec.

import type { Spec, SpecFormat } from '../model';
import { BlockCache } from './blockBody';
import { parseManifest } from './manifest';
import { parseMarkdownSpec } from './markdown';

export { BlockCache } from './blockBody';
export { parseManifest } from './manifest';
export { matchTaskLine, type TaskLineMatch } from './taskLine';
export { extractVerifyCommand, parseEstimateMinutes } from './values';

/** Reads a tasks.md. `format` is detected from the task ids and checkboxes when not given. */
export function parseSpec(text: string, options: { path: string; format?: SpecFormat; cache?: BlockCache }): Spec {
  if (options.format === 'manifest') return parseManifest(text, options);
  return parseMarkdownSpec(text, options);
}

/** A manifest when the path says `.json` or the text is a JSON object or array, else markdown. */
export function parseAny(text: string, options: { path: string; cache?: BlockCache }): Spec {
  if (/\.jsonc?$/i.test(options.path) || looksLikeJson(text)) return parseManifest(text, options);
  return parseMarkdownSpec(text, options);
}

function looksLikeJson(text: string): boolean {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  // `[` alone could open a markdown link or checkbox; a task array goes on with `{` (or is empty).
  return start.startsWith('{') || /^\[\s*(?:\{|\]\s*$)/.test(start);
}
