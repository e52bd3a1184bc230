// Smoke test of what the runner tests stand on: both engines run a container from the base image
// (made with no registry), the main engine shares a folder with this machine through a bind
// mount, and the second engine — the stand-in for a remote host — has the test images but none of
// this machine's folders, so code can only reach it by git.

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_IMAGE, describeDocker, docker } from './dockerEnv';

describeDocker('docker engines for the runner tests', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ralph-engines-'));
    writeFileSync(join(dir, 'from-host.txt'), 'host\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const engine of ['main', 'second'] as const) {
    it(`the ${engine} engine runs git and node in a container from the base image`, async () => {
      const r = await docker(engine, ['run', '--rm', '--network', 'none', BASE_IMAGE, 'sh', '-c', 'git --version && node --version']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^git version \d+\.\d+/m);
      assert.match(r.stdout, /^v\d+\.\d+\.\d+$/m);
    });
  }

  it('the main engine shares a bind-mounted folder with this machine, both ways', async () => {
    const r = await docker('main', ['run', '--rm', '--network', 'none', '-v', `${dir}:/w`, BASE_IMAGE, 'sh', '-c', 'cat /w/from-host.txt && echo container > /w/from-container.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'host\n');
    assert.equal(readFileSync(join(dir, 'from-container.txt'), 'utf8'), 'container\n');
  });

  it('the second engine lists the base image and sees none of this machine\'s folders', async () => {
    const images = await docker('second', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(images.code, 0, images.stderr);
    assert.ok(images.stdout.split('\n').includes(BASE_IMAGE), images.stdout);
    // The same bind mount as above: on a remote host the path names nothing of ours.
    const r = await docker('second', ['run', '--rm', '-v', `${dir}:/w`, BASE_IMAGE, 'sh', '-c', 'ls -A /w; echo container > /w/from-container.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'the host file must not be visible');
    assert.equal(existsSync(join(dir, 'from-container.txt')), false, 'the container must not write on the host');
  });
}, { engines: ['main', 'second'] });
