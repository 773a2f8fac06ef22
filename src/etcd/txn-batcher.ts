import { Etcd3, IKeyValue } from 'etcd3';

/** One compare of a batched transaction on the key's mod or create revision (0: absent). */
export interface RevisionCompare {
  key: string;
  target: 'Mod' | 'Create';
  op: '==' | '>';
  value: number;
}

export type WriteOp =
  { type: 'put'; key: string; value: string; lease?: string } | { type: 'delete'; key: string };

/** A key as the failed transaction read it; undefined when absent. */
export type KeyReader = (key: string) => IKeyValue | undefined;

/**
 * An independent compare-and-swap that may share a transaction with others: its writes happen
 * if and only if all of its compares hold. `committed` or `refused` turns the answer into the
 * group's own result.
 */
export interface TxnGroup<R> {
  compares: RevisionCompare[];
  writes: WriteOp[];
  /** Extra keys `refused` wants to see (the compared keys are always read). */
  reads?: string[];
  committed(revision: number): R;
  /** Called only when one of this group's own compares failed. */
  refused(read: KeyReader): R;
}

interface Queued {
  group: TxnGroup<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** etcd's default `--max-txn-ops`: compares, success ops and failure ops are each limited. */
export const DEFAULT_MAX_TXN_OPS = 128;

/**
 * Puts compare-and-swap groups submitted in the same event-loop turn into as few etcd
 * transactions as etcd's op limit allows, so a thousand ticks due at one instant cost a handful
 * of raft writes instead of a thousand. A transaction commits only if every compare in it holds;
 * when it fails, its failure branch reads every compared key, so each group learns whether it
 * was one of those refused (it gets its answer) or only shared the transaction with them (it is
 * sent again at once, without them). Each round answers at least one group, so this ends.
 */
export class TxnBatcher {
  private queue: Queued[] = [];
  private scheduled = false;

  /**
   * @param beforeFlush called when a batch is about to be sent, after everything submitted in
   *   the same turn is queued (`riding`: whether other groups are going anyway, false for a
   *   kick); groups it submits ride along in the same transactions.
   */
  constructor(
    private readonly client: Etcd3,
    private readonly maxOps = DEFAULT_MAX_TXN_OPS,
    private readonly beforeFlush?: (riding: boolean) => void,
  ) {}

  /** Sends whatever `beforeFlush` adds, even when nothing else is queued. */
  kick(): void {
    this.schedule();
  }

  submit<R>(group: TxnGroup<R>): Promise<R> {
    const reads = group.compares.length + (group.reads?.length ?? 0);
    if (group.compares.length === 0 || reads > this.maxOps || group.writes.length > this.maxOps) {
      return Promise.reject(new Error('transaction group without compares or over the op limit'));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ group, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.beforeFlush?.(this.queue.length > 0);
      this.scheduled = false;
      const batch = this.queue;
      this.queue = [];
      for (const chunk of chunks(batch, this.maxOps)) void this.commit(chunk);
    });
  }

  private async commit(chunk: Queued[]): Promise<void> {
    let pending = chunk;
    while (pending.length > 0) {
      let answer: Awaited<ReturnType<typeof this.send>>;
      try {
        answer = await this.send(pending);
      } catch (error) {
        for (const item of pending) item.reject(error as Error);
        return;
      }
      if (answer.succeeded) {
        for (const item of pending) item.resolve(item.group.committed(answer.revision));
        return;
      }
      const read: KeyReader = (key) => answer.kvs.get(key);
      const innocent: Queued[] = [];
      for (const item of pending) {
        if (item.group.compares.every((c) => holds(c, read(c.key)))) innocent.push(item);
        else item.resolve(item.group.refused(read));
      }
      pending = innocent;
    }
  }

  private async send(
    items: Queued[],
  ): Promise<{ succeeded: boolean; revision: number; kvs: Map<string, IKeyValue | undefined> }> {
    const { client } = this;
    const compares = items.flatMap((item) => item.group.compares);
    const [first, ...rest] = compares;
    let txn = client.if(first.key, first.target, first.op, first.value);
    for (const c of rest) txn = txn.and(c.key, c.target, c.op, c.value);
    const writes = items.flatMap((item) => item.group.writes);
    const readKeys = [...readSet(items)];
    const response = await txn
      .then(
        ...writes.map((op) =>
          op.type === 'delete'
            ? client.delete().key(op.key)
            : op.lease === undefined
              ? client.put(op.key).value(op.value)
              : client.put(op.key).value(op.value).lease(op.lease),
        ),
      )
      .else(...readKeys.map((key) => client.get(key)))
      .commit();
    const kvs = new Map<string, IKeyValue | undefined>();
    if (!response.succeeded) {
      readKeys.forEach((key, i) => kvs.set(key, response.responses[i]?.response_range?.kvs[0]));
    }
    return { succeeded: response.succeeded, revision: Number(response.header.revision), kvs };
  }
}

function readSet(items: Queued[]): Set<string> {
  const keys = new Set<string>();
  for (const { group } of items) {
    for (const c of group.compares) keys.add(c.key);
    for (const key of group.reads ?? []) keys.add(key);
  }
  return keys;
}

/** Whether a compare holds for a key as read (an absent key has revisions 0). */
export function holds(compare: RevisionCompare, kv: IKeyValue | undefined): boolean {
  const actual = kv ? Number(compare.target === 'Mod' ? kv.mod_revision : kv.create_revision) : 0;
  return compare.op === '==' ? actual === compare.value : actual > compare.value;
}

/**
 * Splits groups into transactions within etcd's op limit (compares, writes and reads each),
 * never writing one key twice in a transaction (etcd refuses that).
 */
export function chunks<T extends { group: TxnGroup<unknown> }>(items: T[], maxOps: number): T[][] {
  const result: T[][] = [];
  let rest = items;
  while (rest.length > 0) {
    const chunk: T[] = [];
    const deferred: T[] = [];
    const written = new Set<string>();
    const read = new Set<string>();
    let compares = 0;
    let writes = 0;
    for (const item of rest) {
      const { group } = item;
      const keys = [...group.compares.map((c) => c.key), ...(group.reads ?? [])];
      const newReads = new Set(keys.filter((k) => !read.has(k))).size;
      const fits =
        compares + group.compares.length <= maxOps &&
        writes + group.writes.length <= maxOps &&
        read.size + newReads <= maxOps &&
        group.writes.every((op) => !written.has(op.key));
      if (!fits && chunk.length > 0) {
        deferred.push(item);
        continue;
      }
      chunk.push(item);
      compares += group.compares.length;
      writes += group.writes.length;
      for (const key of keys) read.add(key);
      for (const op of group.writes) written.add(op.key);
    }
    result.push(chunk);
    rest = deferred;
  }
  return result;
}
