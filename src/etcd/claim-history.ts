import { Etcd3, IKeyValue } from 'etcd3';

/**
 * Whether a claim whose answer never came committed (at `revision`), did not, or nobody can tell.
 */
export type ClaimOutcome =
  { outcome: 'committed'; revision: number } | { outcome: 'absent' | 'unknown' };

const HISTORY_TIMEOUT_MS = 5000;

/**
 * Settles a compare-and-swap whose answer was lost (`If mod(key) == expected Then put key=value`).
 * If the key is still at `expected`, it did not commit. Otherwise the first change after
 * `expected` is the claim itself exactly when it committed (its compare held against `expected`,
 * so nothing can have come between): a watch from `expected + 1` replays that change from
 * etcd's history. Unknown when the history has been compacted away or etcd does not answer.
 */
export async function claimOutcome(
  client: Etcd3,
  key: string,
  expected: number,
  written: (value: string) => boolean,
): Promise<ClaimOutcome> {
  const current = (await client.get(key).exec()).kvs[0];
  const revision = current ? Number(current.mod_revision) : 0;
  if (revision === expected) return { outcome: 'absent' };
  if (current && written(current.value.toString())) return { outcome: 'committed', revision };
  const first = await firstChangeAfter(client, key, expected);
  if (first === undefined) return { outcome: 'unknown' };
  if (first.value === undefined || !written(first.value)) return { outcome: 'absent' };
  return { outcome: 'committed', revision: first.revision };
}

/** The first put or delete of `key` after `revision`, from etcd's history. */
async function firstChangeAfter(
  client: Etcd3,
  key: string,
  revision: number,
): Promise<{ value?: string; revision: number } | undefined> {
  const watcher = await client
    .watch()
    .key(key)
    .startRevision(String(revision + 1))
    .create();
  try {
    type Change = { value?: string; revision: number } | undefined;
    return await new Promise<Change>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), HISTORY_TIMEOUT_MS);
      const done = (result: Change): void => {
        clearTimeout(timer);
        resolve(result);
      };
      const revisionOf = (kv: IKeyValue): number => Number(kv.mod_revision);
      watcher.on('put', (kv: IKeyValue) =>
        done({ value: kv.value.toString(), revision: revisionOf(kv) }),
      );
      watcher.on('delete', (kv: IKeyValue) => done({ revision: revisionOf(kv) }));
      // A compacted start revision cancels the watch: the history is gone.
      watcher.on('error', () => done(undefined));
    });
  } finally {
    watcher.removeAllListeners();
    watcher.on('error', () => undefined);
    void watcher.cancel().catch(() => undefined);
  }
}
