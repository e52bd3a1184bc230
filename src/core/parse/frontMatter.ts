// Front matter: a YAML block between a `---` first line and the next `---` (or `...`) line. Decides
// where it ends (the line scan starts after it) and what it holds: a mapping, or a warning with the
// line of the YAML error. A `---` first line that nothing closes is no front matter: the scan reads
// it as a thematic break.

import { parse as parseYaml } from 'yaml';
import type { Diagnostic } from '../model';
import { range } from '../model';
import { bracketNestingBeyond, MAX_NESTING_DEPTH } from './limits';
import { lineAt, lineStartsOf } from './values';

/** The index of the closing `---` of front matter that starts on the first line. */
export function frontMatterEnd(lines: readonly string[]): number | undefined {
  if (!opensFrontMatter(lines)) return undefined;
  for (let i = 1; i < lines.length; i++) {
    if (/^(?:---|\.\.\.)[ \t]*$/.test(lines[i] ?? '')) return i;
  }
  return undefined;
}

export function readFrontMatter(lines: readonly string[], end: number, diagnostics: Diagnostic[]): Record<string, unknown> | undefined {
  const source = lines.slice(1, end).join('\n');
  // yaml reads flow collections recursively: a few thousand `[` exhaust the stack.
  const tooDeep = bracketNestingBeyond(source, { singleQuotes: true });
  if (tooDeep) {
    const line = 1 + lineAt(lineStartsOf(source), tooDeep.offset);
    diagnostics.push({
      severity: 'warning',
      code: 'malformed-field',
      message: `Front matter is nested more than ${MAX_NESTING_DEPTH} levels deep; Ralph reads at most ${MAX_NESTING_DEPTH}`,
      range: range(line, 0, line, (lines[line] ?? '').length),
    });
    return undefined;
  }
  try {
    const value: unknown = parseYaml(source);
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    diagnostics.push({
      severity: 'warning',
      code: 'malformed-field',
      message: 'Front matter should be a YAML mapping (key: value lines)',
      range: range(0, 0, end, (lines[end] ?? '').length),
    });
  } catch (error) {
    const linePos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos;
    const at = linePos?.[0];
    const line = at ? Math.min(end - 1, Math.max(1, at.line)) : 0;
    const character = at ? Math.min((lines[line] ?? '').length, Math.max(0, at.col - 1)) : 0;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    diagnostics.push({
      severity: 'warning',
      code: 'malformed-field',
      message: `Front matter is not valid YAML: ${reason}`,
      range: range(line, character, line, (lines[line] ?? '').length),
    });
  }
  return undefined;
}

/** A `---` first line without a closing one: a thematic break until a later `---` closes it, so an
 *  edit anywhere below may turn it into front matter. */
export function unclosedFrontMatter(lines: readonly string[]): boolean {
  return opensFrontMatter(lines) && frontMatterEnd(lines) === undefined;
}

function opensFrontMatter(lines: readonly string[]): boolean {
  return (lines[0] ?? '').replace(/^\uFEFF/, '').trimEnd() === '---';
}
