/**
 * Per-test-file isolation on the shared stack: each file gets its own etcd prefix and database.
 */
import { randomBytes } from 'node:crypto';
import { StackBinaries } from '../../tools/stack/install';
import { PostgresRef } from '../../tools/stack/postgres';

export interface TestStack {
  etcdEndpoints: string;
  mongoUrl: string;
  natsUrl: string;
  binaries: StackBinaries;
  /** The stack's PostgreSQL (MONGO_BACKEND=ferretdb-pg), for a file's private FerretDB. */
  postgres?: PostgresRef;
}

export function testStack(): TestStack {
  const etcdEndpoints = process.env.TEST_ETCD_ENDPOINTS;
  const mongoUrl = process.env.TEST_MONGODB_URL;
  const natsUrl = process.env.TEST_NATS_URL;
  const binaries = process.env.TEST_BINARIES;
  if (!etcdEndpoints || !mongoUrl || !natsUrl || !binaries) {
    throw new Error('the test stack is not running: run e2e tests through jest (npm test)');
  }
  const postgres = process.env.TEST_POSTGRES;
  return {
    etcdEndpoints,
    mongoUrl,
    natsUrl,
    binaries: JSON.parse(binaries) as StackBinaries,
    postgres: postgres ? (JSON.parse(postgres) as PostgresRef) : undefined,
  };
}

/** A unique name for this test file's etcd prefix and database. */
export function isolationId(label: string): string {
  return `${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}${randomBytes(3).toString('hex')}`;
}

/** Environment for an app process (or AppConfig) isolated under `id`. */
export function appEnv(id: string, extra: Record<string, string> = {}): Record<string, string> {
  const stack = testStack();
  return {
    ETCD_ENDPOINTS: stack.etcdEndpoints,
    ETCD_PREFIX: `/t/${id}/`,
    MONGODB_URI: `${stack.mongoUrl}/${id}`,
    NATS_URL: stack.natsUrl,
    LOG_LEVEL: 'info',
    LOG_PRETTY: '0',
    ...extra,
  };
}
