// Lines with a construct left open (an unclosed clause, a marker, a run of blanks or
// parentheses), each of which a regex once read in quadratic (or worse) time: the size at which
// the old reading took about a second, and the text of that size. Shared by
// test/unit/hostile-input.test.ts and bench/hostile.bench.ts.

export const LEFT_OPEN: Record<string, [number, (n: number) => string]> = {
  'unclosed (depends on': [64 * 1024, (n) => `- [ ] T001 Do ${'(depends on '.repeat(n / 12)}\n- [ ] T002 Next\n`],
  'unclosed (depends on with a long list': [64 * 1024, (n) => `- [ ] T001 Do (depends on ${'T002, '.repeat(n / 6)}\n- [ ] T002 Next\n`],
  'marker left open': [1024, (n) => `- [ ] 1.1 [P${' '.repeat(n)}x\n`],
  'parentheses in Files': [64 * 1024, (n) => `- [ ] 1.1 X\n  - **Files**: a${' ('.repeat(n / 2)}\n`],
  'blanks in Requirements': [64 * 1024, (n) => `- [ ] 1.1 X\n  - _Requirements: 1${' '.repeat(n)}x_\n`],
  'blanks in a heading': [64 * 1024, (n) => `# a${' '.repeat(n)}b\n- [ ] 1.1 X\n`],
  'a long token in Depends': [64 * 1024, (n) => `- [ ] 1.1 X\n- [ ] 1.2 Y\n  - **Depends**: T${'1'.repeat(n)}!\n`],
  'dots and parentheses after an id': [64 * 1024, (n) => `- [ ] 1.1 X\n- [ ] 1.2 Y\n  - **Depends**: 1.1${'.)'.repeat(n / 2)}x\n`],
  'closing punctuation in a spec-kit path': [64 * 1024, (n) => `- [ ] T001 Edit src/a.py${')'.repeat(n)}x\n- [ ] T002 Y\n`],
};
