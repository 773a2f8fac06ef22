import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from './install';
import {
  RunningService,
  ServiceName,
  ServiceSpec,
  etcdSpec,
  mongoSpec,
  natsSpec,
  startService,
} from './services';

/** The project's own stack; redis is only started by the benchmark's peer comparison. */
export type Stack = Record<Exclude<ServiceName, 'redis'>, RunningService>;

export interface StackEndpoints {
  ETCD_ENDPOINTS: string;
  MONGODB_URI: string;
  NATS_URL: string;
}

export function endpointsOf(stack: Stack): StackEndpoints {
  return {
    ETCD_ENDPOINTS: stack.etcd.spec.url,
    MONGODB_URI: `${stack.mongo.spec.url}/cron`,
    NATS_URL: stack.nats.spec.url,
  };
}

/** Installs what is missing, then starts etcd, the MongoDB-wire server and NATS in parallel. */
export async function startStack(
  dir: string,
  options: { detached?: boolean } = {},
): Promise<Stack> {
  const binaries = ensureBinaries();
  mkdirSync(dir, { recursive: true });
  const specs: ServiceSpec[] = await Promise.all([
    etcdSpec(binaries.etcd, join(dir, 'etcd')),
    mongoSpec(binaries.mongo, join(dir, 'mongo')),
    natsSpec(binaries.nats, join(dir, 'nats')),
  ]);
  const started = await Promise.allSettled(specs.map((spec) => startService(spec, options)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(
      started.map((s) => (s.status === 'fulfilled' ? s.value.stop(2000) : Promise.resolve())),
    );
    throw failed.reason;
  }
  const running = started.map((s) => (s as PromiseFulfilledResult<RunningService>).value);
  return Object.fromEntries(running.map((service) => [service.spec.name, service])) as Stack;
}

export async function stopStack(stack: Partial<Stack>): Promise<void> {
  await Promise.all(Object.values(stack).map((service) => service?.stop()));
}
