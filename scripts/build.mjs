// Bundles the CLI, the extension (with its deferred packages in dist/lazy/) and the DAG page with
// esbuild; type checking is `npm run typecheck`. `--production`: minified, no source maps (what
// `npm run package` puts in the VSIX). The bundles themselves are described in scripts/bundles.mjs.
import { existsSync, rmSync } from 'node:fs';
import { bundles, runBuilds } from './bundles.mjs';

const production = process.argv.includes('--production');
// A development build after a production one must not leave stale lazy files or maps behind.
rmSync(new URL('../dist/lazy', import.meta.url), { recursive: true, force: true });
if (production) rmSync(new URL('../dist/extension.js.map', import.meta.url), { force: true });
await runBuilds(bundles({ production }).filter((b) => b.stdin !== undefined || existsSync(b.entryPoints[0])));
