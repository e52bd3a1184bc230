// The grammar file itself: wired up the way package.json says, every regex valid, every
// include resolvable, every scope of ours named so that themes and tests can tell it apart.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { GRAMMAR_PATH, INJECTION_SCOPE, MARKDOWN_PATH, MARKDOWN_SCOPE, ROOT, markdown } from './tokenize';

interface RawRule {
  name?: string;
  contentName?: string;
  match?: string;
  begin?: string;
  end?: string;
  while?: string;
  include?: string;
  patterns?: RawRule[];
  captures?: Record<string, RawRule>;
  beginCaptures?: Record<string, RawRule>;
  endCaptures?: Record<string, RawRule>;
  whileCaptures?: Record<string, RawRule>;
  repository?: Record<string, RawRule>;
}

interface RawGrammar extends RawRule {
  scopeName: string;
  injectionSelector?: string;
  comment?: string;
}

const grammar = JSON.parse(readFileSync(GRAMMAR_PATH, 'utf8')) as RawGrammar;
const markdownGrammar = JSON.parse(readFileSync(MARKDOWN_PATH, 'utf8')) as RawGrammar;

/** Every rule of the grammar, with a path for messages. */
function walk(rule: RawRule, path: string, out: Array<{ rule: RawRule; path: string }> = []) {
  out.push({ rule, path });
  rule.patterns?.forEach((p, i) => walk(p, `${path}.patterns[${i}]`, out));
  for (const key of ['captures', 'beginCaptures', 'endCaptures', 'whileCaptures'] as const) {
    for (const [n, c] of Object.entries(rule[key] ?? {})) walk(c, `${path}.${key}[${n}]`, out);
  }
  for (const [n, r] of Object.entries(rule.repository ?? {})) walk(r, `${path}.repository.${n}`, out);
  return out;
}

const rules = walk(grammar, 'grammar');

describe('grammar manifest', () => {
  it('has the scopeName package.json declares, injected into the markdown grammar', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      contributes?: { grammars?: Array<{ scopeName?: string; path?: string; injectTo?: string[]; language?: string }> };
    };
    const entries = (pkg.contributes?.grammars ?? []).filter((g) => g.path && join(ROOT, g.path) === GRAMMAR_PATH);
    assert.equal(entries.length, 1, `package.json should declare ${GRAMMAR_PATH} once: ${JSON.stringify(pkg.contributes?.grammars)}`);
    const entry = entries[0]!;
    assert.equal(grammar.scopeName, INJECTION_SCOPE);
    assert.equal(entry.scopeName, grammar.scopeName, 'package.json and the grammar disagree on the scopeName');
    assert.deepEqual(entry.injectTo, [MARKDOWN_SCOPE], `injectTo: ${JSON.stringify(entry.injectTo)}`);
    assert.equal(entry.language, undefined, 'an injection grammar belongs to no language');
    assert.equal(markdownGrammar.scopeName, MARKDOWN_SCOPE, 'the host grammar the tests use is not the markdown grammar');
  });

  it('is an injection grammar: a left-priority selector on markdown that leaves code, paragraphs and comments alone', () => {
    const selector = grammar.injectionSelector ?? '';
    assert.match(selector, /^L:text\.html\.markdown\b/, selector);
    for (const excluded of ['meta.paragraph.markdown', 'markup.fenced_code', 'markup.raw', 'markup.inline.raw', 'meta.embedded', 'comment']) {
      assert.ok(selector.includes(excluded), `the selector should exclude ${excluded}: ${selector}`);
    }
  });

  it('documents its scope choices in its comment', () => {
    for (const scope of [
      'constant.numeric.task-id.ralph',
      'keyword.control.parallel.ralph',
      'support.function.verify.ralph',
      'storage.modifier.sequential.ralph',
      'entity.other.attribute-name.tag.ralph',
      'support.type.property-name.field.ralph',
      'meta.field.requirements',
    ]) {
      assert.ok(grammar.comment?.includes(scope), `the grammar's comment does not mention ${scope}`);
    }
  });

  it('names every scope of its own with a .ralph suffix and reuses only markdown scopes otherwise', () => {
    // The root's `name` is the grammar's display name, not a scope.
    const names = rules.filter(({ rule }) => rule !== grammar).flatMap(({ rule, path }) =>
      [rule.name, rule.contentName].filter((n): n is string => !!n).flatMap((n) => n.split(' ').map((scope) => ({ scope, path }))),
    );
    assert.ok(names.length > 20, `only ${names.length} scope names found`);
    const foreign = names.filter(({ scope }) => !scope.endsWith('.ralph') && !scope.endsWith('.markdown'));
    assert.deepEqual(foreign, [], 'scopes that are neither ours nor markdown’s');
  });

  it('has only includes that resolve (vscode-textmate drops a missing one silently)', () => {
    const repo = grammar.repository ?? {};
    const mdRepo = markdownGrammar.repository ?? {};
    const includes = rules.filter(({ rule }) => rule.include).map(({ rule, path }) => ({ include: rule.include!, path }));
    assert.ok(includes.length > 10, `only ${includes.length} includes found`);
    const broken = includes.filter(({ include }) => {
      if (include.startsWith('#')) return !(include.slice(1) in repo);
      if (include.startsWith(`${MARKDOWN_SCOPE}#`)) return !(include.slice(MARKDOWN_SCOPE.length + 1) in mdRepo);
      return include !== 'text.html.derivative';
    });
    assert.deepEqual(broken, []);
    const used = new Set(includes.filter(({ include }) => include.startsWith('#')).map(({ include }) => include.slice(1)));
    const unused = Object.keys(repo).filter((k) => !used.has(k));
    assert.deepEqual(unused, [], 'repository rules nothing includes');
  });

  it('has regexes that all compile in Oniguruma', async () => {
    await markdown(); // loads the wasm
    const sources = rules.flatMap(({ rule, path }) =>
      (['match', 'begin', 'end', 'while'] as const).filter((k) => rule[k] !== undefined).map((k) => ({ source: rule[k]!, where: `${path}.${k}` })),
    );
    assert.ok(sources.length > 15, `only ${sources.length} regexes found`);
    const bad: string[] = [];
    for (const { source, where } of sources) {
      try {
        new oniguruma.OnigScanner([source]).dispose();
      } catch (e) {
        bad.push(`${where}: ${source}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
