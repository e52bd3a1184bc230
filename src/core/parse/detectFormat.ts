// Which format a tasks.md is written in when the caller does not say: spec-kit when most task ids
// are `T001`-style; Kiro when a task is optional (`- [ ]*`), in progress as only Kiro writes it
// (`[-]`), or numbered with a bare integer; ralph-specum otherwise (and for a file without tasks).
// The format decides how files named in a title are read and whether flat sub-tasks attach.

import type { SpecFormat } from '../model';
import type { TaskDraft } from './scanTypes';

export function detectFormat(drafts: readonly TaskDraft[]): SpecFormat {
  if (drafts.length === 0) return 'ralph-specum';
  let specKit = 0;
  let kiro = false;
  for (const d of drafts) {
    if (/^T\d+[a-z]?$/.test(d.match.id)) specKit++;
    // Only Kiro writes `[-]`; a `[~]` or `[/]` says nothing about the format.
    if (d.match.mark === '-' || d.match.optional || /^\d+$/.test(d.match.id)) kiro = true;
  }
  if (specKit * 2 > drafts.length) return 'spec-kit';
  return kiro ? 'kiro' : 'ralph-specum';
}
