/**
 * tools/helm.ts: helm v3.22.0 built from the Go module proxy as the release build is, and cached.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHelm, HELM_VERSION } from '../../tools/helm';
import { helm } from './support/helm';

beforeAll(() => {
  ensureHelm();
}, 600_000);

describe('the helm tool', () => {
  it('is v3.22.0 and assumes the Kubernetes version of its release build, as the released binary does', () => {
    expect(helm(['version', '--template', '{{.Version}}']).stdout).toBe('v3.22.0');
    const chart = mkdtempSync(join(tmpdir(), 'cronplane-capabilities-'));
    mkdirSync(join(chart, 'templates'));
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.0.1\n');
    writeFileSync(
      join(chart, 'templates', 'kube.yaml'),
      'kube: {{ .Capabilities.KubeVersion.Version }}\n',
    );
    const rendered = helm(['template', 'probe', chart]);
    expect(rendered.stdout).toContain('kube: v1.37.0');
  });

  it('is taken from the cache without building when present', () => {
    const cache = mkdtempSync(join(tmpdir(), 'cronplane-cache-'));
    const cached = join(cache, 'bin', `helm-${HELM_VERSION}`);
    mkdirSync(join(cache, 'bin'));
    writeFileSync(cached, '#!/bin/sh\n', { mode: 0o755 });
    const before = process.env.CRONPLANE_CACHE;
    process.env.CRONPLANE_CACHE = cache;
    try {
      const started = Date.now();
      expect(ensureHelm()).toBe(cached);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      if (before === undefined) delete process.env.CRONPLANE_CACHE;
      else process.env.CRONPLANE_CACHE = before;
    }
  });
});
