// Tokenizes markdown the way VS Code does: vscode-textmate with the Oniguruma wasm, VS Code's
// markdown grammar (as tm-grammars ships it) as the host, and our grammar injected into it
// through the same path `contributes.grammars[].injectTo` takes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar, type StateStack } from 'vscode-textmate';

export const ROOT = join(__dirname, '..', '..');
export const GRAMMAR_PATH = join(ROOT, 'syntaxes', 'ralph-tasks.injection.tmLanguage.json');
export const MARKDOWN_PATH = join(ROOT, 'node_modules', 'tm-grammars', 'grammars', 'markdown.json');
export const FIXTURES = join(__dirname, 'fixtures');
export const INJECTION_SCOPE = 'text.ralph-tasks.injection';
export const MARKDOWN_SCOPE = 'text.html.markdown';

export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly scopes: readonly string[];
}

export interface Line {
  readonly index: number;
  readonly text: string;
  readonly tokens: readonly Token[];
}

let markdownGrammar: Promise<IGrammar> | undefined;

async function loadMarkdown(): Promise<IGrammar> {
  const wasm = readFileSync(join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      // Every other grammar markdown refers to (YAML, HTML, fenced languages) is left out, as
      // when VS Code has not got it: their includes resolve to nothing.
      if (scopeName === MARKDOWN_SCOPE) return parseRawGrammar(readFileSync(MARKDOWN_PATH, 'utf8'), MARKDOWN_PATH);
      if (scopeName === INJECTION_SCOPE) return parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH);
      return null;
    },
    getInjections: (scopeName: string) => (scopeName === MARKDOWN_SCOPE ? [INJECTION_SCOPE] : undefined),
  });
  const grammar = await registry.loadGrammar(MARKDOWN_SCOPE);
  assert.ok(grammar, 'the markdown grammar did not load');
  return grammar;
}

export function markdown(): Promise<IGrammar> {
  markdownGrammar ??= loadMarkdown();
  return markdownGrammar;
}

/** Every line of `text` with its tokens, each with its text and full scope list. */
export async function tokenize(text: string): Promise<Line[]> {
  const grammar = await markdown();
  let state: StateStack = INITIAL;
  return text.split(/\r?\n/).map((lineText, index) => {
    const result = grammar.tokenizeLine(lineText, state);
    state = result.ruleStack;
    const tokens = result.tokens.map((t, k) => {
      const end = result.tokens[k + 1]?.startIndex ?? lineText.length;
      return { text: lineText.slice(t.startIndex, end), start: t.startIndex, end, scopes: t.scopes };
    });
    return { index, text: lineText, tokens };
  });
}

export async function tokenizeFixture(name: string): Promise<Line[]> {
  return tokenize(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** The first line (from `from` on) whose text contains `needle`. */
export function lineWith(lines: readonly Line[], needle: string, from = 0): Line {
  const line = lines.slice(from).find((l) => l.text.includes(needle));
  assert.ok(line, `no line contains ${JSON.stringify(needle)}`);
  return line;
}

/** A readable dump of a line's tokens, for assertion messages. */
export function dump(line: Line): string {
  const body = line.tokens
    .map((t) => `  ${JSON.stringify(t.text)} -> ${t.scopes.filter((s) => s !== MARKDOWN_SCOPE).join(' ')}`)
    .join('\n');
  return `line ${line.index + 1}: ${JSON.stringify(line.text)}\n${body}`;
}

/** The tokens that cover the `nth` occurrence of `needle` in the line (at least one). */
export function tokensOf(line: Line, needle: string, nth = 0): Token[] {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = line.text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `${JSON.stringify(needle)} occurs fewer than ${nth + 1} times in\n${dump(line)}`);
  }
  const end = at + needle.length;
  return line.tokens.filter((t) => t.start < end && t.end > at);
}

/** The scopes every token covering `needle` carries. */
export function scopesOf(line: Line, needle: string, nth = 0): string[] {
  const tokens = tokensOf(line, needle, nth);
  const [first, ...rest] = tokens;
  return (first?.scopes ?? []).filter((s) => rest.every((t) => t.scopes.includes(s)));
}

/** Asserts that every character of `needle` (its `nth` occurrence) is inside `scope`. */
export function assertScope(line: Line, needle: string, scope: string, nth = 0): void {
  const scopes = scopesOf(line, needle, nth);
  assert.ok(scopes.includes(scope), `expected ${JSON.stringify(needle)} to be in ${scope}; it is in [${scopes.join(', ')}]\n${dump(line)}`);
}

/** Asserts that no character of `needle` is inside `scope`. */
export function assertNotScope(line: Line, needle: string, scope: string, nth = 0): void {
  const hits = tokensOf(line, needle, nth).filter((t) => t.scopes.includes(scope));
  assert.equal(hits.length, 0, `expected ${JSON.stringify(needle)} not to be in ${scope}\n${dump(line)}`);
}

export const ralphScopes = (scopes: readonly string[]): string[] => scopes.filter((s) => s.endsWith('.ralph'));

/** Our scopes that a theme colours: all but the meta.* wrappers (meta.task.ralph, meta.field.ralph, …). */
export const highlightScopes = (scopes: readonly string[]): string[] => ralphScopes(scopes).filter((s) => !s.startsWith('meta.'));

/** Asserts that no token of the line carries a scope of ours, not even a meta.* wrapper. */
export function assertNoRalph(line: Line): void {
  const found = line.tokens.flatMap((t) => ralphScopes(t.scopes));
  assert.deepEqual(found, [], `expected no .ralph scope on this line\n${dump(line)}`);
}

/** Asserts that no token of the line carries a scope of ours that a theme colours (it may sit
 *  inside a task: meta.task.ralph is allowed). */
export function assertNoHighlight(line: Line): void {
  const found = line.tokens.flatMap((t) => highlightScopes(t.scopes));
  assert.deepEqual(found, [], `expected no highlighting .ralph scope on this line\n${dump(line)}`);
}

/** Asserts that no character of `needle` carries a scope of ours that a theme colours. */
export function assertNoRalphOn(line: Line, needle: string, nth = 0): void {
  const found = tokensOf(line, needle, nth).flatMap((t) => highlightScopes(t.scopes));
  assert.deepEqual(found, [], `expected no highlighting .ralph scope on ${JSON.stringify(needle)}\n${dump(line)}`);
}
