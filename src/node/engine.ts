// The run engine, as the extension sees it: everything that only a run (or a command about
// runs) needs — scheduler, agents, worktrees, runners, executors. The extension imports these
// from here and nowhere else, so the build can put them in a file of their own (dist/engine.js,
// scripts/bundles.mjs) that is loaded the first time one of them is used, not at activation.
// Only functions and classes: what the build puts in their place until then forwards calls,
// `new` and `instanceof` (test/unit/bundle-engine.test.ts).

export { prepareRun, RunSetupError } from './runSession';
export { CancellationSource, StoppableExecutor, unfinishedDependencies } from '../core/run';
export { cleanLeftovers, describeLeftover, leftoverName } from './leftovers';
export { agentUsable, checkAgent, describeAgentCheck, type AgentCheck } from './agents/check';
