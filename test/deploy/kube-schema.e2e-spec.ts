/**
 * The offline schema check itself: it must reject what the API server would, including fields the
 * schema does not know, or a green chart test proves nothing.
 */
import { KubeObject, schemaProblems } from './support/kube-schema';

function deployment(
  container: Record<string, unknown>,
  template: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', labels: { app: 'x' } },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: {
        metadata: { labels: { app: 'x' }, ...template },
        spec: { containers: [{ name: 'x', image: 'x:1', ...container }] },
      },
    },
  };
}

describe('the Kubernetes schema check', () => {
  it('accepts a valid object, maps of labels included', () => {
    expect(schemaProblems(deployment({ ports: [{ name: 'http', containerPort: 8070 }] }))).toEqual(
      [],
    );
  });

  it('rejects a wrong type', () => {
    expect(schemaProblems(deployment({ ports: [{ containerPort: '8070' }] }))).toEqual([
      expect.stringContaining('containers/0/ports/0/containerPort must be integer'),
    ]);
  });

  it('rejects a missing required field', () => {
    const object = deployment({});
    delete (object.spec as Record<string, unknown>).selector;
    expect(schemaProblems(object)).toEqual(['data/spec must have required property selector']);
  });

  it('names every unknown field, however deep', () => {
    expect(schemaProblems(deployment({ readinesProbe: {} }, { labelz: {} }))).toEqual([
      '/spec/template/metadata/labelz: unknown field',
      '/spec/template/spec/containers/0/readinesProbe: unknown field',
    ]);
  });

  it('refuses kinds it has no schema for', () => {
    expect(
      schemaProblems({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' } }),
    ).toEqual(['no schema known for batch/v1 CronJob']);
  });
});
