// What a group or task waits for that is not done yet: the scheduler runs these first when asked
// to (`withDependencies`), and the extension names them when it asks whether to.

/** Every task `ids` wait for, directly or not, that is not done; `ids` themselves left out, and
 *  the search stops at done tasks (what they wait for is done too, or was done without it). */
export function unfinishedAncestors(
  ids: readonly string[],
  depsOf: (id: string) => readonly string[],
  isDone: (id: string) => boolean,
): string[] {
  const seen = new Set(ids);
  const out: string[] = [];
  const queue = [...ids];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const dep of depsOf(id)) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (isDone(dep)) continue;
      out.push(dep);
      queue.push(dep);
    }
  }
  return out;
}
