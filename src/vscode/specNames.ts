// Which files the extension takes for specs, decided once: the registry's watcher and search,
// `isSpecUri`, and package.json's `workspaceContains` activation events all come from this list
// (a unit test holds package.json to it). No `vscode` import, so that test runs in plain Node.

/** The file names the extension reads as a spec, wherever they sit in the workspace. */
export const SPEC_FILE_NAMES: readonly string[] = ['tasks.md'];

/** Folders whose specs are not the user's: dependencies and the per-task worktrees Ralph makes. */
const FOREIGN_FOLDER = /[\\/](node_modules|ralph-worktrees)[\\/]/;

/** The glob the registry watches and searches: every spec file name, at any depth. */
export const SPEC_GLOB = SPEC_FILE_NAMES.length === 1 ? `**/${SPEC_FILE_NAMES[0]}` : `**/{${SPEC_FILE_NAMES.join(',')}}`;

/** The activation events that wake Ralph in a workspace holding a spec (package.json lists them). */
export const SPEC_ACTIVATION_EVENTS: readonly string[] = SPEC_FILE_NAMES.map((name) => `workspaceContains:**/${name}`);

/** True for an absolute path the extension treats as a spec. */
export function isSpecPath(fsPath: string): boolean {
  const name = fsPath.split(/[\\/]/).pop() ?? '';
  return SPEC_FILE_NAMES.includes(name) && !FOREIGN_FOLDER.test(fsPath);
}
