// Agent command templates: split like a POSIX shell splits words, but never run through one.
// Task text therefore cannot become shell syntax: it only ever lands inside argv elements.

export class CommandTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandTemplateError';
  }
}

/** Characters that a shell would treat as operators; without a shell they would silently become
 *  literal arguments, which is never what the author meant. */
const SHELL_OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);

/**
 * Splits a command template into argv the way `sh` splits words: whitespace separates words,
 * '…' is literal, "…" is literal except that a backslash escapes $ ` " \ and newline, and an
 * unquoted backslash escapes the next character. Nothing is expanded: `$HOME`, `~` and `*` stay
 * as written. Unquoted shell operators and unbalanced quotes are errors that name the column.
 */
export function parseCommandTemplate(template: string): string[] {
  const words: string[] = [];
  let word = '';
  // A word exists once anything (even an empty pair of quotes) has been seen.
  let inWord = false;
  let i = 0;
  const column = (at: number): number => at + 1;

  while (i < template.length) {
    const ch = template[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      i++;
      continue;
    }
    if (ch === "'") {
      const close = template.indexOf("'", i + 1);
      if (close < 0) {
        throw new CommandTemplateError(`unterminated single quote at column ${column(i)} of agent command template: ${template}`);
      }
      word += template.slice(i + 1, close);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (ch === '"') {
      const start = i;
      i++;
      let closed = false;
      while (i < template.length) {
        const c = template[i] as string;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < template.length) {
          const next = template[i + 1] as string;
          if (next === '\n') {
            i += 2;
            continue;
          }
          if (next === '$' || next === '`' || next === '"' || next === '\\') {
            word += next;
            i += 2;
            continue;
          }
        }
        word += c;
        i++;
      }
      if (!closed) {
        throw new CommandTemplateError(`unterminated double quote at column ${column(start)} of agent command template: ${template}`);
      }
      inWord = true;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 >= template.length) {
        throw new CommandTemplateError(`trailing backslash at column ${column(i)} of agent command template: ${template}`);
      }
      const next = template[i + 1] as string;
      // Backslash-newline is a line continuation, as in sh.
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (SHELL_OPERATORS.has(ch) || (ch === '$' && template[i + 1] === '(')) {
      const shown = ch === '$' ? '$(' : ch;
      throw new CommandTemplateError(
        `agent command template uses the shell operator \`${shown}\` at column ${column(i)}, but Ralph runs the command ` +
          `without a shell; quote it, or put the pipeline in a script and name that script: ${template}`,
      );
    }
    word += ch;
    inWord = true;
    i++;
  }
  if (inWord) words.push(word);
  if (words.length === 0) {
    throw new CommandTemplateError('agent command template is empty');
  }
  return words;
}

export interface TemplateValues {
  readonly promptFile: string;
  readonly progressFile: string;
  readonly taskId: string;
  readonly specDir: string;
}

const PLACEHOLDER = /\{(promptFile|progressFile|taskId|specDir)\}/g;

/** Replaces the known placeholders inside each argv element; the element count never changes,
 *  so a value with spaces or quotes stays one argument. Unknown `{…}` are left as written. */
export function substitutePlaceholders(argv: readonly string[], values: TemplateValues): string[] {
  return argv.map((arg) => arg.replace(PLACEHOLDER, (_m, name: keyof TemplateValues) => values[name]));
}
