// The soak's agent: what a coding agent does to the tree, at demo speed. The soak copies it into
// each round's temp folder and runs it as `--agent "<node> <that copy>"`. Ralph gives it the
// task through RALPH_* variables; the soak gives it the round's plan (SOAK_PLAN), the journal it
// records to (SOAK_JOURNAL, one JSON line per event, O_APPEND) and the number of the `ralph run`
// it belongs to (SOAK_RUN, inherited through Ralph's environment).
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';

const env = process.env;
const id = env.RALPH_TASK_ID ?? '?';
const attempt = Number(env.RALPH_ATTEMPT ?? '1');
const run = Number(env.SOAK_RUN ?? '-1');
const record = (what, extra = {}) => {
  appendFileSync(env.SOAK_JOURNAL, JSON.stringify({ what, id, run, attempt, pid: process.pid, t: Date.now(), ...extra }) + '\n');
};

record('start', { cwd: process.cwd() });
const task = JSON.parse(readFileSync(env.SOAK_PLAN, 'utf8')).tasks[id];
if (!task) {
  process.stderr.write(`soak agent: no task ${id} in the plan\n`);
  process.exit(9);
}
const b = task.behaviour;
process.stdout.write(`soak agent ${id} attempt ${attempt} (run ${run}) working\n`);

if (b.childOutlivesMs !== undefined) {
  // Like a tool the agent started and did not wait for: shares its stdout, ends a little later.
  const child = spawn('sleep', [String((b.sleepMs + b.childOutlivesMs) / 1000)], { stdio: ['ignore', 'inherit', 'inherit'] });
  record('child', { child: child.pid });
  child.unref();
}
if (b.setsid) {
  // A daemon the agent left behind, in a session of its own: out of the agent's process group.
  const child = spawn('setsid', ['sleep', '300'], { stdio: 'ignore' });
  record('setsid', { child: child.pid });
  child.unref();
}

if (b.failFirst && attempt === 1) {
  setTimeout(() => {
    record('end', { code: 3 });
    process.stderr.write(`soak agent ${id}: failing attempt 1 on purpose\n`);
    process.exit(3);
  }, Math.min(b.sleepMs, 100));
} else {
  setTimeout(() => {
    for (const f of task.files) {
      const p = resolve(process.cwd(), f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, `${f.line}\n`);
    }
    if (env.RALPH_PROGRESS_FILE) {
      mkdirSync(dirname(env.RALPH_PROGRESS_FILE), { recursive: true });
      appendFileSync(env.RALPH_PROGRESS_FILE, `- ${task.note}\n`);
    }
    record('wrote');
    process.stdout.write(`soak agent ${id}: wrote ${task.files.map((f) => f.path).join(', ')}\n`);
  }, b.writeAtMs);
  setTimeout(() => {
    record('end', { code: 0 });
    process.exit(0);
  }, b.sleepMs);
}
