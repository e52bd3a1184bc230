// Types of scripts/bundles.mjs for the TypeScript that imports it (the bundle bench and test).
import type { BuildOptions, BuildResult, Plugin } from 'esbuild';

export type ExportKind = 'function' | 'class' | 'object';
export const DEFERRED: Readonly<Record<string, Readonly<Record<string, ExportKind>>>>;
export function lazyFile(name: string): string;
export const deferPlugin: Plugin;
export interface BundleOptions {
  readonly production?: boolean;
  readonly deferred?: boolean;
  readonly outdir?: string;
}
/** The extension's options carry `engine`: the options dist/engine.js is built with. */
export function bundles(options?: BundleOptions): Array<BuildOptions & { outfile: string; engine?: BuildOptions }>;
export function lazyBundles(options?: Omit<BundleOptions, 'deferred'>): Array<BuildOptions & { outfile: string }>;
export function runBuilds(options: ReadonlyArray<BuildOptions & { engine?: BuildOptions }>): Promise<unknown[]>;
