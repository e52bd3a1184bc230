// Reading a hand-edited JSON file (a task manifest, Task Master's tasks.json) as a tree that keeps
// offsets: comments and trailing commas tolerated, nesting bounded before jsonc-parser's
// recursion can exhaust the stack, and the first problem said with its line and column.

import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { Range } from '../model';
import { bracketNestingBeyond, MAX_NESTING_DEPTH } from './limits';
import type { OffsetRanges } from './values';

export type JsonTree = { readonly root: Node } | { readonly problem: { readonly message: string; readonly range: Range } };

export function readJsonTree(text: string, { position, spanOf }: Pick<OffsetRanges, 'position' | 'spanOf'>): JsonTree {
  // jsonc-parser reads arrays and objects recursively: some thousand `[` exhaust the stack.
  const tooDeep = bracketNestingBeyond(text, { comments: true });
  if (tooDeep) {
    const at = position(tooDeep.offset);
    return {
      problem: {
        message: `Arrays or objects nested more than ${MAX_NESTING_DEPTH} levels deep at line ${at.line + 1}, column ${at.character + 1}; Ralph reads at most ${MAX_NESTING_DEPTH}`,
        range: spanOf(tooDeep.offset, tooDeep.offset + 1),
      },
    };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const firstError = errors[0];
  if (firstError || !root) {
    const offset = firstError?.offset ?? 0;
    const at = position(offset);
    const what = firstError ? printParseErrorCode(firstError.error) : 'EmptyDocument';
    return { problem: { message: `Invalid JSON at line ${at.line + 1}, column ${at.character + 1}: ${what}`, range: spanOf(offset, offset + (firstError?.length ?? 0)) } };
  }
  return { root };
}
