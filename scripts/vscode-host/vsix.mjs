// The VSIX as `npm run package` makes it, for the windows that run Ralph as users install it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './host.mjs';

const VSCE = join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');

/**
 * `vsce package --no-dependencies -o file` (its vscode:prepublish is the production build), then
 * the development build back in dist/ for the windows that load this folder.
 * @returns {string} the file
 */
export function buildVsix(file) {
  if (!existsSync(VSCE)) throw new Error(`@vscode/vsce is not installed (${VSCE}); npm ci installs it`);
  const r = spawnSync(process.execPath, [VSCE, 'package', '--no-dependencies', '-o', file], { cwd: REPO, encoding: 'utf8' });
  const back = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed:\n${r.stdout}\n${r.stderr}`);
  if (back.status !== 0) throw new Error(`the development build after vsce package failed:\n${back.stdout}\n${back.stderr}`);
  return file;
}
