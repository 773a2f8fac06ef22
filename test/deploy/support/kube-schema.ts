/**
 * Offline validation of rendered Kubernetes objects against the API's OpenAPI schemas, as
 * compiled into the kubernetes-models packages (Kubernetes 1.29 API and prometheus-operator).
 *
 * Those validators ignore unknown fields, so a misspelt `readinesProbe` would pass, while the API
 * server would drop or reject it. To catch that too, each object is validated through a proxy that
 * records which fields the validator reads: a compiled validator reads every property its schema
 * declares (and every key of a map), so a field it never read is one the schema does not know.
 */
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

interface Validated {
  prototype: { validate(this: unknown): void };
}

/** Every kind the chart may render. A kind missing here fails validation rather than passing. */
const MODELS: Record<string, Validated> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

type Json = Record<string, unknown> | unknown[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Wraps a JSON tree in proxies that record, per object, which keys were read. */
class ReadTracker {
  private readonly proxies = new Map<Json, Json>();
  private readonly visited: { path: string; target: Record<string, unknown>; read: Set<string> }[] =
    [];

  wrap(value: unknown, path: string): unknown {
    if (!Array.isArray(value) && !isObject(value)) return value;
    const cached = this.proxies.get(value);
    if (cached) return cached;
    const proxy = Array.isArray(value) ? this.wrapArray(value, path) : this.wrapObject(value, path);
    this.proxies.set(value, proxy);
    return proxy;
  }

  /** `path: unknown field` for each key of a visited object that the validator never read. */
  unknownFields(): string[] {
    return this.visited.flatMap(({ path, target, read }) =>
      Object.keys(target)
        .filter((key) => !read.has(key))
        .map((key) => `${path}/${key}: unknown field`),
    );
  }

  private wrapArray(target: unknown[], path: string): unknown[] {
    return new Proxy(target, {
      get: (array, key, receiver) => {
        const value: unknown = Reflect.get(array, key, receiver);
        return typeof key === 'string' && /^\d+$/.test(key)
          ? this.wrap(value, `${path}/${key}`)
          : value;
      },
    });
  }

  private wrapObject(target: Record<string, unknown>, path: string): Record<string, unknown> {
    const read = new Set<string>();
    this.visited.push({ path, target, read });
    return new Proxy(target, {
      get: (object, key, receiver) => {
        const value: unknown = Reflect.get(object, key, receiver);
        if (typeof key !== 'string') return value;
        read.add(key);
        return this.wrap(value, `${path}/${key}`);
      },
    });
  }
}

/** Schema violations and unknown fields of one object, as `path: problem` lines; [] when valid. */
export function schemaProblems(object: KubeObject): string[] {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) return [`no schema known for ${object.apiVersion} ${object.kind}`];
  const tracker = new ReadTracker();
  const problems: string[] = [];
  try {
    model.prototype.validate.call(tracker.wrap(object, ''));
  } catch (error) {
    problems.push((error as Error).message);
  }
  return [...problems, ...tracker.unknownFields()];
}

/** `Kind/name: problem` for every problem of every object. */
export function validateAll(objects: KubeObject[]): string[] {
  return objects.flatMap((object) =>
    schemaProblems(object).map((problem) => `${object.kind}/${object.metadata.name}: ${problem}`),
  );
}
