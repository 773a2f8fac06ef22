import { IKeyValue } from 'etcd3';
import { MultiGet, StateReader } from './state-reader';

const kv = (key: string, value: string): IKeyValue =>
  ({ key: Buffer.from(key), value: Buffer.from(value), mod_revision: '7' }) as IKeyValue;

/** A store whose batched get records every round trip and can be held open. */
function fakeStore(data: Map<string, string>) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  let holding = false;
  const multiGet: MultiGet = async (keys) => {
    calls.push(keys);
    if (holding) await new Promise<void>((resolve) => gates.push(resolve));
    return keys.map((key) => (data.has(key) ? kv(key, data.get(key)!) : undefined));
  };
  return {
    calls,
    multiGet,
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const open of gates.splice(0)) open();
    },
  };
}

describe('StateReader', () => {
  it('answers reads submitted in one turn with few round trips, each its own key', async () => {
    const data = new Map(Array.from({ length: 1000 }, (_, i) => [`s/${i}`, `v${i}`]));
    const store = fakeStore(data);
    const reader = new StateReader(store.multiGet, 128, 4);
    const answers = await Promise.all(
      Array.from({ length: 1001 }, (_, i) => reader.read(`s/${i}`)),
    );
    expect(store.calls).toHaveLength(Math.ceil(1001 / 128));
    expect(store.calls.every((keys) => keys.length <= 128)).toBe(true);
    expect(answers.slice(0, 1000).map((a) => a?.value.toString())).toEqual(
      Array.from({ length: 1000 }, (_, i) => `v${i}`),
    );
    expect(answers[1000]).toBeUndefined();
  });

  it('keeps at most maxInFlight batches out; later reads wait and share the next ones', async () => {
    const store = fakeStore(new Map([['a', '1']]));
    const reader = new StateReader(store.multiGet, 2, 1);
    store.hold();
    const first = reader.read('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls).toEqual([['a']]);
    // Submitted while the first batch is out: they wait, and a read of the same key does not
    // join the batch already sent (it may need a newer value).
    const later = [reader.read('a'), reader.read('b'), reader.read('a')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls).toHaveLength(1);
    store.release();
    await first;
    const answers = await Promise.all(later);
    expect(store.calls).toEqual([['a'], ['a', 'b']]);
    expect(answers.map((a) => a?.value.toString())).toEqual(['1', undefined, '1']);
  });

  it('rejects the reads of a failed batch only', async () => {
    let call = 0;
    const reader = new StateReader(
      async (keys) => {
        call += 1;
        if (call === 1) throw new Error('deadline exceeded');
        return keys.map((key) => kv(key, 'x'));
      },
      2,
      1,
    );
    const results = await Promise.allSettled([
      reader.read('a'),
      reader.read('b'),
      reader.read('c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});
