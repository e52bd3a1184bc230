// Reading a spec for a run while an editor saves it in place (truncate, then write).

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadSpec } from '../../src/node/specFiles';

describe('specFiles: a run reads a settled tasks.md', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ralph-settle-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an in-place save caught between its truncate and its write is read again once written', async () => {
    const file = join(dir, 'tasks.md');
    const full = '# Tasks\n\n- [ ] 1.1 One\n- [ ] 1.2 Two\n';
    writeFileSync(file, '');
    // The editor's write lands while the run is reading (another thread: loadSpec blocks this one).
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads'); const fs = require('node:fs');
       Atomics.store(workerData.ready, 0, 1); Atomics.notify(workerData.ready, 0);
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60);
       fs.writeFileSync(workerData.file, workerData.full);`,
      { eval: true, workerData: { file, full, ready } },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    while (Atomics.load(ready, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const settled = loadSpec(file, { settle: true });
    await exited;
    assert.deepEqual(settled.spec.tasks.map((t) => t.id), ['1.1', '1.2'], 'the tasks of the saved file, not of the moment it was empty');
    assert.equal(loadSpec(file).spec.tasks.length, 2);
  });
});
