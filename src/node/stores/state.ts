// The StateStore port on disk: `<specDir>/.ralph-state.json`.

import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RalphState, StateStore } from '../../core/ports';
import { parseState, serializeState, STATE_FILE_NAME, StateError } from '../../core/state';
import { KeyedQueue, writeFileAtomic } from './atomic';

const saves = new KeyedQueue();

export class FileStateStore implements StateStore {
  readonly path: string;

  /** Takes the spec folder, or the state file's own path (anything ending in `.json`). */
  constructor(specDirOrFile: string) {
    this.path = specDirOrFile.endsWith('.json') ? path.resolve(specDirOrFile) : path.resolve(specDirOrFile, STATE_FILE_NAME);
  }

  async load(): Promise<RalphState | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return parseState(text, this.path);
    } catch (err) {
      if (!(err instanceof StateError)) throw err;
      // Never reset silently: the user's (or the plugin's) progress is in that file.
      throw err.withBackup(await this.backUpCorruptFile());
    }
  }

  save(state: RalphState): Promise<void> {
    // Serialized per file so an older snapshot never lands after a newer one.
    const text = serializeState(state);
    return saves.run(this.path, () => writeFileAtomic(this.path, text));
  }

  private async backUpCorruptFile(): Promise<string> {
    // Colons are not allowed in Windows file names.
    const stamp = new Date().toISOString().replace(/:/g, '-');
    for (let n = 0; ; n++) {
      const backup = `${this.path}.corrupt-${stamp}${n === 0 ? '' : `-${n}`}`;
      try {
        await fs.copyFile(this.path, backup, constants.COPYFILE_EXCL);
        return backup;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw err;
      }
    }
  }
}
