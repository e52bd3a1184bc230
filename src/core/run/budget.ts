// Stopping early: when a run starts no new task although some are left. An agent that cannot work
// (not installed, not logged in) would fail every task the same way, and a cost budget that is
// spent is spent; either halts the run once, with the first reason, and running tasks finish.

import type { AgentUsage } from '../ports';
import { addUsage, formatCost } from '../usage';
import type { RunContext } from './context';

export class RunBudget {
  /** Tokens and cost of this run's attempts. */
  private runUsage: AgentUsage | undefined;
  /** What a resumed run had spent before it was killed. */
  private previousUsage: AgentUsage | undefined;
  private reason: string | undefined;

  constructor(private readonly run: Pick<RunContext, 'options' | 'ports' | 'emit' | 'log' | 'sync'>) {}

  /** A resumed run goes on spending what the killed one had spent. */
  resumeFrom(spent: AgentUsage | undefined): void {
    this.previousUsage = spent;
  }

  /** Why no new task starts, once the run is halted. */
  get haltReason(): string | undefined {
    return this.reason;
  }

  /** This run's own usage, for its summary. */
  get usage(): AgentUsage | undefined {
    return this.runUsage;
  }

  /** No new task starts from now on; running ones finish. Said once, with the first reason. */
  halt(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.run.log(`no new task starts: ${reason}`);
    this.run.emit({ type: 'runHalted', reason, at: this.run.ports.clock.now() });
    this.run.sync();
  }

  /** Counts an attempt's usage; halts the run when the budget is spent. */
  account(usage: AgentUsage | undefined): void {
    if (usage === undefined) return;
    this.runUsage = addUsage(this.runUsage, usage);
    const budget = this.run.options.maxCostUsd;
    const spent = addUsage(this.previousUsage, this.runUsage)?.costUsd ?? 0;
    if (budget !== undefined && spent >= budget) {
      this.halt(`the budget of ${formatCost(budget)} is spent (${formatCost(spent)} so far)`);
    }
  }

  /** The state file's usage (resumed runs included) and halt reason. */
  stateFields(): { usage?: AgentUsage; haltReason?: string } {
    const usage = addUsage(this.previousUsage, this.runUsage);
    return {
      ...(usage !== undefined ? { usage } : {}),
      ...(this.reason !== undefined ? { haltReason: this.reason } : {}),
    };
  }
}
