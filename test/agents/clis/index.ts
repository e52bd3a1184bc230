// The real agent CLIs the conformance tests run, with what each needs: where the pinned install
// is, the API the scripted model speaks to it, and the environment that points it there.

import type { ProtocolHandler } from '../modelServer';
import { anthropicHandlers } from '../protocols/anthropic';
import { geminiHandlers } from '../protocols/gemini';
import { openaiHandlers } from '../protocols/openai';
import { openaiChatHandler } from '../protocols/openaiChat';
import { claudeBin, claudeEnvironment } from './claude';
import { codexBin, codexEnvironment } from './codex';
import { geminiBin, geminiEnvironment } from './gemini';
import { opencodeBin, opencodeEnvironment } from './opencode';

export interface CliHarness {
  /** The preset name, and the command name on PATH. */
  readonly name: 'claude' | 'codex' | 'gemini' | 'opencode';
  /** The pinned install's executable; its folder goes first on PATH. */
  readonly bin: string;
  readonly handlers: readonly ProtocolHandler[];
  /** The provider's "overloaded, try later" status (Anthropic 529; the others 503). */
  readonly overloadedStatus: number;
  environment(opts: { baseUrl: string; home: string; loggedIn?: boolean }): NodeJS.ProcessEnv | Promise<NodeJS.ProcessEnv>;
}

export const HARNESSES: readonly CliHarness[] = [
  { name: 'claude', bin: claudeBin, handlers: anthropicHandlers(), overloadedStatus: 529, environment: claudeEnvironment },
  { name: 'codex', bin: codexBin, handlers: openaiHandlers(), overloadedStatus: 503, environment: codexEnvironment },
  { name: 'gemini', bin: geminiBin, handlers: geminiHandlers(), overloadedStatus: 503, environment: geminiEnvironment },
  { name: 'opencode', bin: opencodeBin, handlers: [openaiChatHandler], overloadedStatus: 503, environment: opencodeEnvironment },
];
