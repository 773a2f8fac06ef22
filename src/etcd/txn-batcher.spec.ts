import { chunks, holds, TxnGroup } from './txn-batcher';

const group = (key: string, writes = 2): { group: TxnGroup<void> } => ({
  group: {
    compares: [{ key: `state/${key}`, target: 'Mod', op: '==', value: 1 }],
    writes: Array.from({ length: writes }, (_, i) => ({
      type: 'put' as const,
      key: `${key}/${i}`,
      value: '',
    })),
    committed: () => undefined,
    refused: () => undefined,
  },
});

describe('chunks', () => {
  it('fills transactions up to the op limit', () => {
    const items = Array.from({ length: 300 }, (_, i) => group(`j${i}`));
    const result = chunks(items, 128);
    expect(result.map((c) => c.length)).toEqual([64, 64, 64, 64, 44]);
  });

  it('never writes one key twice in a transaction', () => {
    const a = group('same');
    const b = group('same');
    expect(chunks([a, b, group('other')], 128)).toEqual([[a, expect.anything()], [b]]);
  });

  it('keeps a group that alone reaches the limit', () => {
    expect(chunks([group('big', 128), group('small')], 128).map((c) => c.length)).toEqual([1, 1]);
  });
});

describe('holds', () => {
  const kv = { mod_revision: '7', create_revision: '3' } as never;
  it('compares revisions, an absent key having 0', () => {
    expect(holds({ key: 'k', target: 'Mod', op: '==', value: 7 }, kv)).toBe(true);
    expect(holds({ key: 'k', target: 'Create', op: '==', value: 7 }, kv)).toBe(false);
    expect(holds({ key: 'k', target: 'Create', op: '>', value: 0 }, kv)).toBe(true);
    expect(holds({ key: 'k', target: 'Create', op: '==', value: 0 }, undefined)).toBe(true);
    expect(holds({ key: 'k', target: 'Create', op: '>', value: 0 }, undefined)).toBe(false);
  });
});
