// Types of scripts/engineSplit.mjs for the TypeScript that imports it (the bundle tests and bench).
import type { BuildOptions } from 'esbuild';

export const ENGINE_FACADE: string;
export const ENGINE_FILE: string;
export interface EngineSplit {
  /** Modules (paths from the project's root) the engine takes from the extension. */
  readonly shared: string[];
  /** What src/node/engine.ts exports. */
  readonly facade: string[];
  readonly extensionInputs: string[];
  readonly engineInputs: string[];
}
export function buildExtensionWithEngine(extension: BuildOptions & { outfile: string }, engine: BuildOptions): Promise<EngineSplit>;
