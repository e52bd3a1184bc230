// Small shared pieces for the agents' readers: JSON lines, clean one-line text, tool lines.

import type { TranscriptLine } from './definition';

/** Parses a line that holds one JSON object; undefined for anything else. */
export function jsonObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

// CSI/OSC escape sequences and other control characters (tab and newline are flattened later).
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** One line, bounded, no escapes: what reasons and summaries look like everywhere. */
export function cleanLine(text: string, max = 300): string {
  const flat = stripAnsi(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Whether a line says anything: not empty, not just brackets, braces or punctuation. */
export function meaningful(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(stripAnsi(text));
}

export const text = (t: string): TranscriptLine => ({ kind: 'text', text: t });
export const info = (t: string): TranscriptLine => ({ kind: 'info', text: t });
export const error = (t: string): TranscriptLine => ({ kind: 'error', text: `✗ ${cleanLine(t, 500)}` });
export const denied = (t: string): TranscriptLine => ({ kind: 'denied', text: `✗ denied: ${cleanLine(t, 500)}` });
export const result = (t: string): TranscriptLine => ({ kind: 'result', text: t });

/**
 * A tool call in one line: `✎ Edit src/x.ts`, `$ npm test`, `→ Read src/y.ts`, `• Glob **\/*.ts`.
 * `target` is the path, command or pattern the call is about.
 */
export function toolLine(tool: string, target: string | undefined, kind: 'edit' | 'shell' | 'read' | 'other'): TranscriptLine {
  const t = target === undefined ? '' : cleanLine(target, 200);
  switch (kind) {
    case 'edit':
      return { kind: 'tool', text: `✎ ${tool}${t ? ` ${t}` : ''}` };
    case 'shell':
      return { kind: 'tool', text: `$ ${t || tool}` };
    case 'read':
      return { kind: 'tool', text: `→ ${tool}${t ? ` ${t}` : ''}` };
    default:
      return { kind: 'tool', text: `• ${tool}${t ? ` ${t}` : ''}` };
  }
}

/** An agent's text, possibly many lines, as transcript lines (blank lines dropped). */
export function textLines(t: string): TranscriptLine[] {
  return stripAnsi(t)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .map(text);
}

/**
 * Classifies an HTTP status an agent CLI reported (in its stream, its error JSON, or its exit
 * code): 401/403 → unavailable (auth); 429 (rate limit), 529 (Anthropic's overloaded) and 503
 * (OpenAI's and Google's overloaded / not ready) → rateLimited, since waiting is what helps;
 * anything else → task.
 */
export function kindOfStatus(status: number | undefined): 'unavailable' | 'rateLimited' | 'task' {
  if (status === 401 || status === 403) return 'unavailable';
  if (status === 429 || status === 529 || status === 503) return 'rateLimited';
  return 'task';
}

/** Reads auth / rate-limit / overload signals from an error message when no status is given. */
export function kindOfMessage(message: string): 'unavailable' | 'rateLimited' | 'task' {
  const m = message.toLowerCase();
  if (/\b(401|403)\b|not logged in|invalid (x-)?api[ -]?key|authentication|unauthori[sz]ed|please run \/login|api key not valid|missing api key|no api key/.test(m)) {
    return 'unavailable';
  }
  if (/\b(429|529|503)\b|rate.?limit|overloaded|too many requests|resource.?exhausted|service unavailable|quota/.test(m)) return 'rateLimited';
  return 'task';
}
