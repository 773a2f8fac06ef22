import { EventEmitter } from 'node:events';
import { Etcd3 } from 'etcd3';
import { MirrorEvent, PrefixMirror } from './prefix-mirror';

/** Just enough of the etcd3 client for PrefixMirror: range reads and watches on a prefix. */
class FakeEtcd {
  revision = 10;
  data = new Map<string, string>();
  watchers: { startRevision: string; watcher: EventEmitter & { cancel(): Promise<void> } }[] = [];

  /** Range reads as the paged listing sends them: [key, range_end), limit, revision. */
  readonly kv = {
    range: async (request: { key: Buffer; range_end: Buffer; limit: number }) => {
      const keys = [...this.data.keys()]
        .filter((k) => k >= request.key.toString() && k < request.range_end.toString())
        .sort();
      const taken = keys.slice(0, request.limit);
      return {
        header: { revision: String(this.revision) },
        kvs: taken.map((k) => ({ key: Buffer.from(k), value: Buffer.from(this.data.get(k)!) })),
        more: taken.length < keys.length,
      };
    },
  };

  watch() {
    let startRevision = '';
    const builder = {
      prefix: () => builder,
      startRevision: (revision: string) => {
        startRevision = revision;
        return builder;
      },
      create: async () => {
        const watcher = Object.assign(new EventEmitter(), { cancel: async () => undefined });
        this.watchers.push({ startRevision, watcher });
        return watcher;
      },
    };
    return builder;
  }

  put(key: string, value: string): void {
    this.revision += 1;
    this.data.set(key, value);
    const kv = {
      key: Buffer.from(key),
      value: Buffer.from(value),
      mod_revision: String(this.revision),
    };
    this.watchers.at(-1)?.watcher.emit('put', kv);
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PrefixMirror', () => {
  it('lists, then watches from the listing revision + 1', async () => {
    const etcd = new FakeEtcd();
    etcd.data.set('/p/jobs/a', '1');
    const events: MirrorEvent['type'][] = [];
    const mirror = new PrefixMirror(etcd as unknown as Etcd3, '/p/jobs/', 'jobs', (e) =>
      events.push(e.type),
    );
    await mirror.start();
    expect(etcd.watchers[0].startRevision).toBe('11');
    expect(mirror.get('a')).toBe('1');
    etcd.put('/p/jobs/b', '2');
    expect(mirror.get('b')).toBe('2');
    expect(events).toEqual(['reset', 'put']);
    mirror.stop();
  });

  it('lists a prefix of more keys than one page holds', async () => {
    const etcd = new FakeEtcd();
    for (let i = 0; i < 5000; i++) etcd.data.set(`/p/jobs/j${i}`, String(i));
    etcd.data.set('/p/jobsx', 'outside');
    const mirror = new PrefixMirror(etcd as unknown as Etcd3, '/p/jobs/', 'jobs', () => undefined);
    await mirror.start();
    expect(mirror.size).toBe(5000);
    expect(mirror.get('j4999')).toBe('4999');
    expect(etcd.watchers[0].startRevision).toBe('11');
    mirror.stop();
  });

  it('re-lists and re-watches after the watch is cancelled (compaction) and reports a reset', async () => {
    const etcd = new FakeEtcd();
    const events: MirrorEvent[] = [];
    const mirror = new PrefixMirror(etcd as unknown as Etcd3, '/p/jobs/', 'jobs', (e) =>
      events.push(e),
    );
    await mirror.start();
    // Changes the old watch never delivered, then etcd cancels it.
    etcd.data.set('/p/jobs/missed', 'x');
    etcd.revision = 50;
    etcd.watchers[0].watcher.emit('error', new Error('Watcher canceled: compacted'));
    expect(mirror.isSynced).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await flush();
    expect(mirror.isSynced).toBe(true);
    expect(etcd.watchers).toHaveLength(2);
    expect(etcd.watchers[1].startRevision).toBe('51');
    expect(mirror.get('missed')).toBe('x');
    expect(events.at(-1)?.type).toBe('reset');
    mirror.stop();
  });

  it('also resyncs on a disconnect', async () => {
    const etcd = new FakeEtcd();
    const mirror = new PrefixMirror(etcd as unknown as Etcd3, '/p/w/', 'workers', () => undefined);
    await mirror.start();
    etcd.watchers[0].watcher.emit('disconnected', new Error('unavailable'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(etcd.watchers).toHaveLength(2);
    mirror.stop();
  });
});
