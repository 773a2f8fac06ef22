import { GRPCDeadlineExceededError, GRPCResourceExhastedError, GRPCUnavailableError } from 'etcd3';
import { etcdFaultHandling } from './fault-handling';

const oversized = () =>
  new GRPCResourceExhastedError(
    '8 RESOURCE_EXHAUSTED: Received message larger than max (48844808 vs 4194304)',
  );

/** Runs `fails` failing calls through the policy, then one that succeeds. */
async function afterFailures(
  policy: { execute<T>(fn: () => Promise<T>): Promise<T> },
  error: () => Error,
  fails: number,
): Promise<string> {
  for (let i = 0; i < fails; i++) {
    await policy.execute(() => Promise.reject(error())).catch(() => undefined);
  }
  return policy.execute(() => Promise.resolve('keep-alive answered'));
}

describe('etcdFaultHandling', () => {
  it('with one host, no number of failed calls of any kind blocks the next call', async () => {
    const host = etcdFaultHandling(1).host!('127.0.0.1:2379');
    for (const error of [oversized, () => new GRPCUnavailableError('14 UNAVAILABLE')]) {
      await expect(afterFailures(host, error, 10)).resolves.toBe('keep-alive answered');
    }
  });

  it('with several hosts, oversized answers and deadlines never open a host’s breaker', async () => {
    const host = etcdFaultHandling(3).host!('127.0.0.1:2379');
    await expect(afterFailures(host, oversized, 10)).resolves.toBe('keep-alive answered');
    await expect(
      afterFailures(host, () => new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED'), 10),
    ).resolves.toBe('keep-alive answered');
  });

  it('with several hosts, a host answering UNAVAILABLE three times is skipped for a while', async () => {
    const host = etcdFaultHandling(3).host!('127.0.0.1:2379');
    await expect(
      afterFailures(host, () => new GRPCUnavailableError('14 UNAVAILABLE'), 3),
    ).rejects.toThrow(/circuit breaker is open/);
  });

  it('retries transient errors but not an answer too large for the client', async () => {
    const { global } = etcdFaultHandling(1);
    let calls = 0;
    await expect(
      global!.execute(() => {
        calls += 1;
        return Promise.reject(oversized());
      }),
    ).rejects.toThrow(/RESOURCE_EXHAUSTED/);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      global!.execute(() => {
        calls += 1;
        if (calls < 3) return Promise.reject(new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED'));
        return Promise.resolve('ok');
      }),
    ).resolves.toBe('ok');
    expect(calls).toBe(3);
  });
});
