// The spec a soak round runs: 30 tasks in ralph-specum format over four phases, with [P] groups
// and explicit Depends edges, and what the soak agent does for each task. Everything here comes
// from the round's PRNG; nothing is read back from Ralph, so the checks judge Ralph against the
// soak's own model of the spec, never against Ralph's parse of it.

import type { Random } from './random';

export const SPEC_DIR = 'specs/soak';
export const SPEC_PATH = `${SPEC_DIR}/tasks.md`;
export const USER_FILE = 'user/notes.txt';

export interface TaskFile {
  /** Relative to the repository root (and to a task's worktree). */
  readonly path: string;
  /** The line only this task writes, alone on its line. */
  readonly line: string;
}

/** What the soak agent does for one task, every attempt. */
export interface Behaviour {
  readonly sleepMs: number;
  /** When, within sleepMs, the files and the progress note are written. */
  readonly writeAtMs: number;
  /** A child (`sleep`) that inherits the agent's stdout and outlives the agent by this much. */
  readonly childOutlivesMs?: number;
  /** A grandchild in a session of its own (`setsid sleep 300`): Ralph must stop it. */
  readonly setsid: boolean;
  /** Attempt 1 fails before writing anything (exit 3); attempt 2 works. */
  readonly failFirst: boolean;
}

export interface SoakTask {
  readonly id: string;
  readonly title: string;
  readonly parallel: boolean;
  /** Which run of tasks it belongs to: a [P] group's members share it, a plain task has its own. */
  readonly group: number;
  readonly depends: readonly string[];
  readonly files: readonly TaskFile[];
  /** The one line the agent appends to its progress file. */
  readonly note: string;
  readonly verify: string;
  readonly behaviour: Behaviour;
}

export interface SoakSpec {
  readonly nonce: string;
  readonly tasks: readonly SoakTask[];
  readonly markdown: string;
}

/** Phase sizes: 30 tasks. */
const PHASES: readonly [string, number][] = [
  ['Foundation', 8],
  ['Build', 8],
  ['Integrate', 7],
  ['Polish', 7],
];

export function fileStem(id: string): string {
  return `t-${id.replace(/\./g, '-')}`;
}

export function generateSpec(random: Random, nonce: string): SoakSpec {
  const tasks: SoakTask[] = [];
  let group = 0;
  PHASES.forEach(([, size], p) => {
    const phase = p + 1;
    let n = 1;
    while (n <= size) {
      // A [P] group of 2–5, or a plain task that waits for everything above it.
      const groupSize = random.chance(0.5) ? Math.min(random.int(2, 5), size - n + 1) : 1;
      const groupStart = tasks.length;
      group++;
      for (let k = 0; k < groupSize; k++, n++) {
        const id = `${phase}.${n}`;
        const stem = fileStem(id);
        const files: TaskFile[] = [{ path: `src/${stem}.txt`, line: `soak:${nonce}:${id}` }];
        if (random.chance(0.2)) files.push({ path: `src/${stem}.b.txt`, line: `soak:${nonce}:${id}:b` });
        // Depends only on tasks before this task's group: never a cycle, never inside a group.
        const earlier = tasks.slice(0, groupStart).map((t) => t.id);
        const depends = earlier.length > 0 && random.chance(0.3) ? pickSome(random, earlier, random.int(1, 2)) : [];
        // Mostly demo speed; now and then a slow one, so that a kill often finds an agent that is
        // still working when the next run starts: the case where two writers could meet.
        const sleepMs = random.chance(0.08) ? random.int(1500, 4000) : random.int(50, 800);
        const setsid = random.chance(0.035);
        tasks.push({
          id,
          title: `Write ${stem}`,
          parallel: groupSize > 1,
          group,
          depends,
          files,
          note: `soak note ${id} ${nonce}`,
          verify: `grep -qx '${files[0]?.line}' ${files[0]?.path}`,
          behaviour: {
            sleepMs,
            writeAtMs: Math.floor(sleepMs * (0.2 + 0.6 * random.next())),
            ...(random.chance(0.2) ? { childOutlivesMs: random.int(100, 600) } : {}),
            setsid,
            failFirst: !setsid && random.chance(0.03),
          },
        });
      }
    }
  });
  return { nonce, tasks, markdown: specMarkdown(nonce, tasks) };
}

function pickSome(random: Random, from: readonly string[], count: number): string[] {
  const pool = [...from];
  const out: string[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(random.int(0, pool.length - 1), 1)[0] as string);
  return out.sort(compareIds);
}

export function compareIds(a: string, b: string): number {
  const [pa, na] = a.split('.').map(Number);
  const [pb, nb] = b.split('.').map(Number);
  return (pa ?? 0) - (pb ?? 0) || (na ?? 0) - (nb ?? 0);
}

export function specMarkdown(nonce: string, tasks: readonly SoakTask[]): string {
  const out = [`# Tasks: soak ${nonce}`, ''];
  let phase = '';
  let previous: SoakTask | undefined;
  for (const t of tasks) {
    const p = t.id.split('.')[0] ?? '';
    if (p !== phase) {
      phase = p;
      out.push(`## Phase ${p}: ${PHASES[Number(p) - 1]?.[0] ?? 'Work'}`, '');
    } else if (t.parallel && previous?.parallel && previous.group !== t.group) {
      // Two [P] runs in a row would be one group: a paragraph ends the first.
      out.push('Then, side by side again:', '');
    }
    previous = t;
    out.push(`- [ ] ${t.id} ${t.parallel ? '[P] ' : ''}${t.title}`);
    out.push(`  - **Do**: Write ${t.files.map((f) => f.path).join(' and ')}, each with its own line`);
    out.push(`  - **Files**: ${t.files.map((f) => `\`${f.path}\``).join(', ')}`);
    if (t.depends.length > 0) out.push(`  - **Depends**: ${t.depends.join(', ')}`);
    out.push(`  - **Verify**: \`${t.verify}\``);
    out.push('');
  }
  return out.join('\n');
}

/** What the agent reads: its behaviour and files, by task id. */
export function agentPlan(spec: SoakSpec): { nonce: string; tasks: Record<string, { files: readonly TaskFile[]; note: string; behaviour: Behaviour }> } {
  return {
    nonce: spec.nonce,
    tasks: Object.fromEntries(spec.tasks.map((t) => [t.id, { files: t.files, note: t.note, behaviour: t.behaviour }])),
  };
}
