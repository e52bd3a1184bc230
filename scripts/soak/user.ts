// The user at the keyboard while Ralph runs: saves tasks.md (a line added at the end, the way an
// editor saves: write a temp file and rename it over, or write in place) and commits their own
// file with git in the main working tree, at random intervals of 5–300 ms. Everything it
// managed to do is logged, so the checks can ask afterwards whether any of it was lost.
//
// Like an editor, a save first looks whether the file changed on disk since it was read and, if
// so, gives up and tries again later: a save never knowingly writes over Ralph's check-offs, so a
// check-off that goes missing is Ralph's doing, not the simulated user's.

import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Random } from './random';
import { gitAsync, gitSync } from './git';
import { SPEC_PATH, USER_FILE } from './spec';

export interface UserCommit {
  readonly hash: string;
  readonly message: string;
}

export interface UserLog {
  /** Lines saved into tasks.md, each once. */
  readonly taskLines: string[];
  /** Lines appended to user/notes.txt. */
  readonly noteLines: string[];
  /** The user's commits that git made. */
  readonly commits: UserCommit[];
  /** Commits git refused (a lock held, nothing left to commit), with the first reason. */
  failedCommits: number;
  firstCommitError?: string;
  /** Saves given up because the file changed between reading and writing. */
  staleSaves: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SimulatedUser {
  readonly log: UserLog = { taskLines: [], noteLines: [], commits: [], failedCommits: 0, staleSaves: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private n = 0;

  constructor(
    private readonly repo: string,
    private readonly random: Random,
    private readonly nonce: string,
    /** Where a save's temp file goes: outside the repository (so no commit can take it along),
     *  on the same file system (so the rename is atomic). */
    private readonly scratch: string,
    /** The environment git runs in: the round's, without the marker (the user is not Ralph). */
    private readonly env: NodeJS.ProcessEnv,
    /** Where each thing the user did is recorded, with its time (JSON lines), for diagnosis. */
    private readonly journal?: string,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await sleep(this.random.int(5, 300));
        if (!this.running) break;
        if (this.random.chance(0.5)) this.saveTasksFile();
        else await this.commitNotes();
      }
    })();
  }

  /** Stops and waits for what the user was doing (a git commit in flight) to end. */
  async stop(): Promise<UserLog> {
    this.running = false;
    await this.loop;
    return this.log;
  }

  private record(what: string, extra: Record<string, unknown>): void {
    if (this.journal) appendFileSync(this.journal, JSON.stringify({ t: Date.now(), what, ...extra }) + '\n');
  }

  private saveTasksFile(): void {
    const file = join(this.repo, SPEC_PATH);
    const n = ++this.n;
    const line = this.random.chance(0.6) ? `<!-- user note ${n} ${this.nonce} -->` : `User paragraph ${n} ${this.nonce}: check the wording of this phase later.`;
    let before: string;
    try {
      before = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const after = `${before.replace(/\n*$/, '\n')}\n${line}\n`;
    const how = this.random.chance(0.7) ? 'rename' : 'in-place';
    // Which tasks the saved text leaves unchecked: if a check-off goes missing, this tells
    // whether a save of the user's could have been what wrote over it.
    const unchecked = [...after.matchAll(/^- \[ \] (\d+\.\d+) /gm)].map((m) => m[1]);
    if (how === 'rename') {
      const temp = join(this.scratch, 'tasks.md.user-save');
      writeFileSync(temp, after);
      if (readFileSync(file, 'utf8') !== before) {
        rmSync(temp, { force: true });
        this.log.staleSaves++;
        this.record('stale-save', { line });
        return;
      }
      renameSync(temp, file);
    } else {
      if (readFileSync(file, 'utf8') !== before) {
        this.log.staleSaves++;
        this.record('stale-save', { line });
        return;
      }
      writeFileSync(file, after);
    }
    this.log.taskLines.push(line);
    this.record('save', { how, line, unchecked });
  }

  private async commitNotes(): Promise<void> {
    const n = ++this.n;
    const line = `user line ${n} ${this.nonce}`;
    appendFileSync(join(this.repo, USER_FILE), `${line}\n`);
    this.log.noteLines.push(line);
    const message = `user: note ${n} ${this.nonce}`;
    // Only the user's file, whatever else is staged or dirty.
    const r = await gitAsync(this.repo, ['commit', '--no-verify', '-m', message, '--', USER_FILE], this.env);
    const short = /^\[[^\]]*?([0-9a-f]{7,40})\]/m.exec(r.stdout)?.[1];
    if (r.code !== 0 || short === undefined) {
      this.log.failedCommits++;
      this.log.firstCommitError ??= (r.stderr || r.stdout).trim().split('\n')[0];
      this.record('commit-failed', { message, error: (r.stderr || r.stdout).trim().split('\n')[0] });
      return;
    }
    // The short hash names the commit even if something moved the branch away from it since.
    const full = gitSync(this.repo, ['rev-parse', '--verify', `${short}^{commit}`], this.env).stdout.trim();
    this.log.commits.push({ hash: full || short, message });
    this.record('commit', { hash: full || short, message });
  }
}
