// `.ralph-state.json`: parse, validate and serialize. The file is shared with the ralph-specum
// Claude Code plugin, so validation only rejects what would mislead a resume (wrong types,
// unknown statuses) and every field it does not know is carried through untouched.

import Ajv, { type ErrorObject } from 'ajv';
import { findNodeAtLocation, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { RalphState } from '../ports';
import { bracketNestingBeyond, MAX_NESTING_DEPTH } from '../parse/limits';
import stateSchema from '../../../schemas/ralph-state.schema.json';

export const STATE_FILE_NAME = '.ralph-state.json';

/** Where in the file a problem is: 1-based line and column, as editors and compilers print them. */
export interface StateLocation {
  readonly line: number;
  readonly column: number;
}

export class StateError extends Error {
  override readonly name = 'StateError';
  constructor(
    message: string,
    readonly path: string,
    readonly location?: StateLocation,
    /** JSON pointer of the offending value, for schema violations. */
    readonly pointer?: string,
    /** Copy of the bad file kept for the user, when the store made one. */
    readonly backupPath?: string,
  ) {
    super(message);
  }

  /** The same error, telling the user where the bad file was copied. */
  withBackup(backupPath: string): StateError {
    return new StateError(
      `${this.message} (the unreadable file was copied to ${backupPath}; fix or delete ${this.path} to continue)`,
      this.path,
      this.location,
      this.pointer,
      backupPath,
    );
  }
}

// Compiled once, lazily: most processes that import core never read a state file.
let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): readonly ErrorObject[] {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(stateSchema);
  return validator(value) ? [] : (validator.errors ?? []);
}

export function locationOf(text: string, offset: number): StateLocation {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function where(path: string, loc: StateLocation): string {
  return `${path}:${loc.line}:${loc.column}`;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describeSchemaError(e: ErrorObject): string {
  const at = e.instancePath === '' ? 'the top level' : e.instancePath;
  if (e.propertyName !== undefined) return `${at} has a key "${e.propertyName}" that is not a task index`;
  switch (e.keyword) {
    case 'required':
      return `${at} is missing the required field "${String((e.params as { missingProperty: string }).missingProperty)}"`;
    case 'enum':
      return `${at} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf':
      return `${at} must be null or an object with startIndex, endIndex and taskIndices`;
    default:
      return `${at} ${e.message ?? 'is invalid'}`;
  }
}

/** Parses and validates the text of a state file; `path` is only used in messages. */
export function parseState(text: string, path: string): RalphState {
  // A byte order mark is legal for editors to add but not for JSON.parse.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const bomShift = body === text ? 0 : 1;
  if (body.trim() === '') {
    throw new StateError(`${where(path, { line: 1, column: 1 })}: state file is empty`, path, { line: 1, column: 1 });
  }
  // jsonc-parser reads arrays and objects recursively: a file of many thousand `[` would exhaust
  // the stack, and a RangeError is no StateError, so the store would keep no backup of it.
  const tooDeep = bracketNestingBeyond(body);
  if (tooDeep) {
    const loc = locationOf(text, tooDeep.offset + bomShift);
    throw new StateError(
      `${where(path, loc)}: not a valid state file: nested too deeply (more than ${MAX_NESTING_DEPTH} levels of arrays and objects)`,
      path,
      loc,
    );
  }
  const errors: ParseError[] = [];
  const tree = parseTree(body, errors, { allowTrailingComma: false, disallowComments: true });
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const first = errors[0];
    const offset = first ? first.offset : Number(/position (\d+)/.exec(String(err))?.[1] ?? body.length);
    const what = first ? printParseErrorCode(first.error) : String((err as Error).message);
    const loc = locationOf(text, offset + bomShift);
    throw new StateError(`${where(path, loc)}: state file is not valid JSON (${what})`, path, loc);
  }
  const problems = validate(value);
  const problem = problems[0];
  if (problem) {
    // Prefer pointing at the missing field's parent; jsonc-parser gives us its offset.
    const node = tree ? findNodeAtLocation(tree, pointerSegments(problem.instancePath)) : undefined;
    const loc = locationOf(text, (node?.offset ?? 0) + bomShift);
    const pointer = problem.instancePath === '' ? '/' : problem.instancePath;
    throw new StateError(
      `${where(path, loc)}: state file does not match the schema: ${describeSchemaError(problem)}`,
      path,
      loc,
      pointer,
    );
  }
  return value as RalphState;
}

/** Two-space JSON with a final newline, the way ralph-specum writes it; key order is kept. */
export function serializeState(state: RalphState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
