import { strict as assert } from 'node:assert';
import { parseCommandTemplate, resolveAgent, substitutePlaceholders } from '../../src/node/executor';

const show = (v: unknown): string => JSON.stringify(v);

describe('executor: command templates', () => {
  const cases: ReadonlyArray<readonly [string, string[]]> = [
    ['my-agent --fast', ['my-agent', '--fast']],
    ['  spaced \t out \n ', ['spaced', 'out']],
    [`a 'b c' "d e"`, ['a', 'b c', 'd e']],
    [`a'b'"c"d`, ['abcd']],
    [`x '' ""`, ['x', '', '']],
    [`x 'it''s'`, ['x', 'its']],
    [`x "it's"`, ['x', "it's"]],
    [`x 'no \\ escapes $HOME'`, ['x', 'no \\ escapes $HOME']],
    [`x "a\\"b" "c\\\\d" "e\\$f" "g\\nh"`, ['x', 'a"b', 'c\\d', 'e$f', 'g\\nh']],
    ['x a\\ b \\"q\\"', ['x', 'a b', '"q"']],
    ['x a\\\nb', ['x', 'ab']],
    ['x $HOME ~ *.ts {promptFile}', ['x', '$HOME', '~', '*.ts', '{promptFile}']],
    ['x "a | b" \'c; d\' e\\|f', ['x', 'a | b', 'c; d', 'e|f']],
  ];
  for (const [template, expected] of cases) {
    it(`splits ${show(template)}`, () => {
      const argv = parseCommandTemplate(template);
      assert.deepEqual(argv, expected, show(argv));
    });
  }

  const errors: ReadonlyArray<readonly [string, RegExp]> = [
    ['', /empty/],
    ['   \n ', /empty/],
    [`x 'open`, /unterminated single quote at column 3/],
    [`x "open`, /unterminated double quote at column 3/],
    [`x "a\\"`, /unterminated double quote/],
    ['x \\', /trailing backslash at column 3/],
    ['x | y', /shell operator `\|` at column 3/],
    ['x && y', /shell operator `&`/],
    ['x > out.txt', /shell operator `>`/],
    ['x $(whoami)', /shell operator `\$\(`/],
    ['x `whoami`', /shell operator ```/],
  ];
  for (const [template, pattern] of errors) {
    it(`rejects ${show(template)}`, () => {
      let message = '(no error)';
      try {
        parseCommandTemplate(template);
      } catch (err) {
        message = (err as Error).message;
      }
      assert.match(message, pattern, message);
    });
  }

  it('substitutes placeholders inside single elements, never adding elements', () => {
    const hostile = `$(rm -rf ~) \`x\` "'; echo pwned`;
    const argv = substitutePlaceholders(parseCommandTemplate('run --id={taskId} {specDir}/tasks.md {promptFile} {unknown}'), {
      taskId: hostile,
      specDir: '/tmp/my spec',
      promptFile: '/p/prompt.md',
      progressFile: '/p/progress.md',
    });
    assert.deepEqual(argv, ['run', `--id=${hostile}`, '/tmp/my spec/tasks.md', '/p/prompt.md', '{unknown}'], show(argv));
  });

  it('resolves --agent values to presets or custom templates', () => {
    const got = ['claude', 'Codex', ' gemini ', 'aider', 'demo', 'my-agent -x {promptFile}'].map((s) => resolveAgent(s));
    assert.deepEqual(
      got,
      [
        { preset: 'claude' },
        { preset: 'codex' },
        { preset: 'gemini' },
        { preset: 'aider' },
        { preset: 'demo' },
        { preset: 'custom', command: 'my-agent -x {promptFile}' },
      ],
      show(got),
    );
    for (const [bad, pattern] of [
      ['', /empty/],
      ['custom', /needs the command/],
      [`agent 'oops`, /unterminated single quote/],
    ] as const) {
      assert.throws(() => resolveAgent(bad), (err: Error) => pattern.test(err.message), bad);
    }
  });
});
