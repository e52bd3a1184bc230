// Whether a task is checked off in a copy of its spec file, in whichever format the spec is.

import type { Spec } from './model';
import { taskIsChecked } from './tasksEdit';
import { taskMasterIsDone } from './taskMasterEdit';

export function isCheckedOffIn(spec: Pick<Spec, 'format' | 'tag'>, text: string, taskId: string): boolean {
  if (spec.format === 'taskmaster') return taskMasterIsDone(text, taskId, spec.tag);
  return taskIsChecked(text, taskId);
}
