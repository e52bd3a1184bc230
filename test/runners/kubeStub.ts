// A stand-in for a Kubernetes API server's discovery, so `kubectl create --dry-run=client -f job.yaml`
// can run with no cluster. Without a server kubectl stops before reading the file (measured with
// kubectl 1.32: "couldn't get current server API group list: … localhost:8080 … connection
// refused"), because it maps each kind to a resource through the server's discovery documents.
// This serves those for the kinds a runner writes (core v1 Secret, ConfigMap, Pod; batch/v1 Job),
// so kubectl parses the manifest and rejects an unknown apiVersion/kind ("no matches for kind").
// It serves no OpenAPI schema: run kubectl with `--validate=false` (field-level checks would
// need the real schema, which is not on this machine).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const core = (name: string, kind: string) => ({ name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs: ['create', 'delete', 'get', 'list', 'watch'] });

const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [core('pods', 'Pod'), core('secrets', 'Secret'), core('configmaps', 'ConfigMap')],
  },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } }],
  },
  '/apis/batch/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'batch/v1', resources: [core('jobs', 'Job')] },
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0-ralph-stub' },
};

export interface KubeStub {
  /** `--server URL --cache-dir DIR --validate=false`: put before kubectl's own arguments. */
  kubectlArgs: string[];
  close(): Promise<void>;
}

export async function startKubeStub(): Promise<KubeStub> {
  const server: Server = createServer((req, res) => {
    const body = DISCOVERY[(req.url ?? '').split('?')[0] ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // Its own discovery cache: never the user's ~/.kube/cache, never a stale one from another port.
  const cache = mkdtempSync(join(tmpdir(), 'ralph-kube-cache-'));
  return {
    kubectlArgs: ['--server', `http://127.0.0.1:${port}`, '--cache-dir', cache, '--validate=false'],
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(cache, { recursive: true, force: true });
        server.close(() => resolve());
      }),
  };
}

/** Whether kubectl is on PATH (Debian's kubernetes-client, or any other). */
export function kubectlAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['version', '--client'], { timeout: 15_000 }, (err) =>
      resolve(err ? { ok: false, reason: `kubectl does not run: ${String(err.message).split('\n')[0]} (apt-get install kubernetes-client)` } : { ok: true }),
    );
  });
}
