// A stand-in for a Kubernetes API server's discovery, enough for kubectl's client-side dry run
// (`kubectl create --dry-run=client --validate=strict`) to check a Job against the real schema
// with no cluster: the API groups (core v1 and batch/v1 with jobs), an OpenAPI v3 document that
// says batch/v1 PATCH takes no fieldValidation parameter (so kubectl validates on its own side,
// as it does against an older server), and the OpenAPI v2 schema as protobuf, which is what that
// validation reads. Every request is recorded: a dry run must never create anything.

import * as http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { swaggerToProto } from './openapiProto';

export interface KubeApiStub {
  readonly url: string;
  /** A kubeconfig whose context `stub` (namespace `default`) points here. */
  readonly kubeconfig: string;
  readonly requests: { method: string; url: string }[];
  close(): Promise<void>;
}

const JOB_GVK = { group: 'batch', version: 'v1', kind: 'Job' };

export async function startKubeApiStub(swagger: { swagger?: string; info?: { title?: string; version?: string }; definitions: Record<string, Record<string, unknown>> }): Promise<KubeApiStub> {
  const proto = swaggerToProto(swagger as Parameters<typeof swaggerToProto>[0]);
  const batchV3 = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: swagger.info?.version ?? 'v0' },
    paths: {
      '/apis/batch/v1/namespaces/{namespace}/jobs/{name}': {
        patch: { 'x-kubernetes-group-version-kind': JOB_GVK, parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'OK' } } },
      },
    },
    components: { schemas: {} },
  };
  const requests: { method: string; url: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const u = new URL(req.url ?? '/', 'http://stub');
    const json = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (u.pathname) {
      case '/version':
        return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-stub', platform: 'linux/amd64' });
      case '/api':
        return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
      case '/api/v1':
        return json(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list'] }] });
      case '/apis':
        return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } }] });
      case '/apis/batch/v1':
        return json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'batch/v1', resources: [{ name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }] });
      case '/openapi/v3':
        return json(200, { paths: { 'apis/batch/v1': { serverRelativeURL: '/openapi/v3/apis/batch/v1?hash=stub' } } });
      case '/openapi/v3/apis/batch/v1':
        return json(200, batchV3);
      case '/openapi/v2':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(proto);
      default:
        return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `${u.pathname} is not served by this stand-in`, reason: 'NotFound', code: 404 });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ralph-kube-'));
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'stub', cluster: { server: url } }],
      contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace: 'default' } }],
      users: [{ name: 'stub', user: {} }],
      'current-context': 'stub',
    }),
  );
  return { url, kubeconfig, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
