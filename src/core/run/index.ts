// The scheduler's public face: everything the CLI and the extension need to run a plan.

export { runPlan, RUN_LOCK_FILE } from './scheduler';
export type { RunPorts } from './scheduler';
export { buildPrompt, verifyCommandOf } from './prompt';
export type { PromptContext } from './prompt';
export { CancellationSource, neverCancelled } from './cancellation';
export { batchCommitMessage, singleTaskCommitMessage, commitSubjectOf } from './commits';
export type { RunOptions, RunSummary, RunEvent, RunEventListener, RunScope, RunMode, CommitStrategy } from '../ports';
export { StoppableExecutor } from './stoppable';
export { resolveScope, RunRelations, ScopeError, unfinishedDependencies, type ScopeFacts } from './scope';
