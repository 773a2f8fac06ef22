/**
 * The machine's own limits, measured in the same run as the scenarios: how fast Node can start
 * `sh -c true` processes, and how many compare-and-swap transactions etcd commits per second.
 */
import { spawn } from 'node:child_process';
import { Etcd3 } from 'etcd3';

/** Milliseconds from the first spawn call until all `n` processes have started. */
export async function rawSpawnBurstMs(n: number, shell = '/bin/sh'): Promise<number> {
  const started: Promise<void>[] = [];
  const exited: Promise<void>[] = [];
  const t0 = performance.now();
  let last = t0;
  for (let i = 0; i < n; i++) {
    const child = spawn(shell, ['-c', 'true'], { stdio: 'ignore', detached: true });
    started.push(
      new Promise((resolve, reject) => {
        child.once('spawn', () => {
          last = performance.now();
          resolve();
        });
        child.once('error', reject);
      }),
    );
    exited.push(new Promise((resolve) => child.once('exit', () => resolve())));
  }
  await Promise.all(started);
  await Promise.all(exited);
  return last - t0;
}

/** Committed CAS transactions per second against `endpoints`, `concurrency` loops for `ms`. */
export async function etcdCasRate(
  endpoints: string[],
  ms = 5000,
  concurrency = 32,
): Promise<number> {
  const client = new Etcd3({ hosts: endpoints });
  const prefix = `/bench-cas/${Date.now()}/`;
  let committed = 0;
  const deadline = Date.now() + ms;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const key = `${prefix}${i}`;
        let revision = 0;
        while (Date.now() < deadline) {
          const result = await client
            .if(key, 'Mod', '==', revision)
            .then(client.put(key).value(String(committed)))
            .commit();
          if (!result.succeeded) throw new Error('unexpected CAS conflict');
          revision = Number(result.header.revision);
          committed += 1;
        }
      }),
    );
    await client.delete().prefix(prefix);
  } finally {
    client.close();
  }
  return (committed * 1000) / ms;
}
