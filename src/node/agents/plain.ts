// Agents that print plain text (the demo agent, Aider, most custom commands): every line is shown
// as it is, minus escape sequences; the verdict is the exit code's. A custom command that wraps
// Claude Code and prints its stream-json is read as Claude Code's stream.

import type { AgentReader, AgentVerdict, TranscriptLine } from './definition';
import { jsonObject, stripAnsi, text } from './transcript';

export class PlainReader implements AgentReader {
  private structured: AgentReader | undefined;

  /** `structured`: a reader for JSON lines, should the program print some. */
  constructor(private readonly makeStructured?: () => AgentReader) {}

  stdoutLine(line: string): TranscriptLine[] {
    if (this.makeStructured !== undefined && jsonObject(line) !== undefined) {
      this.structured ??= this.makeStructured();
      return this.structured.stdoutLine(line);
    }
    const clean = stripAnsi(line).trimEnd();
    return clean.trim() === '' ? [] : [text(clean)];
  }

  stderrLine(line: string): TranscriptLine[] {
    const clean = stripAnsi(line).trimEnd();
    return clean.trim() === '' ? [] : [{ kind: 'info', text: clean }];
  }

  verdict(exit: { readonly code: number | null; readonly signal: string | null }): AgentVerdict {
    return this.structured?.verdict(exit) ?? {};
  }

  usage() {
    return this.structured?.usage();
  }
}
