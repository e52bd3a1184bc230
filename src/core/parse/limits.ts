// How much of a hostile input Ralph reads: the limits, and the cheap linear scans that enforce them
// before a recursive reader (remark, jsonc-parser, yaml, the planner's walks) sees the text. Every
// reader of tasks.md, task manifests and state files asks here, so they refuse alike.

/** Containers inside containers: list items, block quotes, JSON or YAML arrays and objects.
 *  Real specs nest a few levels; remark's time grows with the cube of the depth (600 nested
 *  bullets took 6 s) and its stack gives out near 2 000; jsonc-parser's near 10 000. */
export const MAX_NESTING_DEPTH = 100;

/** A path or glob in a task's files. No file system takes a longer path (Linux's PATH_MAX is
 *  4 096 bytes); picomatch refuses patterns over 65 536 characters. */
export const MAX_FILE_PATTERN_LENGTH = 4096;

/** Where nesting first went deeper than the limit. */
export interface TooDeep {
  /** Offset in the text of the bracket that opened one level too many. */
  readonly offset: number;
  readonly depth: number;
}

/**
 * The first `[` or `{` that opens level `limit + 1`, outside strings (double-quoted with
 * backslash escapes; single-quoted as YAML writes them when `singleQuotes`) and outside `//` and
 * `/* *\/` comments when `comments`. One pass, stops at the first excess.
 */
export function bracketNestingBeyond(
  text: string,
  options: { readonly limit?: number; readonly comments?: boolean; readonly singleQuotes?: boolean } = {},
): TooDeep | undefined {
  const limit = options.limit ?? MAX_NESTING_DEPTH;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      // [ {
      depth++;
      if (depth > limit) return { offset: i, depth };
    } else if (c === 93 || c === 125) {
      // ] }
      if (depth > 0) depth--;
    } else if (c === 34) {
      // "…" with backslash escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34 || d === 10) break;
      }
    } else if (c === 39 && options.singleQuotes) {
      // '…' with '' for a quote
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 39 && text.charCodeAt(i + 1) === 39) i++;
        else if (d === 39 || d === 10) break;
      }
    } else if (c === 47 && options.comments) {
      // `//` to the end of the line, `/*` to `*/`
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        const end = text.indexOf('\n', i);
        i = end < 0 ? text.length : end;
      } else if (next === 42) {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? text.length : end + 1;
      }
    }
  }
  return undefined;
}

/**
 * How many containers (block quotes and list items) start in the prefix of `line` from `start`:
 * each `>` and each list marker followed by a blank counts one, and a run of blanks after the
 * first of them counts one per two columns, since inside a block quote indentation is what
 * continues the list items of earlier lines. An overestimate, never an underestimate, of how much
 * deeper the line reaches than the containers open before it.
 */
export function containerPrefixDepth(line: string, start: number): number {
  let depth = 0;
  let i = start;
  for (;;) {
    let col = 0;
    while (i < line.length) {
      const c = line.charCodeAt(i);
      if (c === 32) col++;
      else if (c === 9) col += 4;
      else break;
      i++;
    }
    if (depth > 0) depth += Math.floor(col / 2);
    if (i >= line.length) return depth;
    const c = line.charCodeAt(i);
    if (c === 62) {
      // >
      depth++;
      i++;
      continue;
    }
    let end = i;
    if (c === 45 || c === 42 || c === 43) end = i + 1;
    else {
      while (end < line.length && end - i < 9 && line.charCodeAt(end) >= 48 && line.charCodeAt(end) <= 57) end++;
      const after = line.charCodeAt(end);
      end = end > i && (after === 46 || after === 41) ? end + 1 : i;
    }
    if (end === i) return depth;
    const blank = line.charCodeAt(end);
    if (end < line.length && blank !== 32 && blank !== 9) return depth;
    depth++;
    i = end;
  }
}
