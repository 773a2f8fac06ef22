/**
 * Starts one real stack (etcd, MongoDB-wire server, NATS) for the whole test run on free ports,
 * in a scratch directory (tmpfs when available, for speed). MONGO_BACKEND chooses the
 * MongoDB-wire server (tools/stack/install.ts). Test files isolate themselves with
 * their own etcd prefix and database name (see test/support/env.ts).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointsOf, startStack, Stack } from '../../tools/stack/stack';
import { ensureBinaries } from '../../tools/stack/install';
import { buildServer } from '../../tools/build';

declare global {
  var __CRONPLANE_STACK__: { stack: Stack; dir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  // End-to-end tests run the built app, as operators do; build it once per test run.
  buildServer();
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'cronplane-test-'));
  const binaries = ensureBinaries();
  const stack = await startStack(dir);
  const endpoints = endpointsOf(stack);
  process.env.TEST_STACK_DIR = dir;
  process.env.TEST_ETCD_ENDPOINTS = endpoints.ETCD_ENDPOINTS;
  process.env.TEST_MONGODB_URL = stack.mongo.spec.url;
  process.env.TEST_NATS_URL = endpoints.NATS_URL;
  process.env.TEST_BINARIES = JSON.stringify(binaries);
  // MONGO_BACKEND=ferretdb-pg: a test file's private FerretDB keeps its data in this PostgreSQL.
  if (stack.postgres) process.env.TEST_POSTGRES = JSON.stringify(stack.postgres.ref);
  globalThis.__CRONPLANE_STACK__ = { stack, dir };
}
