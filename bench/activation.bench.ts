// Ralph's activation time in the real host (VS Code's server and web workbench from code-server,
// scripts/vscode-host/setup.sh): Ralph as users install it (the VSIX, production build), activated
// in windows whose workspace got its spec only after the window opened, timed from inside the
// extension host (test/integration/bench/activation.test.ts). Baselines measured in the same
// windows: an extension that does nothing (the host's cost of activating anything) and VS Code's
// built-in Markdown extension. Goal: Ralph under 50 ms (median of the windows).
//
// `npm run bench` runs it on the current VS Code; RALPH_VSCODE_VERSION=oldest for 1.90.
// RALPH_BENCH_WINDOWS (default 3) windows, one after the other. Skipped, saying so, when the host
// is not installed (RALPH_SKIP_VSCODE=1, or `bash scripts/vscode-host/setup.sh` has not run).
import { runActivationBench } from '../scripts/vscode-host/activation-bench.mjs';

void runActivationBench().then((code) => {
  process.exitCode = code;
});
