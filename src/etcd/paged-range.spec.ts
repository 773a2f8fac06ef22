import { GRPCResourceExhastedError, IKeyValue, Range } from 'etcd3';
import {
  DEFAULT_PAGING,
  PageReader,
  PageRequest,
  PagingOptions,
  keyAfter,
  nextLimit,
  readPage,
  readRange,
} from './paged-range';

const kv = (key: string, value: string, modRevision = 1): IKeyValue =>
  ({
    key: Buffer.from(key),
    value: Buffer.from(value),
    mod_revision: String(modRevision),
    create_revision: String(modRevision),
    version: '1',
    lease: '0',
  }) as IKeyValue;

/**
 * A tiny multi-version store: every write makes a revision, reads at an old revision see the
 * keys as they were, compaction forgets old revisions, and answers over `maxBytes` are refused
 * the way gRPC refuses a message over its limit.
 */
class FakeStore {
  revision = 1;
  compacted = 0;
  maxBytes = Infinity;
  requests: PageRequest[] = [];
  /** Called before each read is answered (to write or compact in the middle of a listing). */
  beforeRead?: (request: PageRequest) => void;
  private history: { key: string; value?: string; revision: number }[] = [];

  put(key: string, value: string): void {
    this.revision += 1;
    this.history.push({ key, value, revision: this.revision });
  }

  delete(key: string): void {
    this.revision += 1;
    this.history.push({ key, revision: this.revision });
  }

  compact(): void {
    this.compacted = this.revision;
  }

  readonly read: PageReader = async (request) => {
    this.requests.push(request);
    this.beforeRead?.(request);
    const at = request.revision ?? this.revision;
    if (at < this.compacted) {
      throw new Error('etcdserver: mvcc: required revision has been compacted');
    }
    const state = new Map<string, { value: string; revision: number }>();
    for (const entry of this.history) {
      if (entry.revision > at) break;
      if (entry.value === undefined) state.delete(entry.key);
      else state.set(entry.key, { value: entry.value, revision: entry.revision });
    }
    const keys = [...state.keys()]
      .filter((k) => Buffer.compare(Buffer.from(k), request.start) >= 0)
      .filter((k) => Buffer.compare(Buffer.from(k), request.end) < 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const taken = keys.slice(0, request.limit);
    const kvs = taken.map((k) => kv(k, state.get(k)!.value, state.get(k)!.revision));
    const bytes = kvs.reduce((n, x) => n + x.key.length + x.value.length, 0);
    if (bytes > this.maxBytes) {
      throw new GRPCResourceExhastedError(
        `8 RESOURCE_EXHAUSTED: Received message larger than max (${bytes} vs ${this.maxBytes})`,
      );
    }
    await Promise.resolve();
    return { kvs, more: keys.length > taken.length, revision: this.revision };
  };
}

const prefix = (p: string): [Buffer, Buffer] => {
  const range = Range.prefix(p);
  return [range.start, range.end];
};

const small: PagingOptions = { firstKeys: 3, maxKeys: 10, targetBytes: 1 << 20, maxRestarts: 3 };

describe('readRange', () => {
  it('reads a range bigger than one page, every page at the first page’s revision', async () => {
    const store = new FakeStore();
    for (let i = 0; i < 95; i++) store.put(`/p/jobs/j${String(i).padStart(3, '0')}`, 'x');
    store.put('/p/other', 'not in the range');
    const first = store.revision;
    // Changes made while the listing is read must not show up in it.
    store.beforeRead = (request) => {
      if (request.revision !== undefined) store.put(`/p/jobs/late${store.revision}`, 'y');
    };
    const listing = await readRange(store.read, ...prefix('/p/jobs/'), small);
    expect(listing.revision).toBe(first);
    expect(listing.kvs).toHaveLength(95);
    expect(listing.kvs.map((x) => x.key.toString())).toEqual(
      Array.from({ length: 95 }, (_, i) => `/p/jobs/j${String(i).padStart(3, '0')}`),
    );
    expect(listing.pages).toBe(1 + Math.ceil(92 / 10));
    expect(store.requests[0]).toEqual(expect.objectContaining({ limit: 3, revision: undefined }));
    expect(store.requests.slice(1).every((r) => r.revision === first)).toBe(true);
    expect(store.requests.every((r) => r.limit <= 10)).toBe(true);
  });

  it('reads an empty range in one page and keeps its revision', async () => {
    const store = new FakeStore();
    store.put('/p/a', '1');
    const listing = await readRange(store.read, ...prefix('/p/jobs/'), small);
    expect(listing).toEqual({ kvs: [], revision: store.revision, pages: 1, restarts: 0 });
  });

  it('halves a page refused as too large and keeps going, values of any size', async () => {
    const store = new FakeStore();
    store.maxBytes = 1000;
    for (let i = 0; i < 30; i++) store.put(`/p/k${String(i).padStart(2, '0')}`, 'v'.repeat(90));
    store.put('/p/k30-big', 'v'.repeat(900));
    for (let i = 31; i < 40; i++) store.put(`/p/k${i}`, 'v'.repeat(90));
    const listing = await readRange(store.read, ...prefix('/p/'), {
      ...small,
      firstKeys: 40,
      maxKeys: 40,
      targetBytes: 900,
    });
    expect(listing.kvs).toHaveLength(40);
    expect(new Set(listing.kvs.map((x) => x.key.toString())).size).toBe(40);
    const limits = store.requests.map((r) => r.limit);
    expect(limits.slice(0, 3)).toEqual([40, 20, 10]);
  });

  it('gives up on a single value the client cannot receive', async () => {
    const store = new FakeStore();
    store.maxBytes = 100;
    store.put('/p/huge', 'v'.repeat(500));
    await expect(readRange(store.read, ...prefix('/p/'), small)).rejects.toThrow(
      /RESOURCE_EXHAUSTED/,
    );
    expect(store.requests.map((r) => r.limit)).toEqual([3, 1]);
  });

  it('starts over at a new revision when its revision is compacted before the last page', async () => {
    const store = new FakeStore();
    for (let i = 0; i < 25; i++) store.put(`/p/k${String(i).padStart(2, '0')}`, 'x');
    let compactions = 0;
    store.beforeRead = (request) => {
      // The first listing's second page finds its revision compacted (a delete came in between).
      if (request.revision !== undefined && compactions === 0) {
        compactions += 1;
        store.delete('/p/k00');
        store.put('/p/k99', 'new');
        store.compact();
      }
    };
    const listing = await readRange(store.read, ...prefix('/p/'), small);
    expect(listing.restarts).toBe(1);
    expect(listing.revision).toBe(store.revision);
    const keys = listing.kvs.map((x) => x.key.toString());
    expect(keys).toHaveLength(25);
    expect(keys).not.toContain('/p/k00');
    expect(keys).toContain('/p/k99');
  });

  it('fails after too many restarts rather than looping forever', async () => {
    const store = new FakeStore();
    for (let i = 0; i < 10; i++) store.put(`/p/k${i}`, 'x');
    store.beforeRead = (request) => {
      if (request.revision !== undefined) {
        store.put('/p/churn', String(store.revision));
        store.compact();
      }
    };
    await expect(
      readRange(store.read, ...prefix('/p/'), { ...small, maxRestarts: 2 }),
    ).rejects.toThrow(/compacted/);
    expect(store.requests.filter((r) => r.revision === undefined)).toHaveLength(3);
  });

  it('passes other errors through at once', async () => {
    const read: PageReader = () => Promise.reject(new Error('14 UNAVAILABLE: no connection'));
    await expect(readRange(read, ...prefix('/p/'))).rejects.toThrow(/UNAVAILABLE/);
  });
});

describe('readPage', () => {
  it('returns fewer keys with more set when it had to halve', async () => {
    const store = new FakeStore();
    store.maxBytes = 50;
    for (let i = 0; i < 8; i++) store.put(`/p/k${i}`, 'v'.repeat(10));
    const page = await readPage(store.read, { ...rangeOf('/p/'), limit: 8 });
    expect(page.kvs).toHaveLength(2);
    expect(page.more).toBe(true);
  });
});

describe('nextLimit', () => {
  it('sizes pages from the values read so far, within the bounds', () => {
    const options = { ...DEFAULT_PAGING, targetBytes: 10_000, maxKeys: 500 };
    const kvs = (n: number, size: number) =>
      Array.from({ length: n }, () => kv('k', 'v'.repeat(size)));
    expect(nextLimit(options, kvs(10, 67))).toBe(100);
    expect(nextLimit({ ...options, targetBytes: 1e6 }, kvs(10, 1))).toBe(500);
    expect(nextLimit(options, kvs(2, 50_000))).toBe(1);
    expect(nextLimit(options, [])).toBe(500);
  });
});

describe('keyAfter', () => {
  it('is the key followed by a zero byte', () => {
    expect(keyAfter(Buffer.from('ab'))).toEqual(Buffer.from('ab\0'));
  });
});

function rangeOf(p: string): { start: Buffer; end: Buffer } {
  const range = Range.prefix(p);
  return { start: range.start, end: range.end };
}
