/**
 * Reading rendered workloads the way the kubelet does: the pod spec, its one container, and the
 * environment the process would see (ConfigMap, then env entries resolved from the rendered
 * Secret, the operator's Secrets and the downward API).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import { IConfigMap, IContainer, IPodSpec, ISecret } from 'kubernetes-models/v1';
import { find } from './helm';
import { KubeObject } from './kube-schema';

export type Role = 'master' | 'worker';

export function workload(objects: KubeObject[], role: Role): KubeObject {
  return find(objects, role === 'master' ? 'Deployment' : 'StatefulSet', role);
}

export function podSpec(object: KubeObject): IPodSpec {
  const spec = (object as unknown as IDeployment | IStatefulSet).spec?.template.spec;
  if (!spec) throw new Error(`${object.kind}/${object.metadata.name} has no pod spec`);
  return spec;
}

export function podLabels(object: KubeObject): Record<string, string> {
  return (object as unknown as IDeployment).spec?.template.metadata?.labels ?? {};
}

export function container(object: KubeObject): IContainer {
  const containers = podSpec(object).containers;
  if (containers.length !== 1) throw new Error(`expected one container, got ${containers.length}`);
  return containers[0];
}

/** Secrets that exist in the cluster before the install (the operator's), by name and key. */
export type ClusterSecrets = Record<string, Record<string, string>>;

/**
 * The environment the container would start with. Throws when a required reference cannot be
 * resolved, as the kubelet would refuse to start the pod.
 */
export function containerEnv(
  objects: KubeObject[],
  role: Role,
  podName: string,
  clusterSecrets: ClusterSecrets = {},
): Record<string, string> {
  const secrets: ClusterSecrets = { ...clusterSecrets };
  for (const object of objects.filter((o) => o.kind === 'Secret')) {
    const data = (object as unknown as ISecret).data ?? {};
    secrets[object.metadata.name] = Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
    );
  }
  const env: Record<string, string> = {};
  const main = container(workload(objects, role));
  for (const source of main.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (!name) throw new Error('only configMapRef envFrom is expected');
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!configMap) throw new Error(`envFrom names ConfigMap ${name}, which is not rendered`);
    Object.assign(env, (configMap as unknown as IConfigMap).data);
  }
  for (const variable of main.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = variable.value ?? '';
    } else if (from.fieldRef) {
      if (from.fieldRef.fieldPath !== 'metadata.name') throw new Error('unexpected fieldRef');
      env[variable.name] = podName;
    } else if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef;
      const value = secrets[name ?? '']?.[key];
      if (value !== undefined) env[variable.name] = value;
      else if (!optional) throw new Error(`${variable.name}: Secret ${name} has no key ${key}`);
    } else {
      throw new Error(`${variable.name}: unexpected valueFrom`);
    }
  }
  return env;
}

/**
 * Writes the files the kubelet would mount from Secret volumes under `root` (each item at
 * root + mountPath + path), and returns the environment with every variable that names a mounted
 * file pointed into `root`. Throws on a Secret or key the kubelet could not mount.
 */
export function mountSecretFiles(
  objects: KubeObject[],
  role: Role,
  env: Record<string, string>,
  clusterSecrets: ClusterSecrets,
  root: string,
): Record<string, string> {
  const object = workload(objects, role);
  const volumes = new Map((podSpec(object).volumes ?? []).map((v) => [v.name, v]));
  const mounted: string[] = [];
  for (const mount of container(object).volumeMounts ?? []) {
    const secret = volumes.get(mount.name)?.secret;
    if (!secret) continue;
    const data = clusterSecrets[secret.secretName ?? ''];
    if (!data) throw new Error(`volume ${mount.name}: no Secret ${secret.secretName}`);
    for (const item of secret.items ?? []) {
      const value = data[item.key];
      if (value === undefined)
        throw new Error(`Secret ${secret.secretName} has no key ${item.key}`);
      const path = join(root, mount.mountPath, item.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, value);
      mounted.push(join(mount.mountPath, item.path));
    }
  }
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      mounted.includes(value) ? join(root, value) : value,
    ]),
  );
}
