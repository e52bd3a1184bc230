import { strict as assert } from 'node:assert';
import { parseManifest, parseSpec } from '../../src/core/parse/index';
import { expandBraces, MAX_BRACE_EXPANSION, pathPattern, pathsInProse, readFilesField } from '../../src/core/parse/paths';

const show = (v: unknown) => JSON.stringify(v);

describe('paths: brackets and parentheses', () => {
  const cases: Array<[string, boolean, string]> = [
    // [path, is a glob, static base]
    ['app/api/items/[id]/route.ts', false, 'app/api/items/[id]/route.ts'],
    ['app/[locale]/page.tsx', false, 'app/[locale]/page.tsx'],
    ['app/docs/[...slug]/page.tsx', false, 'app/docs/[...slug]/page.tsx'],
    ['app/shop/[[...filters]]/page.tsx', false, 'app/shop/[[...filters]]/page.tsx'],
    ['src/routes/[slug=word]/+page.svelte', false, 'src/routes/[slug=word]/+page.svelte'],
    ['pages/users-[group]/[id].vue', false, 'pages/users-[group]/[id].vue'],
    ['app/(auth)/login/page.tsx', false, 'app/(auth)/login/page.tsx'],
    ['app/[locale]/**/*.tsx', true, 'app/[locale]'],
    ['app/(auth)/**', true, 'app/(auth)'],
    ['src/*.[jt]s', true, 'src'],
    ['src/v[0-9].ts', true, 'src'],
    ['src/[a-z]/x.ts', true, 'src'],
    ['src/[!_]*.ts', true, 'src'],
    ['src/file[12].ts', true, 'src'],
    ['src/@(a|b).ts', true, 'src'],
  ];
  for (const [path, isGlob, base] of cases) {
    it(`${path}: ${isGlob ? 'a glob under ' + base : 'a plain path'}`, () => {
      const p = pathPattern(path.split('/'));
      assert.deepEqual([p.isGlob, p.base.join('/')], [isGlob, base], show(p));
    });
  }
});

describe('paths: brace lists', () => {
  it('expands lists, nested lists and lists in several segments', () => {
    const cases: Array<[string, string[]]> = [
      ['src/{a,b}.ts', ['src/a.ts', 'src/b.ts']],
      ['src/{a, b}.ts', ['src/a.ts', 'src/b.ts']],
      ['src/{lib/{x,y},main}.ts', ['src/lib/x.ts', 'src/lib/y.ts', 'src/main.ts']],
      ['{api,web}/{index,util}.ts', ['api/index.ts', 'api/util.ts', 'web/index.ts', 'web/util.ts']],
      ['src/a.ts', ['src/a.ts']],
      // A range, a single item and an unclosed list are left to picomatch as they are.
      ['src/{1..3}.ts', ['src/{1..3}.ts']],
      ['src/{a}.ts', ['src/{a}.ts']],
      ['src/{a,b.ts', ['src/{a,b.ts']],
    ];
    for (const [path, expected] of cases) assert.deepEqual(expandBraces(path), expected, `${path} → ${show(expandBraces(path))}`);
  });

  it('keeps a list that would give too many paths as one glob', () => {
    const many = '{a,b}'.repeat(7);
    assert.equal(2 ** 7 > MAX_BRACE_EXPANSION, true);
    assert.deepEqual(expandBraces(many), [many]);
    assert.equal(expandBraces('{a,b}'.repeat(6)).length, 64);
  });
});

describe('paths: a Files field', () => {
  const cases: Array<[string, string[]]> = [
    ['`src/x/` (whole folder, renamed)', ['src/x/']],
    ['`src/a.ts` (new), `src/b.ts` (edit: add a, b and c)', ['src/a.ts', 'src/b.ts']],
    ['src/a.ts (new, tested), src/b.ts', ['src/a.ts', 'src/b.ts']],
    ['`src/{a,b}.ts`', ['src/a.ts', 'src/b.ts']],
    ['src/{a,b}.ts, src/c.ts', ['src/a.ts', 'src/b.ts', 'src/c.ts']],
    ['src/{a, b}.ts', ['src/a.ts', 'src/b.ts']],
    ['`app/(auth)/login/page.tsx`, app/(shop)/page.tsx', ['app/(auth)/login/page.tsx', 'app/(shop)/page.tsx']],
    ['`app/api/items/[id]/route.ts`', ['app/api/items/[id]/route.ts']],
    ['`src/a,b.ts`', ['src/a,b.ts']],
    ['None (existing specs)', []],
    ['N/A', []],
    ['src/report/ - the whole folder', ['src/report/']],
    ['\n- `src/a.ts`\n- `src/b.ts` (tests too)', ['src/a.ts', 'src/b.ts']],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${show(expected)}`, () => assert.deepEqual(readFilesField(raw), expected, show(readFilesField(raw))));
  }

  it('still refuses a file outside the repository, remark or not', () => {
    const spec = parseSpec('- [ ] 1.1 Copy\n  - **Files**: `../shared/{a,b}.ts` (read only), `src/ok.ts`\n', { path: 'tasks.md' });
    assert.deepEqual(
      [spec.tasks[0]?.files, spec.diagnostics.map((d) => [d.code, d.severity, d.range.start.line])],
      [['../shared/a.ts', '../shared/b.ts', 'src/ok.ts'], [['file-outside-repository', 'error', 1], ['file-outside-repository', 'error', 1]]],
      show(spec),
    );
  });

  it('expands brace lists in a manifest file_scope too', () => {
    const spec = parseManifest(show({ tasks: [{ task_id: 'A', file_scope: ['src/{a,b}.ts', 'app/[id]/page.tsx'] }] }), { path: 'm.json' });
    assert.deepEqual(spec.tasks[0]?.files, ['src/a.ts', 'src/b.ts', 'app/[id]/page.tsx'], show(spec.tasks[0]?.files));
  });
});

describe('paths: prose', () => {
  it('reads the paths a person would read as paths', () => {
    const cases: Array<[string, string[]]> = [
      ['Create User model in src/models/user.py', ['src/models/user.py']],
      ['Contract test POST /api/users in tests/contract/test_users_post.py', ['tests/contract/test_users_post.py']],
      ['Route handler in app/api/items/[id]/route.ts (depends on T003)', ['app/api/items/[id]/route.ts']],
      ['Login page in app/(auth)/login/page.tsx', ['app/(auth)/login/page.tsx']],
      ['Initialize package.json and tsconfig.json', ['package.json', 'tsconfig.json']],
      ['Add Dockerfile and .env.example, ignore in .gitignore', ['Dockerfile', '.env.example', '.gitignore']],
      ['Create the `backend/` and `frontend/` folders', ['backend/', 'frontend/']],
      ['Models in src/models/{user,post}.py', ['src/models/user.py', 'src/models/post.py']],
      ['Style **src/styles/app.css** and _src/styles/print.css_', ['src/styles/app.css', 'src/styles/print.css']],
      ['Lint src/**/*.ts', ['src/**/*.ts']],
    ];
    for (const [text, expected] of cases) assert.deepEqual(pathsInProse(text), expected, `${text} → ${show(pathsInProse(text))}`);
  });

  it('reads no path in words a person reads as words', () => {
    const cases = [
      'Set up the service in backend/',
      'Choose the storage per research.md',
      'Follow plan.md and data-model.md',
      'Add .ics generation and .json export',
      'Retry and/or fail; N/A for I/O over TCP/IP',
      'Use strict mode, e.g. with Node.js 20 and React/Next.js',
      'See https://example.com/docs/a.md and v1.2.3',
      'Handle GET /api/items/{id}.json',
      'Read the schema, see schema.sql',
      'Keep client/server in sync 24/7',
    ];
    for (const text of cases) assert.deepEqual(pathsInProse(text), [], `${text} → ${show(pathsInProse(text))}`);
  });

  it('a spec-kit task takes its files from its line this way', () => {
    const spec = parseSpec(
      '- [ ] T001 [P] Service in backend/src/services/feed.py for .ics generation in backend/ per research.md\n- [ ] T002 [P] Export in backend/src/api/export.py and/or a CLI (N/A for I/O)\n',
      { path: 'tasks.md' },
    );
    assert.deepEqual(spec.tasks.map((t) => t.files), [['backend/src/services/feed.py'], ['backend/src/api/export.py']], show(spec.tasks.map((t) => t.files)));
  });
});
