/**
 * What operators meet after `helm install` and on each `helm upgrade`: the NOTES that say how to
 * reach the console and Swagger UI, and generated credentials that survive upgrades.
 */
import { ensureHelm } from '../../tools/helm';
import { FakeKubeApi } from './support/fake-kube-api';
import {
  find,
  helmTemplateAsync,
  HelmOptions,
  PRODUCTION_VALUES,
  renderNotes,
} from './support/helm';
import { KubeObject } from './support/kube-schema';
import { containerEnv, workload } from './support/workloads';

beforeAll(() => {
  ensureHelm();
}, 600_000);

describe('NOTES.txt', () => {
  it('with default values, says how to port-forward to the console and Swagger UI and read the token', () => {
    const notes = renderNotes();
    expect(notes).toContain('kubectl port-forward -n cron svc/cronplane-master 8070:8070');
    expect(notes).toContain('console:    http://127.0.0.1:8070/');
    expect(notes).toContain('Swagger UI: http://127.0.0.1:8070/docs');
    expect(notes).toContain(
      "kubectl get secret cronplane -n cron -o jsonpath='{.data.admin-token}' | base64 -d",
    );
    expect(notes).toContain('kept across upgrades');
    expect(notes).toContain('app.kubernetes.io/component=worker -f');
  });

  it('with an Ingress, gives its https URLs and the operator Secret to read the token from', () => {
    const notes = renderNotes({ valuesFiles: [PRODUCTION_VALUES] });
    expect(notes).toContain('console:    https://cron.example.com/');
    expect(notes).toContain('Swagger UI: https://cron.example.com/docs');
    expect(notes).not.toContain('port-forward');
    expect(notes).toContain(
      "kubectl get secret cronplane-auth -n cron -o jsonpath='{.data.admin-token}' | base64 -d",
    );
  });
});

describe('generated credentials across upgrades (helm looks its Secret up in the cluster)', () => {
  const api = new FakeKubeApi();
  beforeAll(() => api.start());
  afterAll(() => api.stop());
  beforeEach(() => api.secrets.clear());

  function renderAgainstCluster(options: HelmOptions = {}): Promise<KubeObject[]> {
    return helmTemplateAsync({ ...options, args: ['--dry-run=server'], env: api.env() });
  }

  function credentials(objects: KubeObject[]): {
    admin: string;
    webhook: string;
    checksum: string;
  } {
    const env = containerEnv(objects, 'master', 'm');
    const annotations = (
      workload(objects, 'master').spec as {
        template: { metadata: { annotations: Record<string, string> } };
      }
    ).template.metadata.annotations;
    return {
      admin: env.CRON_ADMIN_TOKEN,
      webhook: env.ALERT_WEBHOOK_SECRET,
      checksum: annotations['checksum/secret'],
    };
  }

  it('an upgrade keeps the admin token and webhook key of the install, so pods do not restart for them', async () => {
    const install = await renderAgainstCluster();
    const installed = credentials(install);
    expect(installed.admin).toMatch(/^[A-Za-z0-9]{40}$/);
    api.apply(find(install, 'Secret'), 'cron');

    const upgraded = credentials(await renderAgainstCluster({ setJson: { 'master.replicas': 3 } }));
    expect(upgraded).toEqual(installed);
    expect(api.requests).toContain('GET /api/v1/namespaces/cron/secrets/cronplane');
  });

  it('a value given at upgrade replaces the kept one; a key missing from the cluster is generated', async () => {
    const install = find(await renderAgainstCluster(), 'Secret');
    const data = { ...(install as unknown as { data: Record<string, string> }).data };
    delete data['webhook-secret'];
    api.apply({ ...install, data }, 'cron');
    const kept = Buffer.from(data['admin-token'], 'base64').toString();

    const upgraded = credentials(await renderAgainstCluster());
    expect(upgraded.admin).toBe(kept);
    expect(upgraded.webhook).toMatch(/^[A-Za-z0-9]{40}$/);

    const given = credentials(
      await renderAgainstCluster({ setJson: { 'auth.adminToken': 'rotated-admin-token-42' } }),
    );
    expect(given.admin).toBe('rotated-admin-token-42');
    // A changed credential restarts the pods that read it.
    expect(given.checksum).not.toBe(upgraded.checksum);
  });

  it('another release in the namespace does not share the Secret', async () => {
    api.apply(find(await renderAgainstCluster(), 'Secret'), 'cron');
    const other = credentials(await renderAgainstCluster({ release: 'other' }));
    const first = credentials(await renderAgainstCluster());
    expect(other.admin).not.toBe(first.admin);
  });
});
