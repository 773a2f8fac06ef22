import { JOB_DEFAULTS } from '../jobs/job.model';
import { alertIdOf, alertsFor, outputTail } from './alert.model';
import { signBody, verifySignature } from './webhook-signature';

describe('alert rules', () => {
  const job = { alerts: { ...JOB_DEFAULTS.alerts } };

  it('alerts failures, losses and misses when onFailure is on, timeouts when onTimeout is on', () => {
    expect(['failed', 'lost', 'missed', 'timeout'].map((s) => alertsFor(job, s as never))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(alertsFor({ alerts: { onFailure: false, onTimeout: true } }, 'failed')).toBe(false);
    expect(alertsFor({ alerts: { onFailure: true, onTimeout: false } }, 'timeout')).toBe(false);
    expect(alertsFor(job, 'succeeded')).toBe(false);
    expect(alertsFor(job, 'killed')).toBe(false);
  });

  it('keys alerts by run and status', () => {
    expect(alertIdOf('backup@1700000000000#2', 'failed')).toBe('backup@1700000000000#2:failed');
  });

  it('keeps the output tail from a line boundary', () => {
    expect(outputTail('a\nbb\nccc', 5)).toBe('ccc');
    expect(outputTail('short', 10)).toBe('short');
    expect(outputTail(undefined)).toBeUndefined();
  });

  it('signs bodies with HMAC-SHA256 and verifies in constant time', () => {
    const signature = signBody('{"a":1}', 'secret-secret-secret');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('{"a":1}', 'secret-secret-secret', signature)).toBe(true);
    expect(verifySignature('{"a":2}', 'secret-secret-secret', signature)).toBe(false);
    expect(verifySignature('{"a":1}', 'secret-secret-secret', undefined)).toBe(false);
  });
});
