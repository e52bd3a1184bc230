// The terminal view of a run: finished tasks scroll by as log lines while a status block at the
// bottom (progress bar, counts, elapsed, running tasks) is redrawn in place. Without a TTY only
// the log lines are printed, so CI logs stay readable.

import type { RunEvent, RunSummary } from '../../core/ports';
import { RunBoard } from '../../core/board';
import { formatDuration, formatMinutes } from '../../core/duration';
import { OPTIONAL_SKIP_REASON } from '../../core/plan/optional';
import { addUsage, formatUsage, formatUsageShort } from '../../core/usage';
import type { AgentUsage } from '../../core/ports';

export interface LiveViewOptions {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly title: string;
  readonly titles: ReadonlyMap<string, string>;
  readonly color: boolean;
  readonly now?: () => number;
  /** Stream each agent's output, prefixed with its task id. */
  readonly verbose?: boolean;
}

export class LiveView {
  /** Running tasks, in the order they started; their start time is the board's. */
  private readonly running = new Set<string>();
  /** Task statuses and durations, as every view reads them: a task's line says what the tree and
   *  the DAG page say. The run's own task list (from its runStarted) is the total, so a scope the
   *  scheduler widened (`--with-dependencies`, a parent's sub-tasks) is counted as it runs. */
  private readonly board = new RunBoard();
  private optionalSkipped = 0;
  private startedAt: number;
  private drawnLines = 0;
  /** What the run's agents reported, for the status line while it runs. */
  private usage: AgentUsage | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;
  private readonly now: () => number;
  /** Sum of the durations of the tasks' final attempts: what running them one by one would take. */
  taskTimeMs = 0;

  constructor(private readonly options: LiveViewOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.tty = Boolean(options.out.isTTY);
  }

  start(): void {
    this.log(this.style('bold', `Ralph · ${this.options.title}`));
    if (this.tty) {
      this.timer = setInterval(() => this.redraw(), 250);
      this.timer.unref();
    }
  }

  onEvent(event: RunEvent): void {
    this.board.apply(event);
    switch (event.type) {
      case 'runStarted':
        this.startedAt = event.at;
        if (event.resumed) this.log(this.style('yellow', '↻ resuming the run that was interrupted'));
        break;
      case 'taskStarted':
        this.running.add(event.taskId);
        this.log(`${this.style('cyan', '▶')} ${this.label(event.taskId)}${event.attempt > 1 ? this.style('dim', ` (attempt ${event.attempt})`) : ''}`);
        break;
      case 'taskPlaced':
        this.log(this.style('dim', `  ${event.taskId} runs on ${event.runner}`));
        break;
      case 'taskOutput':
        if (this.options.verbose) {
          for (const line of event.chunk.split(/\r?\n/)) {
            if (line.trim()) this.log(this.style('dim', `  ${event.taskId} │ ${line}`));
          }
        }
        break;
      case 'taskFinished': {
        this.running.delete(event.taskId);
        this.usage = addUsage(this.usage, event.usage);
        const cost = formatUsageShort(event.usage);
        // The board's duration: a worktree task's own leaves out its wait to merge.
        const secs = `${formatDuration(this.board.entry(event.taskId).durationMs ?? event.durationMs)}${cost ? ` · ${cost}` : ''}`;
        if (event.status === 'succeeded') {
          this.taskTimeMs += event.durationMs;
          this.log(`${this.style('green', '✔')} ${this.label(event.taskId)} ${this.style('dim', secs)}`);
        } else if (event.status === 'failed' && event.willRetry) {
          // Not the task's result yet: the next attempt follows at once.
          this.taskTimeMs += event.durationMs;
          this.log(`${this.style('yellow', '↻')} ${this.label(event.taskId)} ${this.style('dim', secs)} — ${event.reason ?? 'failed'}; trying again`);
        } else if (event.status === 'failed') {
          this.taskTimeMs += event.durationMs;
          this.log(`${this.style('red', '✖')} ${this.label(event.taskId)} ${this.style('dim', secs)} — ${event.reason ?? 'failed'}`);
        } else if (event.status === 'blocked') {
          this.log(`${this.style('yellow', '⊘')} ${this.label(event.taskId)} — ${event.reason ?? 'blocked'}`);
        } else if (event.status === 'skipped' && event.reason === OPTIONAL_SKIP_REASON) {
          this.optionalSkipped++;
          this.log(this.style('dim', `↷ ${this.label(event.taskId)} — optional, skipped`));
        } else if (event.status === 'cancelled') {
          this.log(`${this.style('yellow', '■')} ${this.label(event.taskId)} — cancelled`);
        }
        break;
      }
      case 'batchCommitted':
        this.log(this.style('dim', `  committed ${event.commit.slice(0, 8)} (${event.taskIds.join(', ')})`));
        break;
      case 'runHalted':
        this.log(this.style('yellow', `■ no new task starts: ${event.reason}`));
        break;
      default:
        break;
    }
    this.redraw();
  }

  /** Writes a line above the status block. */
  log(line: string): void {
    this.erase();
    this.options.out.write(line + '\n');
    this.draw();
  }

  finish(summary: RunSummary): void {
    if (this.timer) clearInterval(this.timer);
    this.erase();
    const parts = [
      `${summary.succeeded} succeeded`,
      `${summary.failed} failed`,
      `${summary.blocked} blocked`,
    ];
    if (summary.cancelled) parts.push(`${summary.cancelled} cancelled`);
    const alreadyDone = summary.skipped - this.optionalSkipped;
    if (alreadyDone > 0) parts.push(`${alreadyDone} already done`);
    if (this.optionalSkipped) parts.push(`${this.optionalSkipped} optional skipped (--include-optional runs them)`);
    this.options.out.write(`\n${this.style('bold', `Finished in ${formatDuration(summary.elapsedMs)}`)}: ${parts.join(', ')}\n`);
    if (this.taskTimeMs > 0 && summary.elapsedMs > 0) {
      const speedup = this.taskTimeMs / summary.elapsedMs;
      this.options.out.write(
        speedup >= 1.05
          ? `  one task at a time would have taken ${formatDuration(this.taskTimeMs)}: ${speedup.toFixed(2)}× faster in parallel\n`
          : // A chain (or one slot): the agents' own time, and setting up, Verify and commits the rest.
            `  the agents' work took ${formatDuration(this.taskTimeMs)} in all; running in parallel saved no time here\n`,
      );
    }
    this.options.out.write(`  the spec's serial estimate: ${formatMinutes(summary.serialEstimateMinutes)}\n`);
    const usage = formatUsage(summary.usage);
    if (usage) this.options.out.write(`  agents reported: ${usage}\n`);
    if (summary.haltReason) this.options.out.write(`${this.style('yellow', `  stopped early: ${summary.haltReason}`)}\n`);
  }

  private label(id: string): string {
    return `${this.style('bold', id)} ${this.options.titles.get(id) ?? ''}`.trimEnd();
  }

  private statusLines(): string[] {
    const c = this.board.counts();
    const total = Math.max(c.inRun, c.finished);
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.round((c.finished / total) * width)) : 0;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const elapsed = formatDuration(this.now() - this.startedAt);
    const cost = formatUsageShort(this.usage);
    const lines = [
      `${bar} ${c.finished}/${total}  ${this.style('green', `✔ ${c.succeeded}`)}  ${this.style('red', `✖ ${c.failed}`)}  ${this.style('yellow', `⊘ ${c.blocked}`)}  ${elapsed}${cost ? `  ${cost}` : ''}`,
    ];
    const cols = this.options.out.columns ?? 100;
    for (const id of this.running) {
      const line = `  ${this.style('cyan', '●')} ${id} ${this.options.titles.get(id) ?? ''}`;
      const startedAt = this.board.entry(id).startedAt ?? this.startedAt;
      lines.push(`${truncate(line, cols - 10)} ${this.style('dim', formatDuration(this.now() - startedAt))}`);
    }
    return lines;
  }

  private draw(): void {
    if (!this.tty) return;
    const lines = this.statusLines();
    this.options.out.write(lines.join('\n') + '\n');
    this.drawnLines = lines.length;
  }

  private erase(): void {
    if (!this.tty || this.drawnLines === 0) return;
    // Cursor up over the block, then clear to the end of the screen.
    this.options.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  private redraw(): void {
    if (!this.tty) return;
    this.erase();
    this.draw();
  }

  private style(kind: 'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan', text: string): string {
    if (!this.options.color) return text;
    const codes = { bold: 1, dim: 2, green: 32, red: 31, yellow: 33, cyan: 36 } as const;
    return `\x1b[${codes[kind]}m${text}\x1b[0m`;
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, Math.max(0, max - 1)) + '…' : text;
}
