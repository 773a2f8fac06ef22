import { Etcd3 } from 'etcd3';
import { loadConfig } from '../../src/config/app-config';
import { EtcdService } from '../../src/etcd/etcd.service';
import { JobState, LockService } from '../../src/etcd/lock.service';
import { isolationId, testStack } from '../support/env';

/**
 * A claim whose answer was lost is settled from etcd's history: committed (even after later
 * marks moved past it), not committed, or unknown once the history is compacted away.
 */
describe('settling a claim in doubt from etcd history', () => {
  const endpoints = testStack().etcdEndpoints;
  const prefix = `/t/${isolationId('claimhist')}/`;
  let etcd: EtcdService;
  let lock: LockService;
  let direct: Etcd3;

  beforeAll(() => {
    const config = loadConfig({ ETCD_ENDPOINTS: endpoints, ETCD_PREFIX: prefix });
    etcd = new EtcdService(config);
    lock = new LockService(etcd, config);
    direct = new Etcd3({ hosts: endpoints.split(',') });
  });

  afterAll(async () => {
    await direct.delete().prefix(prefix);
    lock.onApplicationShutdown();
    etcd.onApplicationShutdown();
    direct.close();
  });

  const mark = (tick: number, workerId: string, claim: string): JobState => ({
    lastTick: tick,
    runId: `j@${tick}`,
    workerId,
    claim,
  });
  const put = async (name: string, state: JobState): Promise<number> => {
    const response = await direct.put(`${prefix}state/${name}`).value(JSON.stringify(state)).exec();
    return Number(response.header.revision);
  };

  it('committed: the first change after the expected revision is the claim, whatever came later', async () => {
    const before = await put('a', mark(1000, 'w2', 'x.1'));
    const ours = mark(2000, 'w1', 'y.1');
    const committedAt = await put('a', ours);
    await put('a', mark(3000, 'w2', 'x.2'));
    await put('a', mark(4000, 'w2', 'x.3'));
    const claim = { stateName: 'a', expectedRevision: before, state: ours };
    expect(await lock.claimOutcome(claim)).toEqual({ outcome: 'committed', revision: committedAt });
    // The same tick claimed again by the same worker is another attempt, not this one.
    const retry = { ...claim, state: { ...ours, claim: 'y.2' } };
    expect(await lock.claimOutcome(retry)).toEqual({ outcome: 'absent' });
  });

  it('absent: the mark is still at the expected revision, or someone else moved it first', async () => {
    const before = await put('b', mark(1000, 'w2', 'x.1'));
    const ours = mark(2000, 'w1', 'y.1');
    expect(
      await lock.claimOutcome({ stateName: 'b', expectedRevision: before, state: ours }),
    ).toEqual({
      outcome: 'absent',
    });
    await put('b', mark(2000, 'w2', 'x.2'));
    expect(
      await lock.claimOutcome({ stateName: 'b', expectedRevision: before, state: ours }),
    ).toEqual({
      outcome: 'absent',
    });
    // A job never claimed before: the mark did not exist (revision 0).
    expect(await lock.claimOutcome({ stateName: 'new', expectedRevision: 0, state: ours })).toEqual(
      {
        outcome: 'absent',
      },
    );
  });

  it('unknown: the history of the claim was compacted away', async () => {
    const before = await put('c', mark(1000, 'w2', 'x.1'));
    const ours = mark(2000, 'w1', 'y.1');
    await put('c', ours);
    const latest = await put('c', mark(3000, 'w2', 'x.2'));
    await direct.kv.compact({ revision: String(latest), physical: true });
    expect(
      await lock.claimOutcome({ stateName: 'c', expectedRevision: before, state: ours }),
    ).toEqual({
      outcome: 'unknown',
    });
  });
});
