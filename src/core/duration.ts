// Lengths of time as every face of Ralph writes them: the tree, the status bar and terminals, the
// CLI's live view and `ralph status`, the DAG page's tooltip, the run summary, timeouts and waits.
// Two formats, because they say two different things:
//
// - formatDuration(ms), a time that was measured (a task took, a run took, a task has been running
//   for, a timeout or wait that was configured): `850 ms`, `4.2 s`, `38 s`, `4m 05s`, `1h 02m`.
//   The precision falls as the value grows (tenths of a second of a four-minute task say
//   nothing), the smaller unit is zero-padded so a ticking value keeps its width, and it is short
//   enough for a tree item's description. Each value is rounded once, to what is shown, before
//   the unit is chosen: 59.6 s is `1m 00s`, never `60 s`.
// - formatMinutes(minutes), an estimate from the tasks' Estimate fields, which authors write in
//   minutes: `39 min`, `2.5 min`, `1 h 29 min`. It stays in minutes on purpose: `39m 00s` would
//   claim a precision a guess does not have.

/** A measured length of time: `850 ms`, `4.2 s`, `38 s`, `4m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const value = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  const wholeMs = Math.round(value);
  if (wholeMs < 1000) return `${wholeMs} ms`;
  const tenths = Math.round(value / 100);
  if (tenths < 100) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(value / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad2(seconds % 60)}s`;
  const minutes = Math.round(value / 60_000);
  return `${Math.floor(minutes / 60)}h ${pad2(minutes % 60)}m`;
}

/** An estimate in minutes: `39 min`, `2.5 min`, `1 h 29 min`, `2 h`. */
export function formatMinutes(minutes: number): string {
  const value = Number.isFinite(minutes) ? Math.max(0, minutes) : 0;
  const tenths = Math.round(value * 10) / 10;
  if (tenths < 60) return `${tenths} min`;
  const whole = Math.round(value);
  const h = Math.floor(whole / 60);
  const m = whole % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
