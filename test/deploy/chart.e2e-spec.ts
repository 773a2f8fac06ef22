/**
 * The Helm chart, rendered with the real helm (v3.22.0, built once from the Go module proxy) and
 * checked offline: lint, Kubernetes schemas, and what the rendered objects promise operators.
 */
import { IService } from 'kubernetes-models/v1';
import { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { IStatefulSet } from 'kubernetes-models/apps/v1';
import { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { etcdSecurity, natsSecurity } from '../../src/config/connection-security';
import { SecretKeys } from '../../src/secrets/secret-keys.service';
import { ensureHelm } from '../../tools/helm';
import {
  find,
  helmLint,
  helmTemplate,
  helmTemplateRaw,
  HelmOptions,
  PRODUCTION_VALUES,
} from './support/helm';
import { KubeObject, validateAll } from './support/kube-schema';
import {
  ClusterSecrets,
  container,
  containerEnv,
  mountSecretFiles,
  podLabels,
  podSpec,
  Role,
  workload,
} from './support/workloads';

/** The Secrets production-values.yaml expects the operator to have created. */
const PRODUCTION_SECRETS: ClusterSecrets = {
  'cronplane-mongodb': { uri: 'mongodb://cron:s3cret@mongo-0.data.svc:27017/cron?replicaSet=rs0' },
  'cronplane-nats': { url: 'nats://cron:s3cret@nats.data.svc:4222' },
  'cronplane-auth': {
    'admin-token': 'prod-admin-token-0123456789',
    'webhook-hmac': 'prod-webhook-key-0123456789',
  },
};

/** userEnv: variables the values add for the operator's own use (extraEnv), not the app's. */
const CASES: {
  name: string;
  options: HelmOptions;
  secrets: ClusterSecrets;
  userEnv: Partial<Record<Role, string[]>>;
}[] = [
  { name: 'default values', options: {}, secrets: {}, userEnv: {} },
  {
    name: 'production-values.yaml',
    options: { valuesFiles: [PRODUCTION_VALUES] },
    secrets: PRODUCTION_SECRETS,
    userEnv: { worker: ['TZ'] },
  },
  {
    name: 'every optional part on, inline credentials, no persistence',
    options: {
      setJson: {
        'master.ingress.enabled': true,
        'master.service.type': 'LoadBalancer',
        serviceMonitor: { enabled: true, labels: { release: 'prom' } },
        'nats.url': 'nats://nats:4222',
        'worker.spool.persistence.enabled': false,
        'worker.labels': { zone: 'a', gpu: true },
        'auth.adminToken': 'given-admin-token-123456',
        'config.extra': { RETENTION_DAYS: 7, REAPER_INTERVAL_SECONDS: '30' },
      },
    },
    secrets: {},
    userEnv: {},
  },
];

const ROLES: Role[] = ['master', 'worker'];

function render(options: HelmOptions = {}): KubeObject[] {
  return helmTemplate(options);
}

/** Variables the app reads (the keys of its validated configuration), and NODE_OPTIONS. */
const APP_VARIABLES = new Set([...Object.keys(new AppConfig()), 'NODE_OPTIONS']);

/** MiB in a Kubernetes quantity such as 512Mi or 2Gi. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** The worker's V8 old-space cap and container memory limit, in MiB. */
function workerHeap(
  objects: KubeObject[],
  secrets: ClusterSecrets = {},
): { capMiB?: number; limitMiB: number } {
  const env = containerEnv(objects, 'worker', 'cronplane-worker-0', secrets);
  const cap = /--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1];
  const limit = container(workload(objects, 'worker')).resources?.limits?.memory;
  return {
    capMiB: cap === undefined ? undefined : Number(cap),
    limitMiB: mebibytes(String(limit)),
  };
}

beforeAll(() => {
  ensureHelm();
}, 600_000);

describe('helm lint', () => {
  it.each([
    ['default values', []],
    ['production-values.yaml', [PRODUCTION_VALUES]],
  ])('passes --strict with %s', (_name, valuesFiles) => {
    const result = helmLint({ valuesFiles });
    expect(result.stdout + result.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });
});

describe.each(CASES)('rendered with $name', ({ options, secrets, userEnv }) => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = render(options);
  });

  it('every object is valid against the Kubernetes schemas, with no unknown fields', () => {
    expect(objects.length).toBeGreaterThanOrEqual(8);
    expect(validateAll(objects)).toEqual([]);
  });

  it('every object carries the chart labels and a name unique for its kind', () => {
    const names = objects.map((object) => `${object.kind}/${object.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const object of objects) {
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'cronplane',
        'app.kubernetes.io/instance': 'cronplane',
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
  });

  it.each(ROLES)(
    'the %s pod gets an environment the app accepts, of variables it knows',
    (role) => {
      const env = containerEnv(objects, role, `cronplane-${role}-0`, secrets);
      const config = loadConfig(env);
      expect(config.ROLE).toBe(role);
      const unknown = Object.keys(env).filter((name) => !APP_VARIABLES.has(name));
      expect(unknown).toEqual(userEnv[role] ?? []);
    },
  );

  it.each(ROLES)(
    'the %s pod is probed on its own port: /healthz for liveness, /readyz for readiness',
    (role) => {
      const main = container(workload(objects, role));
      const env = containerEnv(objects, role, 'pod-0', secrets);
      const port = Number(role === 'master' ? env.PORT : env.WORKER_PORT);
      expect(main.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
      expect(main.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(main.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(main.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    },
  );

  it.each(ROLES)(
    'the %s pod runs unprivileged, with resources and the chart service account',
    (role) => {
      const object = workload(objects, role);
      const spec = podSpec(object);
      const main = container(object);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(main.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.serviceAccountName).toBe(find(objects, 'ServiceAccount').metadata.name);
      expect(main.resources?.requests).toHaveProperty('memory');
      expect(main.resources?.limits).toHaveProperty('memory');
      // A read-only root needs a writable /tmp for the commands jobs run.
      expect(main.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    },
  );

  it.each(ROLES)('the %s Service and PodDisruptionBudget select exactly its pods', (role) => {
    const labels = podLabels(workload(objects, role));
    const other = podLabels(workload(objects, role === 'master' ? 'worker' : 'master'));
    const service = find(objects, 'Service', role) as unknown as IService;
    const pdb = find(objects, 'PodDisruptionBudget', role) as unknown as IPodDisruptionBudget;
    for (const selector of [service.spec?.selector ?? {}, pdb.spec?.selector?.matchLabels ?? {}]) {
      expect(labels).toMatchObject(selector);
      expect(other).not.toMatchObject(selector);
    }
    expect(service.spec?.ports).toEqual([
      expect.objectContaining({ name: 'http', targetPort: 'http' }),
    ]);
  });

  it('workers are a StatefulSet named after their pods, given time to drain, kill and flush on stop', () => {
    const object = workload(objects, 'worker') as unknown as IStatefulSet;
    expect(object.spec?.podManagementPolicy).toBe('Parallel');
    expect(object.spec?.serviceName).toBe(find(objects, 'Service', 'worker').metadata.name);
    expect(find(objects, 'Service', 'worker').spec).toMatchObject({ clusterIP: 'None' });
    const worker = container(workload(objects, 'worker'));
    expect(worker.env).toContainEqual({
      name: 'WORKER_ID',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    const env = containerEnv(objects, 'worker', 'cronplane-worker-3', secrets);
    expect(env.WORKER_ID).toBe('cronplane-worker-3');
    const grace = podSpec(workload(objects, 'worker')).terminationGracePeriodSeconds ?? 30;
    // The app waits WORKER_DRAIN_SECONDS for runs, then KILL_GRACE_SECONDS before SIGKILL, then
    // flushes the run log: Kubernetes must not SIGKILL it first.
    const stop = Number(env.WORKER_DRAIN_SECONDS) + Number(env.KILL_GRACE_SECONDS);
    expect(loadConfig(env).WORKER_DRAIN_SECONDS).toBe(Number(env.WORKER_DRAIN_SECONDS));
    expect(grace).toBeGreaterThanOrEqual(stop + 10);
    expect(worker.volumeMounts).toContainEqual({ name: 'spool', mountPath: env.RUNLOG_SPOOL_DIR });
  });

  it('keeps credentials out of the ConfigMap and out of plain env values', () => {
    const configMap = find(objects, 'ConfigMap');
    const data = (configMap as unknown as { data: Record<string, string> }).data;
    const credentials = ['MONGODB_URI', 'NATS_URL', 'CRON_ADMIN_TOKEN', 'ALERT_WEBHOOK_SECRET'];
    for (const name of [...credentials, 'ETCD_PASSWORD', 'NATS_PASSWORD', 'ETCD_USERNAME']) {
      expect(data).not.toHaveProperty(name);
      for (const role of ROLES) {
        const variable = container(workload(objects, role)).env?.find((v) => v.name === name);
        if (variable) expect(variable.valueFrom?.secretKeyRef).toBeDefined();
      }
    }
    // The admin token and the webhook key go to masters only.
    const workerEnv = container(workload(objects, 'worker')).env?.map((v) => v.name);
    expect(workerEnv).not.toContain('CRON_ADMIN_TOKEN');
    expect(workerEnv).not.toContain('ALERT_WEBHOOK_SECRET');
  });
});

describe('default values', () => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = render();
  });

  it('deploy two masters and two workers, with no Ingress or ServiceMonitor', () => {
    expect(find(objects, 'Deployment', 'master').spec).toMatchObject({ replicas: 2 });
    expect(find(objects, 'StatefulSet', 'worker').spec).toMatchObject({ replicas: 2 });
    expect(objects.map((o) => o.kind)).not.toContain('Ingress');
    expect(objects.map((o) => o.kind)).not.toContain('ServiceMonitor');
  });

  it('generate an admin token and a webhook key of 40 characters (helm template cannot look them up)', () => {
    const first = containerEnv(objects, 'master', 'm');
    const second = containerEnv(render(), 'master', 'm');
    expect(first.CRON_ADMIN_TOKEN).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(first.ALERT_WEBHOOK_SECRET).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(first.CRON_ADMIN_TOKEN).not.toBe(first.ALERT_WEBHOOK_SECRET);
    expect(second.CRON_ADMIN_TOKEN).not.toBe(first.CRON_ADMIN_TOKEN);
  });

  it("cap the workers' V8 heap (NODE_OPTIONS) well inside their memory limit", () => {
    const env = containerEnv(objects, 'worker', 'cronplane-worker-0');
    expect(env.NODE_OPTIONS).toBe('--max-semi-space-size=8 --max-old-space-size=256');
    const { capMiB, limitMiB } = workerHeap(objects);
    expect(limitMiB - (capMiB ?? Infinity)).toBeGreaterThanOrEqual(128);
    expect(containerEnv(objects, 'master', 'm').NODE_OPTIONS).toBeUndefined();
    const unset = render({ setJson: { 'worker.nodeOptions': '' } });
    expect(containerEnv(unset, 'worker', 'cronplane-worker-0').NODE_OPTIONS).toBeUndefined();
  });

  it('give each worker a persistent spool volume', () => {
    const worker = find(objects, 'StatefulSet', 'worker') as unknown as IStatefulSet;
    expect(worker.spec?.volumeClaimTemplates).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: 'spool' }),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }),
    ]);
  });
});

describe('production-values.yaml', () => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = render({ valuesFiles: [PRODUCTION_VALUES] });
  });

  it("raises the workers' heap cap and keeps it inside their memory limit", () => {
    const { capMiB, limitMiB } = workerHeap(objects, PRODUCTION_SECRETS);
    expect(capMiB).toBe(1280);
    expect(limitMiB - (capMiB ?? Infinity)).toBeGreaterThanOrEqual(128);
  });

  it('takes every credential from the operator Secrets and renders no Secret of its own', () => {
    expect(objects.map((o) => o.kind)).not.toContain('Secret');
    const master = container(workload(objects, 'master')).env ?? [];
    const ref = (name: string): unknown =>
      master.find((v) => v.name === name)?.valueFrom?.secretKeyRef;
    expect(ref('MONGODB_URI')).toEqual({ name: 'cronplane-mongodb', key: 'uri' });
    expect(ref('NATS_URL')).toEqual({ name: 'cronplane-nats', key: 'url' });
    expect(ref('CRON_ADMIN_TOKEN')).toEqual({ name: 'cronplane-auth', key: 'admin-token' });
    expect(ref('ALERT_WEBHOOK_SECRET')).toEqual({
      name: 'cronplane-auth',
      key: 'webhook-hmac',
      optional: true,
    });
    const env = containerEnv(objects, 'master', 'm', PRODUCTION_SECRETS);
    expect(loadConfig(env).CRON_ADMIN_TOKEN).toBe('prod-admin-token-0123456789');
  });

  it('exposes the console through the Ingress with TLS and scrapes both roles', () => {
    const ingress = find(objects, 'Ingress') as unknown as IIngress;
    expect(ingress.spec?.tls).toEqual([
      { secretName: 'cronplane-tls', hosts: ['cron.example.com'] },
    ]);
    expect(ingress.spec?.rules?.[0]).toMatchObject({
      host: 'cron.example.com',
      http: {
        paths: [
          { path: '/', backend: { service: { name: 'cronplane-master', port: { name: 'http' } } } },
        ],
      },
    });
    const monitor = find(objects, 'ServiceMonitor') as unknown as IServiceMonitor;
    expect(monitor.metadata?.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics', interval: '15s' }),
    ]);
    for (const role of ROLES) {
      expect(find(objects, 'Service', role).metadata.labels).toMatchObject(
        monitor.spec.selector.matchLabels ?? {},
      );
    }
  });

  it('sizes the worker stop to its drain and kill grace, and passes labels through', () => {
    expect(podSpec(workload(objects, 'worker')).terminationGracePeriodSeconds).toBe(120 + 30 + 30);
    const env = containerEnv(objects, 'worker', 'cronplane-worker-0', PRODUCTION_SECRETS);
    expect(env).toMatchObject({
      WORKER_DRAIN_SECONDS: '120',
      KILL_GRACE_SECONDS: '30',
      WORKER_LABELS: 'pool=general,region=eu-west-1',
    });
    expect(loadConfig(env).workerLabels).toEqual({ pool: 'general', region: 'eu-west-1' });
    expect(env).toMatchObject({ RETENTION_DAYS: '90', RETENTION_MAX_RUNS: '50000', TZ: 'UTC' });
  });
});

describe('values the chart refuses', () => {
  it.each([
    ['a misspelt key', { 'master.replica': 3 }, "additional properties 'replica' not allowed"],
    ['a short admin token', { 'auth.adminToken': 'short' }, '/auth/adminToken'],
    ['a worker label with "="', { 'worker.labels': { zone: 'a=b' } }, '/worker/labels/zone'],
    ['an etcd endpoint without a scheme', { 'etcd.endpoints': ['etcd:2379'] }, '/etcd/endpoints/0'],
    [
      'a MongoDB URI without a database',
      { 'mongodb.uri': 'mongodb://mongo:27017' },
      '/mongodb/uri',
    ],
    ['no MongoDB at all', { 'mongodb.uri': '' }, "'allOf' failed"],
    ['a variable the chart sets itself', { 'config.extra': { ROLE: 'all' } }, 'config.extra.ROLE'],
    [
      'a worker stop no longer than its drain and kill grace',
      {
        'worker.drainSeconds': 25,
        'worker.killGraceSeconds': 5,
        'worker.terminationGracePeriodSeconds': 30,
      },
      'must exceed worker.drainSeconds + worker.killGraceSeconds (30)',
    ],
  ])('%s', (_name, setJson, message) => {
    const result = helmTemplateRaw({ setJson });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('rendering choices', () => {
  it('renders large numbers as integers, not in exponent form', () => {
    const objects = render({
      setJson: { 'config.extra': { RETENTION_MAX_RUNS: 3000000 }, 'worker.maxConcurrent': 100000 },
    });
    const env = containerEnv(objects, 'worker', 'w');
    expect(env).toMatchObject({ RETENTION_MAX_RUNS: '3000000', WORKER_MAX_CONCURRENT: '100000' });
  });

  it('leaves out the master PodDisruptionBudget for a single master, which would block node drains', () => {
    const objects = render({ setJson: { 'master.replicas': 1 } });
    expect(
      objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name),
    ).toEqual(['cronplane-worker']);
  });

  it('uses an emptyDir spool when persistence is off, and a given grace period as is', () => {
    const objects = render({
      setJson: {
        'worker.spool.persistence.enabled': false,
        'worker.terminationGracePeriodSeconds': 120,
      },
    });
    const spec = podSpec(workload(objects, 'worker'));
    expect(spec.volumes).toContainEqual({ name: 'spool', emptyDir: {} });
    expect(spec.terminationGracePeriodSeconds).toBe(120);
    expect(
      (workload(objects, 'worker') as unknown as IStatefulSet).spec?.volumeClaimTemplates,
    ).toBeUndefined();
  });

  it('keeps the given admin token and takes ETCD_ENDPOINTS from a Secret when asked', () => {
    const objects = render({
      setJson: {
        'auth.adminToken': 'operator-chosen-token-1',
        'etcd.existingSecret': 'etcd-conn',
        'etcd.existingSecretKey': 'endpoints',
      },
    });
    const env = containerEnv(objects, 'master', 'm', {
      'etcd-conn': { endpoints: 'https://e1:2379,https://e2:2379' },
    });
    expect(env.CRON_ADMIN_TOKEN).toBe('operator-chosen-token-1');
    expect(loadConfig(env).ETCD_ENDPOINTS).toEqual(['https://e1:2379', 'https://e2:2379']);
    expect(find(objects, 'ConfigMap')).not.toHaveProperty('data.ETCD_ENDPOINTS');
  });
});

describe('TLS, authentication and the secrets key, from the operator Secrets', () => {
  const pem = (what: string): string =>
    `-----BEGIN ${what}-----\n${Buffer.from(what).toString('base64')}\n-----END ${what}-----\n`;
  const SECRETS: ClusterSecrets = {
    'etcd-client': { 'ca.crt': pem('CA'), 'tls.crt': pem('CERTIFICATE'), 'tls.key': pem('KEY') },
    'etcd-user': { username: 'cron', password: 'etcd-pass-0123\n' },
    'nats-client': { 'ca.crt': pem('NATS CA') },
    'nats-user': { user: 'cron-nats', password: 'nats-pass-0123' },
    'secrets-key': {
      key: Buffer.alloc(32, 7).toString('base64'),
      old: Buffer.alloc(32, 9).toString('base64'),
    },
  };
  const VALUES = {
    'etcd.endpoints': ['https://etcd-0:2379'],
    'etcd.tls.secretName': 'etcd-client',
    'etcd.auth.secretName': 'etcd-user',
    'nats.url': 'tls://nats:4222',
    'nats.tls.secretName': 'nats-client',
    'nats.auth.secretName': 'nats-user',
    'secrets.existingSecret': 'secrets-key',
    'secrets.previousKeyKey': 'old',
  };
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cronplane-chart-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(ROLES)(
    'the %s pod reads them as files, and the app gets exactly what the Secrets hold',
    (role) => {
      const objects = render({ setJson: VALUES });
      expect(validateAll(objects)).toEqual([]);
      const env = containerEnv(objects, role, `cronplane-${role}-0`, SECRETS);
      // No credential travels as a plain value; the user names come by reference.
      expect(env.ETCD_PASSWORD).toBeUndefined();
      expect(env.NATS_PASSWORD).toBeUndefined();
      const main = container(workload(objects, role));
      for (const name of ['ETCD_USERNAME', 'NATS_USER'])
        expect(main.env?.find((v) => v.name === name)?.valueFrom?.secretKeyRef).toBeDefined();
      for (const mount of main.volumeMounts ?? [])
        if (mount.mountPath.startsWith('/etc/cronplane/')) expect(mount.readOnly).toBe(true);

      const config = loadConfig(mountSecretFiles(objects, role, env, SECRETS, join(root, role)));
      expect(etcdSecurity(config)).toEqual({
        credentials: {
          rootCertificate: Buffer.from(pem('CA')),
          certChain: Buffer.from(pem('CERTIFICATE')),
          privateKey: Buffer.from(pem('KEY')),
        },
        auth: { username: 'cron', password: 'etcd-pass-0123' },
      });
      expect(natsSecurity(config)).toEqual({
        tls: { ca: pem('NATS CA') },
        user: 'cron-nats',
        pass: 'nats-pass-0123',
      });
      const keys = new SecretKeys(config);
      expect(keys.all).toHaveLength(2);
      expect(keys.current).toEqual(keys.all[0]);
    },
  );

  it('a NATS creds file is mounted instead of a user and password when credsKey is set', () => {
    const objects = render({
      setJson: {
        'nats.url': 'nats://nats:4222',
        'nats.auth.secretName': 'nats-creds',
        'nats.auth.credsKey': 'cron.creds',
      },
    });
    const env = containerEnv(objects, 'worker', 'cronplane-worker-0');
    expect(env.NATS_CREDS_FILE).toBe('/etc/cronplane/nats-auth/cron.creds');
    expect(env.NATS_USER).toBeUndefined();
    expect(env.NATS_PASSWORD_FILE).toBeUndefined();
  });

  it('nothing is mounted, and no file variable set, by default', () => {
    const objects = render();
    for (const role of ROLES) {
      const env = containerEnv(objects, role, 'p');
      expect(Object.keys(env).filter((name) => name.endsWith('_FILE'))).toEqual([]);
      expect(container(workload(objects, role)).volumeMounts?.map((m) => m.name)).not.toContain(
        'secrets-key',
      );
    }
  });

  it('refuses a file variable set through config.extra, which the chart sets itself', () => {
    const result = helmTemplateRaw({ setJson: { 'config.extra': { ETCD_CA_FILE: '/x' } } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('config.extra.ETCD_CA_FILE');
  });
});
