#!/usr/bin/env node
// Ralph's demo agent: a stand-in for Claude Code / Codex / Gemini so `npm run demo` works on a
// machine with no AI agent. It does what its prompt file asks, visibly and a little slowly:
// writes each file named in the task's Files field, records its progress in its own progress
// file, and fails on the first attempt when the task says "(demo: fail on first attempt)".
//
// Inputs (all from Ralph, never from a shell line): RALPH_PROMPT_FILE, RALPH_TASK_ID,
// RALPH_TASK_TITLE, RALPH_ATTEMPT, RALPH_FILES (one per line), RALPH_PROGRESS_FILE.
// RALPH_DEMO_SPEED scales the pauses (0 = no pause; default 1).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

const env = process.env;
const taskId = env.RALPH_TASK_ID ?? '?';
const title = env.RALPH_TASK_TITLE ?? '';
const attempt = Number(env.RALPH_ATTEMPT ?? '1');
const speed = env.RALPH_DEMO_SPEED === undefined ? 1 : Number(env.RALPH_DEMO_SPEED);
const prompt = env.RALPH_PROMPT_FILE ? readFileSync(env.RALPH_PROMPT_FILE, 'utf8') : '';
const files = (env.RALPH_FILES ?? '').split('\n').map((f) => f.trim()).filter(Boolean);

// A pause that differs per task (so the run interleaves) but is the same on every run.
let hash = 0;
for (const ch of taskId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
const totalMs = (800 + (hash % 1700)) * speed;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const doLine = /\*\*Do\*\*:\s*(.*)/.exec(prompt)?.[1] ?? title;

async function main() {
  console.log(`demo-agent: task ${taskId} (attempt ${attempt}): ${title}`);
  console.log(`demo-agent: reading ${env.RALPH_PROMPT_FILE ?? '(no prompt file)'}`);
  await sleep(totalMs / 3);
  if (/\(demo: fail on first attempt\)/.test(prompt) && attempt === 1) {
    console.error(`demo-agent: task ${taskId}: pretending the first attempt went wrong`);
    process.exit(1);
  }
  for (const file of files) {
    const path = resolve(process.cwd(), file);
    // Ralph's plan refuses such files; should one come here all the same, it is not written.
    const inside = relative(process.cwd(), path);
    if (inside === '' || inside.split(sep)[0] === '..' || isAbsolute(inside)) {
      console.error(`demo-agent: not writing ${file}: it is outside the working folder`);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    const comment = file.endsWith('.md') ? '' : '// ';
    writeFileSync(path, `${comment}Task ${taskId}: ${title}\n${comment}${doLine}\n${file.endsWith('.js') ? 'module.exports = {};\n' : ''}`);
    console.log(`demo-agent: wrote ${file}`);
    await sleep(totalMs / (3 * Math.max(1, files.length)));
  }
  if (env.RALPH_PROGRESS_FILE) {
    writeFileSync(
      env.RALPH_PROGRESS_FILE,
      `## Completed Tasks\n- [x] ${taskId} ${title}\n\n## Learnings\n- ${taskId}: wrote ${files.length ? files.join(', ') : 'nothing'} (attempt ${attempt})\n`,
    );
  }
  await sleep(totalMs / 3);
  console.log(`demo-agent: task ${taskId} done`);
}

main().catch((err) => {
  console.error(`demo-agent: ${err?.stack ?? err}`);
  process.exit(1);
});
