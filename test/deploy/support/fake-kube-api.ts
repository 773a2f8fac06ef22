/**
 * The sliver of a Kubernetes API server that `helm template --dry-run=server` needs for the
 * chart's `lookup` of its Secret: core/v1 discovery and GET of Secrets. It lets a test play an
 * install followed by an upgrade without a cluster. Loopback only.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeObject } from './kube-schema';

const CORE_V1_RESOURCES = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'v1',
  resources: [
    {
      name: 'secrets',
      singularName: 'secret',
      namespaced: true,
      kind: 'Secret',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
  ],
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export class FakeKubeApi {
  /** Secrets in the "cluster", by `namespace/name`. */
  readonly secrets = new Map<string, KubeObject>();
  readonly requests: string[] = [];
  private server?: Server;
  private kubeconfig?: string;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    const { port } = this.server.address() as AddressInfo;
    const dir = mkdtempSync(join(tmpdir(), 'cronplane-kube-'));
    this.kubeconfig = join(dir, 'config');
    writeFileSync(
      this.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: fake, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
        'users: [{name: fake, user: {}}]',
        'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
        'current-context: fake',
        '',
      ].join('\n'),
    );
  }

  /** Environment that points helm at this server. */
  env(): Record<string, string> {
    if (!this.kubeconfig) throw new Error('not started');
    return { KUBECONFIG: this.kubeconfig };
  }

  /** Stores a rendered Secret, as installing the release would. */
  apply(secret: KubeObject, namespace: string): void {
    this.secrets.set(`${namespace}/${secret.metadata.name}`, {
      ...secret,
      metadata: { ...secret.metadata, namespace },
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    this.requests.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path === '/api/v1') return send(res, 200, CORE_V1_RESOURCES);
    const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path);
    const found = secret && this.secrets.get(`${secret[1]}/${secret[2]}`);
    if (req.method === 'GET' && found) return send(res, 200, found);
    send(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
  }
}
