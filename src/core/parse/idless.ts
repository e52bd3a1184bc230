// Checklists without task ids (`- [ ] Create the user model`), as Kiro and many hand-written
// files have them. In a file with no id'd task at all each such item is a task, with an id made
// from its title: `create-the-user-model`. A title slug survives what an author does around a
// task while a run is going (a line inserted above, a section reordered, a task moved), so a
// check-off at the end of a run still finds the task it was planned from; an id by position
// (`Backend.2`) would then tick the wrong line. Editing the title itself changes the id, and
// the check-off then finds nothing and says so instead of ticking another line.

import type { Diagnostic, Range } from '../model';
import { range } from '../model';
import { checkStateOf, CHECKBOX_ITEM, readMarkers, type TaskLineMatch } from './taskLine';

const IDLESS_LINE = new RegExp(String.raw`${CHECKBOX_ITEM}[ \t]+(?=\S)`, 'u');

/** Longest slug kept: long enough to tell tasks apart, short enough to type. */
const MAX_SLUG = 40;

/** A checkbox list item and where its text starts; undefined for any other line. */
export function matchCheckboxItem(line: string): { mark: string; optional: boolean; checkboxStart: number; textStart: number } | undefined {
  if (line.indexOf('[') < 0) return undefined;
  const m = IDLESS_LINE.exec(line);
  if (!m) return undefined;
  return { mark: m[1] ?? ' ', optional: m[2] === '*', checkboxStart: m[0].indexOf('['), textStart: m[0].length };
}

/** `Add the **login** route (POST /login)` → `add-the-login-route-post-login`: letters and digits
 *  (accents dropped, other scripts kept), lower case, one `-` between words, cut at a word end. */
export function slugOf(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > MAX_SLUG) {
      if (!slug) slug = word.slice(0, MAX_SLUG);
      break;
    }
    slug = next;
  }
  return slug || 'task';
}

/**
 * Gives the checkbox items of one file their ids, in file order: the slug of the title, and for
 * a title seen before, `-2`, `-3`, … in order of appearance. One reader per pass over a file.
 */
export class IdlessReader {
  private readonly seen = new Set<string>();
  /** Per slug, the suffix to try next: a thousand "Write tests" cost a thousand looks, not a
   *  million. */
  private readonly nextSuffix = new Map<string, number>();

  /** The task an id-less checkbox line is, or undefined when the line is not one. */
  read(line: string): TaskLineMatch | undefined {
    const item = matchCheckboxItem(line);
    if (!item) return undefined;
    const { titleStart } = readMarkers(line, item.textStart);
    const base = slugOf(line.slice(titleStart));
    let id = base;
    let n = this.nextSuffix.get(base) ?? 2;
    while (this.seen.has(id)) id = `${base}-${n++}`;
    this.nextSuffix.set(base, n);
    this.seen.add(id);
    return {
      id,
      check: checkStateOf(item.mark),
      mark: item.mark,
      optional: item.optional,
      // The id is not written in the file: its range is the empty one where the text starts.
      idStart: item.textStart,
      idEnd: item.textStart,
      checkboxStart: item.checkboxStart,
    };
  }
}

/** In a file whose tasks have ids, checkbox lines outside every task are notes, not tasks: one
 *  warning names them, so a task the author meant to add does not vanish without a word. */
export function ignoredCheckboxesWarning(lineNumbers: readonly number[], lines: readonly string[]): Diagnostic | undefined {
  const first = lineNumbers[0];
  if (first === undefined) return undefined;
  const shown = lineNumbers.slice(0, 5).map((n) => n + 1).join(', ');
  const more = lineNumbers.length > 5 ? ` and ${lineNumbers.length - 5} more` : '';
  const what = lineNumbers.length === 1 ? `This checkbox line has` : `${lineNumbers.length} checkbox lines (lines ${shown}${more}) have`;
  const r: Range = range(first, 0, first, (lines[first] ?? '').length);
  return {
    severity: 'warning',
    code: 'ignored-checkbox',
    message:
      `${what} no task id, so Ralph does not run ${lineNumbers.length === 1 ? 'it' : 'them'}: the other tasks of this file have ids. ` +
      'Give each one an id to run it (`- [ ] 3.1 Title`), or leave it as a note',
    range: r,
  };
}
