import { strict as assert } from 'node:assert';
import { filesOverlap } from '../../src/core/plan';
import { overlappingOwners } from '../../src/core/plan/files';

describe('filesOverlap', () => {
  const cases: [string, string, boolean][] = [
    ['src/a.ts', 'src/a.ts', true],
    ['./src/a.ts', 'src//a.ts', true],
    ['src\\a.ts', 'src/a.ts', true],
    ['src/x/../a.ts', 'src/a.ts', true],
    ['src/', 'src/a.ts', true],
    ['src', 'src/deep/er/a.ts', true],
    ['src/a.ts', 'src/a.tsx', false],
    ['src/a', 'src/ab/c.ts', false],
    ['src/a.ts', 'lib/a.ts', false],
    ['src/**/*.ts', 'src/x/y.ts', true],
    ['src/**/*.ts', 'src/y.ts', true],
    ['src/**/*.ts', 'src/x/y.md', false],
    ['src/**/*.ts', 'lib/x.ts', false],
    ['src/*.ts', 'src/x/y.ts', false],
    // A literal that contains the glob's tree, or a directory the glob reaches into.
    ['src/**/*.ts', 'src/', true],
    ['src/**/*.ts', 'src/x/', true],
    ['src/x/**', 'src', true],
    // Two globs: nested static bases.
    ['src/**/*.ts', 'src/x/*.md', true],
    ['src/**', 'lib/**', false],
    ['**/*.json', 'anything/at/all/**', true],
    ['.github/**/*.yml', '.github/workflows/ci.yml', true],
    // Parentheses alone are an ordinary path, not a pattern.
    ['app/(auth)/page.tsx', 'app/(auth)/page.tsx', true],
    ['app/(auth)/page.tsx', 'app/auth/page.tsx', false],
    ['app/(auth)/**', 'app/(auth)/login/page.tsx', true],
    ['app/(auth)/**', 'app/auth/login/page.tsx', false],
    // Route folders of Next.js and SvelteKit are literal names, not character classes.
    ['app/api/items/[id]/route.ts', 'app/api/items/i/route.ts', false],
    ['app/api/items/[id]/route.ts', 'app/api/items/[id]/route.ts', true],
    ['app/[locale]/page.tsx', 'app/l/page.tsx', false],
    ['app/[locale]/page.tsx', 'app/api/items/[id]/route.ts', false],
    ['pages/[id].tsx', 'pages/[slug].tsx', false],
    ['app/docs/[...slug]/page.tsx', 'app/docs/s/page.tsx', false],
    ['app/shop/[[...filters]]/page.tsx', 'app/shop/f/page.tsx', false],
    ['src/routes/[[lang=locale]]/+page.svelte', 'src/routes/l/+page.svelte', false],
    ['app/[locale]/**', 'app/[locale]/page.tsx', true],
    ['app/[locale]/**', 'app/en/page.tsx', false],
    ['app/[locale]/*.tsx', 'app/[locale]/page.tsx', true],
    // Character classes a person meant stay classes.
    ['src/*.[jt]s', 'src/a.js', true],
    ['src/*.[ch]', 'src/a.h', true],
    ['src/v[0-9].ts', 'src/v1.ts', true],
    ['src/[a-z].ts', 'src/q.ts', true],
  ];
  for (const [a, b, expected] of cases) {
    it(`${a} vs ${b}: ${expected ? 'overlap' : 'apart'}`, () => {
      assert.equal(filesOverlap(a, b), expected, `filesOverlap(${a}, ${b}) = ${filesOverlap(a, b)}`);
      assert.equal(filesOverlap(b, a), expected, `filesOverlap(${b}, ${a}) = ${filesOverlap(b, a)}`);
    });
  }
});

describe('overlappingOwners', () => {
  it('finds each overlapping owner pair once, with the files that overlap', () => {
    const found = overlappingOwners([['src/a.ts', 'README.md'], ['src/'], undefined, ['docs/**'], ['docs/guide.md', 'src/a.ts'], ['lib/']]);
    const pairs = found.map((o) => [o.a, o.b, o.fileA, o.fileB]).sort((x, y) => String(x).localeCompare(String(y)));
    assert.deepEqual(
      pairs,
      [
        [0, 1, 'src/a.ts', 'src/'],
        [0, 4, 'src/a.ts', 'src/a.ts'],
        [1, 4, 'src/', 'src/a.ts'],
        [3, 4, 'docs/**', 'docs/guide.md'],
      ],
      JSON.stringify(found),
    );
  });

  it('agrees with comparing every pair on random scopes', () => {
    const pool = ['src', 'src/', 'src/a.ts', 'src/b.ts', 'src/x/', 'src/x/c.ts', 'src/**/*.ts', 'src/x/*.md', 'lib/**', 'lib/d.ts', '**/*.md', 'docs/e.md', 'a.json'];
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let round = 0; round < 30; round++) {
      const owners = Array.from({ length: 12 }, () => Array.from({ length: next() % 3 }, () => pool[next() % pool.length] as string));
      const expected: string[] = [];
      for (let a = 0; a < owners.length; a++)
        for (let b = a + 1; b < owners.length; b++)
          if ((owners[a] ?? []).some((fa) => (owners[b] ?? []).some((fb) => filesOverlap(fa, fb)))) expected.push(`${a}-${b}`);
      const actual = overlappingOwners(owners).map((o) => `${o.a}-${o.b}`).sort();
      assert.deepEqual(actual, expected.sort(), JSON.stringify({ owners, actual }));
    }
  });
});
