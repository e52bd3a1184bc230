/** See activation-bench.mjs. @returns the exit code. */
export function runActivationBench(): Promise<number>;
