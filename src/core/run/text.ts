// Small words the scheduler's modules share: timestamps, run ids, and reasons cut to one line.

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function newRunId(now: number): string {
  return `${Math.floor(now).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function baseName(p: string): string {
  return p.replace(/^.*[\\/]/, '');
}

export function listPaths(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

/** One line, bounded: reasons end up in tooltips, status lines and the state file. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
