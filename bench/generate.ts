// Deterministic ralph-specum style tasks.md of any size, for benchmarks (parser, planner).

/** A small seeded PRNG (mulberry32): the same seed always gives the same document. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['Add', 'Wire', 'Refactor', 'Extract', 'Document', 'Harden', 'Cache', 'Validate', 'Rename', 'Split'];
const NOUNS = ['scheduler', 'parser', 'state store', 'progress merge', 'git port', 'executor', 'tree view', 'status bar', 'webview', 'CLI'];
const AREAS = ['core', 'node', 'vscode', 'shared', 'webview'];

/** `n` tasks in phases of 8–24 tasks; runs of 2–4 `[P]` tasks, a `[VERIFY]` checkpoint now and
 *  then, every task with Do / Files / Done when / Verify / Commit / Requirements / Design, some
 *  with Depends and Estimate, a few Do fields with a nested numbered list. */
export function generateTasksMd(n: number, seed = 1): string {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const out: string[] = ['---', `spec: generated-${n}`, `seed: ${seed}`, '---', '', `# Tasks: Generated spec of ${n} tasks`, ''];
  let phase = 0;
  let inPhase = 0;
  let phaseSize = 0;
  let parallelLeft = 0;
  const previousIds: string[] = [];
  for (let k = 0; k < n; k++) {
    if (inPhase >= phaseSize) {
      phase++;
      inPhase = 0;
      phaseSize = 8 + Math.floor(rand() * 17);
      out.push(`## Phase ${phase}: ${pick(VERBS)} the ${pick(NOUNS)}`, '', `Focus: phase ${phase} of the generated plan.`, '');
    }
    inPhase++;
    const id = `${phase}.${inPhase}`;
    let marker = '';
    if (parallelLeft > 0) {
      marker = '[P] ';
      parallelLeft--;
    } else if (inPhase % 7 === 0) {
      marker = '[VERIFY] ';
    } else if (rand() < 0.35) {
      parallelLeft = 1 + Math.floor(rand() * 3);
      marker = '[P] ';
    }
    const noun = pick(NOUNS);
    const area = pick(AREAS);
    const file = `src/${area}/${noun.replace(/ /g, '-')}-${k % 97}.ts`;
    out.push(`- [${rand() < 0.1 ? 'x' : ' '}] ${id} ${marker}${pick(VERBS)} ${noun} support (${k})`);
    if (rand() < 0.15) {
      out.push('  - **Do**:', `    1. Read the ${noun} code in ${file}`, `    2. ${pick(VERBS)} it`, '    3. Run the unit tests');
    } else {
      out.push(`  - **Do**: ${pick(VERBS)} the ${noun} in ${area}; keep the ${pick(NOUNS)} untouched.`);
    }
    out.push(
      `  - **Files**: \`${file}\`, \`test/unit/${noun.replace(/ /g, '-')}.test.ts\``,
      `  - **Done when**: the ${noun} handles case ${k}`,
      `  - **Verify**: \`npx mocha test/unit/${noun.replace(/ /g, '-')}.test.ts\` exits 0`,
      `  - **Commit**: \`feat(${area}): ${noun} ${k}\``,
    );
    if (previousIds.length > 2 && rand() < 0.2) out.push(`  - **Depends**: ${pick(previousIds)}, ${pick(previousIds)}`);
    if (rand() < 0.5) out.push(`  - **Estimate**: ${pick(['15m', '30m', '1h', '1.5h', '45 min', '2 hours'])}`);
    out.push(`  - _Requirements: FR-${1 + (k % 40)}, AC-${1 + (k % 9)}.${1 + (k % 4)}_`, `  - _Design: Component ${1 + (k % 12)}_`, '');
    previousIds.push(id);
  }
  return out.join('\n');
}
