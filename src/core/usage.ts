// Tokens and cost, summed and written one way for every view (tree, DAG tooltip, status bar,
// `ralph status`, the run summary), so no two of them can disagree about what a task cost.

import type { AgentUsage } from './ports';

export const NO_USAGE: AgentUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** The sum; a cost only where at least one side reports one. */
export function addUsage(a: AgentUsage | undefined, b: AgentUsage | undefined): AgentUsage | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const cost = a.costUsd === undefined && b.costUsd === undefined ? undefined : (a.costUsd ?? 0) + (b.costUsd ?? 0);
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    ...(cost !== undefined ? { costUsd: cost } : {}),
  };
}

/** `$0.0042`, `$0.42`, `$12.30`: enough digits to tell small tasks apart. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd)}`;
}

/** `950`, `12.3k`, `1.2M` */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** The short form for a tree item or a status line: the cost where known, else the tokens. */
export function formatUsageShort(u: AgentUsage | undefined): string | undefined {
  if (u === undefined) return undefined;
  if (u.costUsd !== undefined) return formatCost(u.costUsd);
  const total = u.inputTokens + u.outputTokens;
  return total > 0 ? `${formatTokens(total)} tok` : undefined;
}

/** The long form for a tooltip or a summary: `12.3k in (8.0k cached) · 1.2k out · $0.042`. */
export function formatUsage(u: AgentUsage | undefined): string | undefined {
  if (u === undefined) return undefined;
  const parts = [
    `${formatTokens(u.inputTokens)} in${u.cachedInputTokens > 0 ? ` (${formatTokens(u.cachedInputTokens)} cached)` : ''}`,
    `${formatTokens(u.outputTokens)} out`,
  ];
  if (u.costUsd !== undefined) parts.push(formatCost(u.costUsd));
  return parts.join(' · ');
}

/** Whether a value read from a file is a usage record (the state file may be hand-edited). */
export function isUsage(v: unknown): v is AgentUsage {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const n = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  return n(o.inputTokens) && n(o.outputTokens) && n(o.cachedInputTokens) && (o.costUsd === undefined || n(o.costUsd));
}
