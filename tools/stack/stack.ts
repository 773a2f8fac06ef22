import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from './install';
import { RunningPostgres, startPostgres } from './postgres';
import { RunningService, etcdSpec, mongoSpec, natsSpec, startService } from './services';

/** The project's own stack; redis is only started by the benchmark's peer comparison. */
export interface Stack {
  etcd: RunningService;
  mongo: RunningService;
  nats: RunningService;
  /** Under FerretDB, for MONGO_BACKEND=ferretdb-pg only. */
  postgres?: RunningPostgres;
}

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

/**
 * Installs what is missing, then starts etcd, the MongoDB-wire server and NATS in parallel
 * (for ferretdb-pg, PostgreSQL first and then FerretDB on it).
 */
export async function startStack(
  dir: string,
  options: { detached?: boolean } = {},
): Promise<Stack> {
  const binaries = ensureBinaries();
  mkdirSync(dir, { recursive: true });
  const started: Partial<Stack> = {};
  const results = await Promise.allSettled([
    (async () => {
      started.etcd = await startService(await etcdSpec(binaries.etcd, join(dir, 'etcd')), options);
    })(),
    (async () => {
      if (binaries.postgres) {
        started.postgres = await startPostgres(binaries.postgres, join(dir, 'postgres'), {
          ownedRoot: dir,
          detached: options.detached,
        });
      }
      const spec = await mongoSpec(
        binaries.mongo,
        join(dir, 'mongo'),
        undefined,
        started.postgres?.ref,
      );
      started.mongo = await startService(spec, options);
    })(),
    (async () => {
      started.nats = await startService(await natsSpec(binaries.nats, join(dir, 'nats')), options);
    })(),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopStack(started, 2000);
    throw failed.reason;
  }
  return started as Stack;
}

/** Stops the servers, PostgreSQL last (FerretDB's sessions on it end first). */
export async function stopStack(stack: Partial<Stack>, graceMs?: number): Promise<void> {
  await Promise.all([stack.etcd, stack.mongo, stack.nats].map((service) => service?.stop(graceMs)));
  await stack.postgres?.stop(graceMs);
}
