import { Etcd3, IKeyValue } from 'etcd3';

/** Reads several single keys in one round trip; answers in the order of `keys`. */
export type MultiGet = (keys: string[]) => Promise<(IKeyValue | undefined)[]>;

interface Waiter {
  resolve: (kv: IKeyValue | undefined) => void;
  reject: (error: Error) => void;
}

/** Batches sent at once; more wait (and grow) until one returns. */
export const DEFAULT_READS_IN_FLIGHT = 4;

/**
 * Single-key reads that share round trips. A worker that gains ownership of 100,000 jobs reads
 * 100,000 marks at once; as single gets that is 100,000 concurrent calls, which etcd answers
 * slowly and which time out against the client's deadline. Here every read submitted in the same
 * event-loop turn (and every read submitted while the previous batches are still out) goes into
 * read-only transactions of at most `maxKeys` range ops (etcd's `--max-txn-ops`), a few in
 * flight at a time: 782 round trips for 100,000 marks.
 *
 * Each answer is at least as fresh as the moment its read was submitted: a batch is sent only
 * after all its reads were submitted, and a read never joins a batch already sent (two reads of
 * one key waiting together share one answer). A read-only transaction is linearizable like a
 * plain get and writes nothing to the raft log.
 */
export class StateReader {
  /** Reads not yet sent, by key. */
  private waiting = new Map<string, Waiter[]>();
  /** The keys of `waiting` in submission order, from `head` on. */
  private order: string[] = [];
  private head = 0;
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly multiGet: MultiGet,
    private readonly maxKeys: number,
    private readonly maxInFlight = DEFAULT_READS_IN_FLIGHT,
  ) {
    this.maxKeys = Math.max(1, maxKeys);
    this.maxInFlight = Math.max(1, maxInFlight);
  }

  /** The key as etcd holds it now; undefined when absent. */
  read(key: string): Promise<IKeyValue | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else {
        this.waiting.set(key, [{ resolve, reject }]);
        this.order.push(key);
      }
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After the current turn, so that everything submitted in it shares batches.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.size > 0) {
      const batch = new Map<string, Waiter[]>();
      while (batch.size < this.maxKeys && this.head < this.order.length) {
        const key = this.order[this.head++];
        batch.set(key, this.waiting.get(key) ?? []);
        this.waiting.delete(key);
      }
      if (this.head === this.order.length) {
        this.order = [];
        this.head = 0;
      }
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async send(batch: Map<string, Waiter[]>): Promise<void> {
    const keys = [...batch.keys()];
    let answers: (IKeyValue | undefined)[];
    try {
      answers = await this.multiGet(keys);
    } catch (error) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error as Error);
      return;
    }
    keys.forEach((key, i) => {
      for (const w of batch.get(key) ?? []) w.resolve(answers[i]);
    });
  }
}

/** One plain get for one key, else a read-only transaction (no compares) of range ops. */
export function etcdMultiGet(client: Etcd3): MultiGet {
  return async (keys) => {
    if (keys.length === 1) {
      const response = await client.kv.range({ key: Buffer.from(keys[0]) });
      return [response.kvs[0]];
    }
    const response = await client.kv.txn({
      compare: [],
      success: keys.map((key) => ({ request_range: { key: Buffer.from(key) } })),
      failure: [],
    });
    return keys.map((_, i) => response.responses[i]?.response_range?.kvs[0]);
  };
}
