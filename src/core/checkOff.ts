// Whether a task is checked off in a copy of its spec file, in whichever format the spec is.

import type { Spec } from './model';
import { canCheckOff, taskIsChecked } from './tasksEdit';
import { taskMasterIsDone } from './taskMasterEdit';

export function isCheckedOffIn(spec: Pick<Spec, 'format' | 'tag'>, text: string, taskId: string): boolean {
  if (spec.format === 'taskmaster') return taskMasterIsDone(text, taskId, spec.tag);
  // A task the file gives nothing to tick (a heading without a `- [ ] Done` line) holds as it is:
  // its failed check-off was reported, and a merge waiting for the tick would wait in vain.
  return taskIsChecked(text, taskId) || !canCheckOff(text, taskId);
}
