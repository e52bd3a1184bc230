// The discovery stand-in (kubeStub.ts) lets `kubectl --dry-run=client` check a Job manifest with no
// cluster: a Job is accepted, an unknown kind is refused with kubectl's own message.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlAvailable, startKubeStub, type KubeStub } from './kubeStub';

function kubectl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

const JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: ralph-task-1-1
  labels: { ralph.run: r1, ralph.task: "1.1" }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: agent
          image: ralph-test/agent-claude:2.1.332
          command: [claude, --version]
`;

describe('kubectl --dry-run=client against the discovery stand-in', function () {
  this.timeout(120_000);
  let stub: KubeStub | undefined;
  let dir: string;

  before(async function () {
    const k = await kubectlAvailable();
    if (!k.ok) {
      console.log(`    (skipped: ${k.reason})`);
      this.skip();
    }
    stub = await startKubeStub();
    dir = mkdtempSync(join(tmpdir(), 'ralph-kubectl-'));
  });
  after(async () => {
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a Job manifest and prints it back', async () => {
    writeFileSync(join(dir, 'job.yaml'), JOB);
    const r = await kubectl([...stub!.kubectlArgs, 'create', '--dry-run=client', '-f', join(dir, 'job.yaml'), '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'job.batch/ralph-task-1-1');
  });

  it('refuses a kind the API does not have', async () => {
    writeFileSync(join(dir, 'bad.yaml'), JOB.replace('kind: Job', 'kind: Jobb'));
    const r = await kubectl([...stub!.kubectlArgs, 'create', '--dry-run=client', '-f', join(dir, 'bad.yaml'), '-o', 'name']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no matches for kind "Jobb" in version "batch\/v1"/);
  });
});
