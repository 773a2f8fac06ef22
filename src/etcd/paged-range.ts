import { Etcd3, GRPCResourceExhastedError, IKeyValue, Range } from 'etcd3';

/**
 * Range reads that never assume a prefix fits in one gRPC message (4 MiB by default on the
 * client: 10,000 job specs do not). A listing is read page by page in key order, every page at
 * the revision of the first one, so the result is one consistent snapshot and a watch started at
 * `revision + 1` misses nothing.
 *
 * The loop is pure (it only calls the `PageReader` it is given) so that it can be tested without
 * etcd; `etcdPageReader` is the real reader.
 */

/** One limited range read as etcd answered it. */
export interface RangePage {
  kvs: IKeyValue[];
  /** etcd holds further keys in the range after the last one returned. */
  more: boolean;
  /** The revision the page was read at (its response header's). */
  revision: number;
}

export interface PageRequest {
  start: Buffer;
  /** Exclusive end of the range. */
  end: Buffer;
  limit: number;
  /** Read at this revision; undefined for etcd's current one. */
  revision?: number;
}

export type PageReader = (request: PageRequest) => Promise<RangePage>;

/** Every key of a range at one revision. */
export interface Listing {
  kvs: IKeyValue[];
  revision: number;
  pages: number;
  /** Times the listing started over because its revision was compacted while it was read. */
  restarts: number;
}

export interface PagingOptions {
  /** Keys in the first page, before anything is known of the values' size. */
  firstKeys: number;
  /** Most keys in any page. */
  maxKeys: number;
  /** Bytes a page should carry, well under gRPC's 4 MiB; later pages are sized from it. */
  targetBytes: number;
  /** A listing whose revision is compacted before it ends starts over this many times at most. */
  maxRestarts: number;
}

/**
 * etcd 3.4 walks every remaining key of the range for each page (its index has no limit), so
 * fewer, larger pages are cheaper: 100,000 job specs list in 0.7 s in pages of 4,000 (about
 * 2 MB), 1.7 s in pages of 1,000. Pages aim at half the client's 4 MiB limit, so that values up
 * to twice the size of the previous page's still fit. The first page is small so that unusually
 * large values are found before a page is big enough to be refused.
 */
export const DEFAULT_PAGING: PagingOptions = {
  firstKeys: 200,
  maxKeys: 5000,
  targetBytes: 2 << 20,
  maxRestarts: 5,
};

/** Per-key bytes of an answer beyond the key and value (revisions, version, lease, framing). */
const KV_OVERHEAD_BYTES = 32;

/** The answer was bigger than the client accepts ("Received message larger than max"). */
export function isResourceExhausted(error: unknown): boolean {
  return (
    error instanceof GRPCResourceExhastedError ||
    (error instanceof Error && /RESOURCE_EXHAUSTED|larger than max/.test(error.message))
  );
}

/** The pinned revision was compacted (etcd: "mvcc: required revision has been compacted"). */
export function isCompacted(error: unknown): boolean {
  return error instanceof Error && /required revision has been compacted/.test(error.message);
}

/** The smallest key after `key`: itself followed by a zero byte. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.alloc(1)]);
}

/** How many keys the next page asks for, from the size of the keys just read. */
export function nextLimit(options: PagingOptions, kvs: readonly IKeyValue[]): number {
  if (kvs.length === 0) return options.maxKeys;
  let bytes = 0;
  for (const kv of kvs) bytes += kv.key.length + kv.value.length + KV_OVERHEAD_BYTES;
  const fit = Math.floor(options.targetBytes / (bytes / kvs.length));
  return Math.max(1, Math.min(options.maxKeys, fit));
}

/**
 * One page of up to `request.limit` keys. An answer too big for the client is asked for again
 * with half the keys, down to one (a single value that still does not fit is an error); fewer
 * keys than asked come back with `more` set, so callers simply continue after the last key.
 */
export async function readPage(read: PageReader, request: PageRequest): Promise<RangePage> {
  let limit = Math.max(1, request.limit);
  for (;;) {
    try {
      return await read({ ...request, limit });
    } catch (error) {
      if (!isResourceExhausted(error) || limit === 1) throw error;
      limit = Math.max(1, Math.floor(limit / 2));
    }
  }
}

/** Every key in [start, end), in key order, at the revision of the first page. */
export async function readRange(
  read: PageReader,
  start: Buffer,
  end: Buffer,
  options: PagingOptions = DEFAULT_PAGING,
): Promise<Listing> {
  let kvs: IKeyValue[] = [];
  const scan = await scanRange(
    read,
    start,
    end,
    {
      page: (page) => {
        for (const kv of page) kvs.push(kv);
      },
      restart: () => (kvs = []),
    },
    options,
  );
  return { kvs, ...scan };
}

/** Takes a listing's pages as they come, so that a caller keeps only what it needs of them. */
export interface RangeVisitor {
  /** The next keys of the range, in key order, all read at the listing's revision. */
  page(kvs: IKeyValue[]): void;
  /** The listing starts over at a new revision: what earlier pages gave is void. */
  restart(): void;
}

/**
 * Reads [start, end) page by page at one revision, like readRange, handing each page to
 * `visitor` instead of keeping it.
 */
export async function scanRange(
  read: PageReader,
  start: Buffer,
  end: Buffer,
  visitor: RangeVisitor,
  options: PagingOptions = DEFAULT_PAGING,
): Promise<Omit<Listing, 'kvs'>> {
  for (let restarts = 0; ; restarts++) {
    try {
      return { ...(await scanOnce(read, start, end, visitor, options)), restarts };
    } catch (error) {
      // Only a later page can hit this (the first one reads the current revision): the snapshot
      // is gone, so the whole listing starts again at a new one.
      if (!isCompacted(error) || restarts >= options.maxRestarts) throw error;
      visitor.restart();
    }
  }
}

async function scanOnce(
  read: PageReader,
  start: Buffer,
  end: Buffer,
  visitor: RangeVisitor,
  options: PagingOptions,
): Promise<{ revision: number; pages: number }> {
  let revision: number | undefined;
  let from = start;
  let limit = options.firstKeys;
  let pages = 0;
  for (;;) {
    const page = await readPage(read, { start: from, end, limit, revision });
    revision ??= page.revision;
    pages += 1;
    visitor.page(page.kvs);
    if (!page.more || page.kvs.length === 0) return { revision, pages };
    from = keyAfter(page.kvs[page.kvs.length - 1].key);
    limit = nextLimit(options, page.kvs);
  }
}

/** Pages read with the client's KV service (unary calls, with the client's call deadline). */
export function etcdPageReader(client: Etcd3): PageReader {
  return async ({ start, end, limit, revision }) => {
    const response = await client.kv.range({
      key: start,
      range_end: end,
      limit,
      ...(revision === undefined ? {} : { revision }),
    });
    return {
      kvs: response.kvs,
      more: Boolean(response.more),
      revision: Number(response.header.revision),
    };
  };
}

/** Every key under `prefix` at one revision, however many there are. */
export function listPrefix(
  client: Etcd3,
  prefix: string,
  options: PagingOptions = DEFAULT_PAGING,
): Promise<Listing> {
  const range = Range.prefix(prefix);
  return readRange(etcdPageReader(client), range.start, range.end, options);
}

/** Every key under `prefix` at one revision, handed to `visitor` page by page. */
export function scanPrefix(
  client: Etcd3,
  prefix: string,
  visitor: RangeVisitor,
  options: PagingOptions = DEFAULT_PAGING,
): Promise<Omit<Listing, 'kvs'>> {
  const range = Range.prefix(prefix);
  return scanRange(etcdPageReader(client), range.start, range.end, visitor, options);
}

/** Like `getAll().prefix(prefix).strings()`, paged: full key → value. */
export async function prefixStrings(
  client: Etcd3,
  prefix: string,
  options: PagingOptions = DEFAULT_PAGING,
): Promise<Record<string, string>> {
  const { kvs } = await listPrefix(client, prefix, options);
  const out: Record<string, string> = {};
  for (const kv of kvs) out[kv.key.toString()] = kv.value.toString();
  return out;
}
