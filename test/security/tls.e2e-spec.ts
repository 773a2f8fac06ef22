import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort, tcpOpen } from '../../tools/stack/ports';
import { RunningService, ServiceSpec, startService } from '../../tools/stack/services';
import { ApiClient, eventually } from '../api/api-client';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';

const ADMIN = 'e2e-admin-token-tls-0123456789abcdef';

/** A CA, a server certificate for 127.0.0.1, and a client certificate, made with openssl. */
function makeCertificates(dir: string, name: string): Record<string, string> {
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  const path = (file: string): string => join(dir, `${name}-${file}`);
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name} CA`,
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.pem'),
  ]);
  const sign = (who: string, subject: string, ext: string): void => {
    run([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      path(`${who}.key`),
      '-out',
      path(`${who}.csr`),
    ]);
    writeFileSync(path(`${who}.ext`), ext);
    run([
      'x509',
      '-req',
      '-in',
      path(`${who}.csr`),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      path(`${who}.ext`),
      '-out',
      path(`${who}.pem`),
    ]);
  };
  sign(
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  sign('client', '/CN=cronplane', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: path('ca.pem'),
    serverCert: path('server.pem'),
    serverKey: path('server.key'),
    clientCert: path('client.pem'),
    clientKey: path('client.key'),
  };
}

/**
 * etcd with client TLS, `--client-cert-auth` and authentication on, and NATS with TLS and a user,
 * both started here: a worker and a master reach them with the settings, and run a job; a wrong
 * password or a certificate of another CA gives one clear line and readiness 503.
 */
describe('TLS and authentication to etcd and NATS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-tls-'));
  const stack = testStack();
  const good = makeCertificates(dir, 'good');
  const rogue = makeCertificates(dir, 'rogue');
  let etcd: RunningService;
  let nats: RunningService;
  const apps: AppProcess[] = [];
  const passwordFile = join(dir, 'etcd-password');
  const natsPasswordFile = join(dir, 'nats-password');
  writeFileSync(passwordFile, 'etcd-secret-pw\n');
  writeFileSync(natsPasswordFile, 'nats-secret-pw\n');

  const env = (over: Record<string, string> = {}): Record<string, string> => ({
    ...appEnv(isolationId('tls')),
    ETCD_ENDPOINTS: etcd.spec.url,
    NATS_URL: nats.spec.url,
    ETCD_CA_FILE: good.ca,
    ETCD_CERT_FILE: good.clientCert,
    ETCD_KEY_FILE: good.clientKey,
    ETCD_USERNAME: 'root',
    ETCD_PASSWORD_FILE: passwordFile,
    NATS_CA_FILE: good.ca,
    NATS_USER: 'cronplane',
    NATS_PASSWORD_FILE: natsPasswordFile,
    ...over,
  });

  beforeAll(async () => {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const metricsPort = await freePort();
    const url = `https://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const etcdSpec: ServiceSpec = {
      name: 'etcd',
      binary: stack.binaries.etcd,
      port: clientPort,
      url,
      logFile: join(dir, 'etcd.log'),
      args: [
        '--name=tls',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=tls=${peer}`,
        `--listen-metrics-urls=http://127.0.0.1:${metricsPort}`,
        `--cert-file=${good.serverCert}`,
        `--key-file=${good.serverKey}`,
        `--trusted-ca-file=${good.ca}`,
        '--client-cert-auth',
        '--log-level=warn',
      ],
      isReady: async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${metricsPort}/health`);
          return ((await response.json()) as { health?: string }).health === 'true';
        } catch {
          return false;
        }
      },
    };
    etcd = await startService(etcdSpec);
    // Authentication on: a root user (with the root role) is required first.
    const admin = new Etcd3({
      hosts: url,
      credentials: {
        rootCertificate: readFileSync(good.ca),
        certChain: readFileSync(good.clientCert),
        privateKey: readFileSync(good.clientKey),
      },
    });
    await admin.user('root').create('etcd-secret-pw');
    await admin.user('root').addRole('root');
    await admin.auth.authEnable({});
    admin.close();

    const natsPort = await freePort();
    const config = join(dir, 'nats.conf');
    writeFileSync(
      config,
      [
        `listen: 127.0.0.1:${natsPort}`,
        `jetstream { store_dir: "${join(dir, 'nats-data')}" }`,
        `tls { cert_file: "${good.serverCert}", key_file: "${good.serverKey}", ca_file: "${good.ca}" }`,
        'authorization { user: cronplane, password: nats-secret-pw }',
      ].join('\n'),
    );
    nats = await startService({
      name: 'nats',
      binary: stack.binaries.nats,
      port: natsPort,
      url: `tls://127.0.0.1:${natsPort}`,
      logFile: join(dir, 'nats.log'),
      args: ['-c', config],
      isReady: () => tcpOpen(natsPort),
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await nats?.stop();
    await etcd?.stop();
  });

  it('one process connects to both with the settings, NATS accepts it, and a job runs', async () => {
    const app = await startApp(env({ ROLE: 'all', CRON_ADMIN_TOKEN: ADMIN }));
    apps.push(app);
    const api = new ApiClient(app.baseUrl, ADMIN);
    await eventually(async () => (await fetch(`${app.baseUrl}/readyz`)).status === 200, 30000);
    expect(
      (
        await api.post('/api/v1/jobs', {
          name: 'over-tls',
          command: 'echo ok',
          cronExpr: '@yearly',
        })
      ).status,
    ).toBe(201);
    const { body } = await api.post<{ runId: string }>('/api/v1/jobs/over-tls/run');
    await eventually(async () => {
      const run = await api.get<{ status: string }>(
        `/api/v1/runs/${encodeURIComponent(body.runId)}`,
      );
      return run.status === 200 && run.body.status === 'succeeded';
    }, 30000);
    expect(app.output()).not.toMatch(/refuses this process/);
    expect(app.output()).not.toContain('etcd-secret-pw');
    expect(app.output()).not.toContain('nats-secret-pw');
  }, 90_000);

  it.each([
    [
      'etcd',
      'a wrong password',
      { ETCD_PASSWORD_FILE: natsPasswordFile },
      'etcd refuses this process: wrong user or password (ETCD_USERNAME, ETCD_PASSWORD_FILE)',
    ],
    [
      'etcd',
      'a certificate of another CA',
      { ETCD_CERT_FILE: rogue.clientCert, ETCD_KEY_FILE: rogue.clientKey },
      'etcd refuses this process: the TLS connection failed (ETCD_CA_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE)',
    ],
    [
      'NATS',
      'a wrong password',
      { NATS_PASSWORD_FILE: passwordFile },
      'NATS refuses this process: wrong user, password or creds (NATS_USER, NATS_PASSWORD_FILE, NATS_CREDS_FILE)',
    ],
  ])(
    '%s with %s: one clear line at start, readiness 503',
    async (_server, _what, over, line) => {
      const app = await startApp(env({ ROLE: 'worker', ...over }));
      apps.push(app);
      await eventually(async () => app.logs().some((entry) => entry.msg === line), 30000).catch(
        (error: Error) => {
          throw new Error(`${error.message}; the process said:\n${app.output().slice(-3000)}`);
        },
      );
      expect(app.logs().filter((entry) => entry.msg === line)).toHaveLength(1);
      const ready = await fetch(`${app.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(app.output()).not.toMatch(/etcd-secret-pw|nats-secret-pw/);
      await app.stop();
    },
    60_000,
  );

  it('a settings file that cannot be read stops the start with one line', async () => {
    const app = await startApp(
      env({ ROLE: 'worker', ETCD_CA_FILE: join(dir, 'missing.pem') }),
    ).catch((error: Error) => error);
    expect(app).toBeInstanceOf(Error);
    expect(String((app as Error).message)).toContain(
      `cronplane: ETCD_CA_FILE: cannot read ${join(dir, 'missing.pem')}: ENOENT`,
    );
  });
});
