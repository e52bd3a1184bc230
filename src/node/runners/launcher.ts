// The seam between the process executor and a runner: the executor works out the agent's argv,
// environment and prompt as always; a launcher says how that process is really started (in a
// container, on another engine, as a Job) and, once it ended, what happened inside (Verify's
// result, a missing command) and clears up. Without a launcher the agent runs here.

import type { ExecutorRequest, VerifiedResult } from '../../core/ports';
import type { ProcessOutcome } from '../executor/process';

export interface LaunchInput {
  readonly command: string;
  readonly args: readonly string[];
  /** The whole environment the agent would get here. */
  readonly env: NodeJS.ProcessEnv;
  /** The variables the agent needs (Ralph's, the preset's, the user's extra ones, credentials):
   *  passed into a container by name, with values from `env`. */
  readonly passNames: readonly string[];
  /** Of those, the ones whose values Ralph or the agent's preset chose (RALPH_*, a preset's
   *  settings): never credentials, so they may be written where others can read them (a Job). */
  readonly fixedNames?: readonly string[];
  readonly cwd: string;
  readonly promptFile: string;
  readonly promptOnStdin: boolean;
  readonly request: ExecutorRequest;
  readonly agentId: string;
}

/** The process that stands for the agent here (a `docker` client attached to the container). */
export interface Launched {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Once that process ended (however): what the runner learned, and the container gone.
   *  Never throws. */
  finish(outcome: ProcessOutcome): Promise<LaunchReport>;
}

export interface LaunchReport {
  /** The task's Verify, run where the agent ran. */
  readonly verified?: VerifiedResult;
  /** The agent's command is not in the image: why, in one line (the run stops starting tasks). */
  readonly missing?: string;
  /** The engine could not start the container (no such image, a bad option): why, in one line
   *  (the runner cannot work). */
  readonly unstartable?: string;
  /** Something went wrong getting the work out: the attempt fails with this reason. */
  readonly lost?: string;
}

export interface Launcher {
  /** How views name the place: `docker`, `docker@box`. */
  readonly label: string;
  launch(input: LaunchInput): Promise<Launched>;
}
