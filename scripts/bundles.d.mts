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
export function bundles(options?: BundleOptions): Array<BuildOptions & { outfile: string }>;
export function lazyBundles(options?: Omit<BundleOptions, 'deferred'>): Array<BuildOptions & { outfile: string }>;
export function runBuilds(options: readonly BuildOptions[]): Promise<BuildResult[]>;
