import { SLOTS, jobId, slotOf } from '../etcd/etcd-keys';
import { OwnerCandidate } from './ownership';
import {
  heldPartitions,
  isBroad,
  isBroadValue,
  jobOwner,
  partitionOf,
  partitionOfJob,
  partitionsOfNamespace,
  schedulingKey,
  splitPartition,
} from './partitions';

const worker = (id: string, labels: Record<string, string> = {}): OwnerCandidate => ({
  id,
  labels,
});

describe('partition names', () => {
  it('are the namespace and the slot of the definition key', () => {
    expect(partitionOf('team-a', 'backup')).toBe(`team-a/${slotOf('team-a', 'backup')}`);
    expect(partitionOfJob(jobId('team-a', 'backup'))).toBe(partitionOf('team-a', 'backup'));
    expect(partitionOfJob('backup')).toBe(partitionOf('default', 'backup'));
    expect(splitPartition('team-a/0f')).toEqual({ namespace: 'team-a', slot: '0f' });
  });

  it('cover every slot of a namespace once, in key order', () => {
    const all = partitionsOfNamespace('ns');
    expect(all).toHaveLength(SLOTS);
    expect(new Set(all).size).toBe(SLOTS);
    expect([...all].sort()).toEqual(all);
    expect(all[0]).toBe('ns/00');
    expect(all[SLOTS - 1]).toBe('ns/ff');
  });
});

describe('broad jobs', () => {
  it('are those with target labels of their own or mode all', () => {
    expect(isBroad(undefined)).toBe(false);
    expect(isBroad({ mode: 'one', labels: {} })).toBe(false);
    expect(isBroad({ mode: 'one', labels: { zone: 'a' } })).toBe(true);
    expect(isBroad({ mode: 'all', labels: {} })).toBe(true);
  });

  it('are told from a stored value without trusting it', () => {
    expect(isBroadValue('{"name":"a","command":"true"}')).toBe(false);
    expect(isBroadValue('{"target":{"mode":"all","labels":{}}}')).toBe(true);
    expect(isBroadValue('{"target":{"mode":"one","labels":{"gpu":"1"}}}')).toBe(true);
    expect(isBroadValue('{"target": not json')).toBe(false);
    expect(isBroadValue('{"target":null}')).toBe(false);
  });

  it('are weighed by their own id, plain jobs by their partition', () => {
    expect(schedulingKey('team-a:x', { mode: 'all', labels: {} })).toBe('team-a:x');
    expect(schedulingKey('team-a:x', { mode: 'one', labels: {} })).toBe(partitionOf('team-a', 'x'));
  });
});

describe('heldPartitions', () => {
  const workers = ['w1', 'w2', 'w3', 'w4'].map((id) => worker(id));
  const pools = new Map<string, Record<string, string>>([
    ['default', {}],
    ['team-a', {}],
  ]);

  it('gives every partition of every namespace to exactly one worker', () => {
    const held = workers.map((self) => heldPartitions(self, pools, workers));
    const owners = new Map<string, number>();
    for (const partitions of held)
      for (const [partition, role] of partitions) {
        expect(role).toBe('owner');
        owners.set(partition, (owners.get(partition) ?? 0) + 1);
      }
    expect(owners.size).toBe(2 * SLOTS);
    expect([...owners.values()].every((count) => count === 1)).toBe(true);
    // Spread: nobody holds less than half or more than twice the fair share.
    for (const partitions of held) {
      expect(partitions.size).toBeGreaterThan(SLOTS / 4);
      expect(partitions.size).toBeLessThan(SLOTS);
    }
  });

  it('agrees with jobOwner for every plain job', () => {
    const held = new Map(workers.map((self) => [self.id, heldPartitions(self, pools, workers)]));
    for (const name of ['a', 'b', 'backup', 'report-7', 'z.z']) {
      const id = jobId('team-a', name);
      const owner = jobOwner(id, { mode: 'one', labels: {} }, workers)!;
      expect(held.get(owner)!.get(partitionOfJob(id))).toBe('owner');
    }
  });

  it('moves only the partitions of a worker that leaves', () => {
    const before = new Map(workers.map((self) => [self.id, heldPartitions(self, pools, workers)]));
    const rest = workers.filter((w) => w.id !== 'w4');
    for (const self of rest) {
      const after = heldPartitions(self, pools, rest);
      for (const partition of before.get(self.id)!.keys()) expect(after.has(partition)).toBe(true);
    }
  });

  it('keeps a namespace to the workers of its pool', () => {
    const gpu = worker('gpu-1', { gpu: '1' });
    const everyone = [...workers, gpu];
    const gpuPools = new Map<string, Record<string, string>>([
      ['default', {}],
      ['ml', { gpu: '1' }],
    ]);
    expect([...heldPartitions(gpu, gpuPools, everyone).keys()]).toEqual(
      expect.arrayContaining(partitionsOfNamespace('ml')),
    );
    for (const self of workers)
      expect(
        [...heldPartitions(self, gpuPools, everyone).keys()].some((p) => p.startsWith('ml/')),
      ).toBe(false);
  });

  it('names a helper for the partitions of a saturated owner', () => {
    const busy = workers.map((w) => (w.id === 'w1' ? { ...w, saturated: true } : w));
    const ofW1 = heldPartitions(busy[0], pools, busy);
    const helped = [...ofW1.keys()];
    expect(helped.length).toBeGreaterThan(0);
    const helpers = busy
      .slice(1)
      .map((self) => heldPartitions(self, pools, busy))
      .flatMap((partitions) => helped.filter((p) => partitions.get(p) === 'helper'));
    expect(new Set(helpers)).toEqual(new Set(helped));
    expect(helpers).toHaveLength(helped.length);
  });
});
