import { RUN_ID_PATTERN, namespaceOfRun } from '../jobs/run-id';
import { childRequest } from './dependency-trigger';

describe('childRequest', () => {
  const end = { job: 'team:a', runId: 'team:a@1000', status: 'succeeded' as const, endedAt: 5000 };

  it('derives the child run id from the parent run id, the same every time', () => {
    const first = childRequest('team:b', end, ['team:a']);
    expect(first.runId).toMatch(/^team:b@5000![0-9a-f]{10}$/);
    expect(childRequest('team:b', end, ['team:a']).runId).toBe(first.runId);
    expect(childRequest('team:b', { ...end, runId: 'team:a@2000' }, []).runId).not.toBe(
      first.runId,
    );
    expect(RUN_ID_PATTERN.test(first.runId)).toBe(true);
    expect(namespaceOfRun(first.runId)).toBe('team');
  });

  it('is a dependency trigger carrying its cause', () => {
    expect(childRequest('team:b', end, ['team:a'])).toMatchObject({
      trigger: 'dependency',
      attempt: 1,
      notBefore: 5000,
      tick: 5000,
      dependency: { job: 'team:a', runId: 'team:a@1000', chain: ['team:a'] },
    });
  });
});
