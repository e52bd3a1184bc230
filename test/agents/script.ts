// What the scripted model does, whichever API it is spoken to through. The model reads the task
// from the prompt Ralph wrote, the way a real model would: each "Create `path` containing `text`"
// in the task becomes one call of the CLI's own file-writing tool, the progress notes Ralph asks
// for become one more, and then it answers. Which step comes next is decided from the request
// alone (how many tool results the conversation already holds), so the server keeps no
// per-conversation state and parallel tasks cannot mix.
//
// Faults (HTTP errors, a model that never writes) are set per server and matched against the
// prompt, so one test can fail one task of a parallel group.

export type Step =
  | { readonly kind: 'write'; readonly path: string; readonly content: string }
  | { readonly kind: 'answer'; readonly text: string }
  | { readonly kind: 'http'; readonly status: number; readonly message: string };

/** One model call as a protocol handler saw it. */
export interface Turn {
  readonly protocol: 'anthropic' | 'openai' | 'gemini' | 'openai-chat';
  /** Every text of the conversation's user (and system) messages, joined. */
  readonly prompt: string;
  /** Tool results already in the conversation: the number of steps taken. */
  readonly toolResults: number;
  /** Names of the tools the CLI offered. */
  readonly tools: readonly string[];
}

export interface Fault {
  /** Applies to calls whose prompt contains this text (e.g. "Task 1.2:"); all when absent. */
  readonly match?: string;
  /** An HTTP error to answer with, `times` times (default: every time). */
  readonly status?: number;
  readonly message?: string;
  readonly times?: number;
  /** Answer without writing anything (an agent that claims success and did nothing). */
  readonly noWrite?: boolean;
}

const CREATE = /Create `([^`\n]+)` containing `([^`\n]*)`/g;
const PROGRESS = /Write your progress to (\S+?) \(not to \.progress\.md/;
const TASK = /^# Task (\S+): (.*)$/m;

export interface TaskScript {
  readonly taskId?: string;
  readonly title?: string;
  readonly writes: readonly { readonly path: string; readonly content: string }[];
}

/** The writes a task asks for, in order: its files, then its progress notes. */
export function scriptFor(prompt: string): TaskScript {
  const task = TASK.exec(prompt);
  const writes: { path: string; content: string }[] = [];
  for (const m of prompt.matchAll(CREATE)) writes.push({ path: m[1] as string, content: `${m[2] as string}\n` });
  const progress = PROGRESS.exec(prompt);
  if (task && progress) {
    writes.push({
      path: progress[1] as string,
      content: `## Completed Tasks\n- [x] ${task[1]} ${task[2]}\n\n## Learnings\n- ${task[1]} was written by the scripted model\n`,
    });
  }
  return { taskId: task?.[1], title: task?.[2], writes };
}

export class Script {
  private readonly used = new Map<Fault, number>();
  /** Every turn seen, for assertions. */
  readonly turns: Turn[] = [];

  constructor(private readonly faults: readonly Fault[] = []) {}

  next(turn: Turn): Step {
    this.turns.push(turn);
    const task = scriptFor(turn.prompt);
    for (const fault of this.faults) {
      if (fault.match !== undefined && !turn.prompt.includes(fault.match)) continue;
      if (fault.status !== undefined) {
        const n = this.used.get(fault) ?? 0;
        if (fault.times !== undefined && n >= fault.times) continue;
        this.used.set(fault, n + 1);
        return { kind: 'http', status: fault.status, message: fault.message ?? defaultMessage(fault.status) };
      }
      if (fault.noWrite && task.taskId !== undefined) {
        return { kind: 'answer', text: `I finished task ${task.taskId}.` };
      }
    }
    // Not a task prompt (a title, a summary, a quota probe): a short plain answer.
    if (task.taskId === undefined) return { kind: 'answer', text: 'ok' };
    const write = task.writes[turn.toolResults];
    if (write !== undefined) return { kind: 'write', ...write };
    return { kind: 'answer', text: `Done: task ${task.taskId} (${task.title ?? ''}) wrote ${task.writes.map((w) => w.path).join(', ')}.` };
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'invalid x-api-key';
    case 429:
      return 'rate limit exceeded';
    case 529:
      return 'overloaded';
    case 503:
      return 'service unavailable';
    case 500:
      return 'internal server error';
    default:
      return `error ${status}`;
  }
}
