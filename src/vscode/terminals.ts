// One terminal per running task, named after it ("Ralph 1.2 · Add progressFile"), backed by a
// Pseudoterminal that streams the agent's output as RunEvents bring it and closes with the task's
// exit code. Closing a running task's terminal asks whether to stop the task; the output is kept
// (bounded), so "Show Terminal" brings the terminal back with what it had.

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { RunEvent } from '../core/ports';
import { formatDuration } from '../core/duration';
import { formatUsage } from '../core/usage';
import { readSettings, type KeepOpen } from './config';
import type { RunController, RunEventWithSpec } from './runs';
import type { SpecEntry } from './specs';

/** What a terminal replays when it is opened again: the tail of the task's output. */
const REPLAY_LIMIT_CHARS = 256 * 1024;

const ANSI = { dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', reset: '\x1b[0m' };

/** Colours for the transcript's kinds of line, told apart by the glyph each starts with. */
export function colourTranscript(text: string): string {
  return text.replace(/^(✎|\$ |→|•|✗|⏸)(.*)$/gm, (_line, glyph: string, rest: string) => {
    const colour = glyph === '✗' ? ANSI.red : glyph === '⏸' ? ANSI.yellow : glyph === '✎' ? ANSI.cyan : ANSI.dim;
    return `${colour}${glyph}${rest}${ANSI.reset}`;
  });
}

/** Terminals want CRLF; agents write LF. */
function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export function terminalName(taskId: string, title: string): string {
  const short = title.length > 48 ? `${title.slice(0, 47)}…` : title;
  return `Ralph ${taskId} · ${short}`;
}

class TaskPty implements vscode.Pseudoterminal {
  private readonly write = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.write.event;
  readonly onDidClose = this.closed.event;
  private opened = false;
  private pending = '';
  /** Set once the task ended and the terminal waits for a key to close. */
  private exitCode: number | undefined;
  /** The task ended before VS Code opened the terminal: close it once it opens (an event fired
   *  before then reaches no listener and the terminal would stay forever). */
  private closeOnOpen: number | undefined;

  constructor(
    private readonly replay: string,
    private readonly onUserClose: () => void,
  ) {}

  open(): void {
    this.opened = true;
    const first = this.replay + this.pending;
    this.pending = '';
    if (first) this.write.fire(first);
    if (this.closeOnOpen !== undefined) this.closed.fire(this.closeOnOpen);
  }

  /** The user closed the terminal (or the window is going away). */
  close(): void {
    if (this.exitCode === undefined) this.onUserClose();
    this.dispose();
  }

  handleInput(): void {
    if (this.exitCode !== undefined) this.closed.fire(this.exitCode);
  }

  print(text: string): void {
    const out = toTerminal(text);
    if (this.opened) this.write.fire(out);
    else this.pending += out;
  }

  /** The task is over: close now with its exit code, or wait for a key. */
  end(exitCode: number, keepOpen: boolean): void {
    if (keepOpen) {
      this.exitCode = exitCode;
      this.print(`\n${ANSI.dim}Press any key to close this terminal.${ANSI.reset}\n`);
    } else if (this.opened) {
      this.closed.fire(exitCode);
    } else {
      this.closeOnOpen = exitCode;
    }
  }

  dispose(): void {
    this.write.dispose();
    this.closed.dispose();
  }
}

interface TaskTerminal {
  readonly key: string;
  readonly entry: SpecEntry;
  readonly taskId: string;
  readonly name: string;
  output: string;
  running: boolean;
  terminal?: vscode.Terminal;
  pty?: TaskPty;
}

export class TaskTerminals extends Disposable {
  private readonly tasks = new Map<string, TaskTerminal>();
  /** The first terminal of a run is shown (without taking focus); the rest wait in the list. */
  private shownFor = new Set<string>();

  constructor(private readonly runs: RunController) {
    super();
    this.trackAll(
      runs.onRunEvent((e) => this.onEvent(e)),
      vscode.window.onDidCloseTerminal((t) => {
        for (const task of this.tasks.values()) {
          if (task.terminal === t) {
            task.terminal = undefined;
            task.pty = undefined;
          }
        }
      }),
    );
  }

  private static key(entry: SpecEntry, taskId: string): string {
    return `${entry.file}#${taskId}`;
  }

  has(entry: SpecEntry, taskId: string): boolean {
    return this.tasks.has(TaskTerminals.key(entry, taskId));
  }

  /** Brings the task's terminal forward, opening it again (with its output) when it was closed. */
  show(entry: SpecEntry, taskId: string): boolean {
    const task = this.tasks.get(TaskTerminals.key(entry, taskId));
    if (!task) return false;
    this.ensureTerminal(task).show(false);
    return true;
  }

  private onEvent({ entry, event }: RunEventWithSpec): void {
    switch (event.type) {
      case 'runStarted':
        this.shownFor.delete(entry.file);
        return;
      case 'taskStarted': {
        const task = this.taskFor(entry, event.taskId);
        task.running = true;
        const header =
          event.attempt > 1
            ? `\n${ANSI.yellow}── attempt ${event.attempt} ──${ANSI.reset}\n`
            : `${ANSI.dim}Ralph: task ${event.taskId} (${entry.displayPath}) started ${new Date(event.at).toLocaleTimeString()}${ANSI.reset}\n`;
        this.append(task, header);
        const terminal = this.ensureTerminal(task);
        if (!this.shownFor.has(entry.file)) {
          this.shownFor.add(entry.file);
          terminal.show(true);
        }
        return;
      }
      case 'taskPlaced': {
        const task = this.tasks.get(TaskTerminals.key(entry, event.taskId));
        if (task) this.append(task, `${ANSI.dim}Ralph: running on ${event.runner}${ANSI.reset}\n`);
        return;
      }
      case 'taskOutput': {
        const task = this.tasks.get(TaskTerminals.key(entry, event.taskId));
        if (task) this.append(task, colourTranscript(event.chunk));
        return;
      }
      case 'taskFinished': {
        const task = this.tasks.get(TaskTerminals.key(entry, event.taskId));
        if (!task) return;
        this.finish(task, event);
        return;
      }
      default:
        return;
    }
  }

  private finish(task: TaskTerminal, event: Extract<RunEvent, { type: 'taskFinished' }>): void {
    const took = formatDuration(event.durationMs);
    if (event.willRetry === true) {
      this.append(task, `\n${ANSI.red}✖ attempt ${event.attempt} failed after ${took}: ${event.reason ?? 'no reason given'}${ANSI.reset}\n${ANSI.dim}Ralph tries again with the failure in the prompt.${ANSI.reset}\n`);
      return;
    }
    task.running = false;
    const used = formatUsage(event.usage);
    const line =
      event.status === 'succeeded'
        ? `${ANSI.green}✔ ${task.taskId} succeeded in ${took}${ANSI.reset}${used ? `${ANSI.dim} · ${used}${ANSI.reset}` : ''}`
        : event.status === 'failed'
          ? `${ANSI.red}✖ ${task.taskId} failed after ${took}: ${event.reason ?? 'no reason given'}${ANSI.reset}`
          : `${ANSI.yellow}■ ${task.taskId} ${event.status}${event.reason ? `: ${event.reason}` : ''}${ANSI.reset}`;
    this.append(task, `\n${line}\n${event.logFile ? `${ANSI.dim}The agent's raw output: ${event.logFile}${ANSI.reset}\n` : ''}`);
    const code = exitCodeOf(event.status);
    const keep = keepOpen(readSettings(task.entry.uri).keepTerminalsOpen, event.status);
    task.pty?.end(code, keep);
  }

  private taskFor(entry: SpecEntry, taskId: string): TaskTerminal {
    const key = TaskTerminals.key(entry, taskId);
    let task = this.tasks.get(key);
    if (!task) {
      const title = entry.task(taskId)?.title ?? '';
      task = { key, entry, taskId, name: terminalName(taskId, title), output: '', running: false };
      this.tasks.set(key, task);
    } else if (!task.running && !task.terminal) {
      // A new run of the task: a fresh terminal, not the last run's transcript.
      task.output = '';
    }
    return task;
  }

  private append(task: TaskTerminal, text: string): void {
    task.output += text;
    if (task.output.length > REPLAY_LIMIT_CHARS) task.output = task.output.slice(-REPLAY_LIMIT_CHARS);
    task.pty?.print(text);
  }

  private ensureTerminal(task: TaskTerminal): vscode.Terminal {
    if (task.terminal && task.pty) return task.terminal;
    const pty = new TaskPty(toTerminal(task.output), () => this.askToStop(task));
    task.pty = pty;
    task.terminal = vscode.window.createTerminal({ name: task.name, pty, iconPath: new vscode.ThemeIcon('robot'), isTransient: true });
    // Reopened after its task ended: nothing will come any more, so wait for a key to close.
    if (!task.running) pty.end(0, true);
    return task.terminal;
  }

  private askToStop(task: TaskTerminal): void {
    if (!task.running || !this.runs.isRunning(task.entry)) return;
    const stop = 'Stop Task';
    void vscode.window
      .showWarningMessage(`Task ${task.taskId} is still running. Stop it? (Its output stays available through "Show Terminal".)`, stop, 'Keep Running')
      .then((answer) => {
        if (answer === stop) this.runs.stopTask(task.entry, task.taskId);
      });
  }

  override dispose(): void {
    for (const task of this.tasks.values()) task.terminal?.dispose();
    super.dispose();
  }
}

function exitCodeOf(status: string): number {
  if (status === 'succeeded') return 0;
  if (status === 'cancelled') return 130;
  return 1;
}

function keepOpen(setting: KeepOpen, status: string): boolean {
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  return status !== 'succeeded';
}
