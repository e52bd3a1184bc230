// The ralph-specum plugin's agents end their answer with a signal line: the spec-executor's
// TASK_COMPLETE (ALL_TASKS_COMPLETE counts the same), the qa-engineer's VERIFICATION_PASS or
// VERIFICATION_FAIL. An agent given the plugin's agent files answers so under Ralph too.

export type PluginSignal = 'TASK_COMPLETE' | 'ALL_TASKS_COMPLETE' | 'VERIFICATION_PASS' | 'VERIFICATION_FAIL';

// The signal alone on its line (markdown emphasis allowed), or followed by `:`, `-` or `—` and
// a reason.
const SIGNAL = /^[ \t>*_`]*(TASK_COMPLETE|ALL_TASKS_COMPLETE|VERIFICATION_PASS|VERIFICATION_FAIL)[ \t*_`]*(?:$|[:\-—][ \t]*(.*)$)/gm;

/** The last signal line in an agent's final answer, and what follows it on that line. A signal
 *  inside a sentence ("never output TASK_COMPLETE unless…") is no signal. */
export function lastPluginSignal(text: string): { readonly signal: PluginSignal; readonly rest: string } | undefined {
  let last: { signal: PluginSignal; rest: string } | undefined;
  for (const m of text.matchAll(SIGNAL)) last = { signal: m[1] as PluginSignal, rest: (m[2] ?? '').trim() };
  return last;
}
