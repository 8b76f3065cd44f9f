/**
 * Argo CD API double: `GET /api/v1/applications/{name}` answering a v1alpha1.Application as the
 * API server does (status.sync.status / revision, status.health.status, operationState,
 * conditions; `{"error","code","message"}` bodies with gRPC codes for 401 and 404). It "syncs"
 * the real repository: `syncAfter` reads after the first it reports the branch head then seen
 * in the bare repository, Progressing for one more read, then the scripted final health. Every
 * call is recorded with its Authorization header.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ArgoScenario = 'healthy' | 'degraded' | 'sync-failed' | 'never-synced';

export interface ArgoCdDouble {
  url: string;
  calls: { method: string; url: string; authorization: string }[];
  stop: () => Promise<void>;
}

export async function startArgoCdDouble(o: {
  application: string;
  token: string;
  scenario: ArgoScenario;
  head: () => string;
  syncAfter?: number;
  path?: string;
}): Promise<ArgoCdDouble> {
  const calls: ArgoCdDouble['calls'] = [];
  let reads = 0;
  let synced: string | undefined;
  const started = new Date().toISOString();
  const server: Server = createServer((req, res) => {
    calls.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization ?? '' });
    const send = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    if (req.headers.authorization !== `Bearer ${o.token}`) {
      return send(401, { error: 'invalid session: token signature is invalid', code: 16, message: 'invalid session: token signature is invalid' });
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/applications\/([^/]+)$/.exec(u.pathname);
    if (req.method !== 'GET' || !m) return send(404, { error: 'Not Found', code: 5, message: 'Not Found' });
    const name = decodeURIComponent(m[1]);
    if (name !== o.application) {
      const msg = `applications.argoproj.io "${name}" not found`;
      return send(404, { error: msg, code: 5, message: msg });
    }
    reads++;
    const after = o.syncAfter ?? 1;
    if (o.scenario !== 'never-synced' && reads > after && synced === undefined) synced = o.head();
    const old = 'f'.repeat(40);
    const revision = synced ?? old;
    const settled = synced !== undefined && reads > after + 1;
    const health = !settled
      ? synced
        ? 'Progressing'
        : 'Healthy'
      : o.scenario === 'degraded'
        ? 'Degraded'
        : o.scenario === 'sync-failed'
          ? 'Progressing'
          : 'Healthy';
    const phase = synced && o.scenario === 'sync-failed' ? 'Failed' : 'Succeeded';
    send(200, {
      metadata: { name, namespace: 'argocd', uid: '0c4d0a3e-7c2b-4d59-9c5e-6f0e7f6d2b11', resourceVersion: String(1000 + reads), creationTimestamp: started },
      spec: {
        project: 'default',
        source: { repoURL: 'https://github.com/acme/manifests.git', path: o.path ?? 'overlays/prod', targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
      status: {
        resources: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'shop',
            name: 'web',
            status: synced ? 'Synced' : 'OutOfSync',
            health: { status: health },
          },
        ],
        sync: {
          status: synced || o.scenario === 'never-synced' ? (synced ? 'Synced' : 'OutOfSync') : 'OutOfSync',
          comparedTo: { source: { repoURL: 'https://github.com/acme/manifests.git', path: o.path ?? 'overlays/prod', targetRevision: 'main' } },
          revision,
        },
        health: { status: health, ...(health === 'Degraded' ? { message: 'Deployment "web" exceeded its progress deadline' } : {}) },
        operationState: {
          operation: { sync: { revision } },
          phase,
          message:
            phase === 'Failed'
              ? 'one or more objects failed to apply, reason: admission webhook "validate.kyverno.svc" denied the request'
              : 'successfully synced (all tasks run)',
          syncResult: { revision, source: { repoURL: 'https://github.com/acme/manifests.git', path: o.path ?? 'overlays/prod', targetRevision: 'main' } },
          startedAt: started,
          finishedAt: started,
        },
        sourceType: 'Kustomize',
        reconciledAt: new Date().toISOString(),
      },
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
