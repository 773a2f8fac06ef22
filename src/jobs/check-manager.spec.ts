import { DomainError } from './domain-error';
import { checkManager } from './job-write-rules';

describe('changing a managed job', () => {
  const managed = { managedBy: 'git:repo' };

  it('lets anyone change a job nobody manages', () => {
    expect(checkManager('a', undefined, {}, undefined)).toBeUndefined();
    expect(checkManager('a', {}, {}, undefined)).toBeUndefined();
  });

  it('lets the manager change it, by header or by keeping managedBy in the body', () => {
    expect(checkManager('a', managed, { manager: 'git:repo' }, undefined)).toBeUndefined();
    expect(checkManager('a', managed, {}, 'git:repo')).toBeUndefined();
  });

  it('answers the override reason for the audit log', () => {
    expect(checkManager('a', managed, { override: ' INC-1 ' }, undefined)).toBe('INC-1');
  });

  it('refuses anyone else, naming the manager (a blank reason is no override)', () => {
    for (const access of [{}, { manager: 'git:other' }, { override: '  ' }]) {
      let error: unknown;
      try {
        checkManager('a', managed, access, 'git:other');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).kind).toBe('conflict');
      expect((error as DomainError).message).toContain('job "a" is managed by git:repo');
    }
  });
});
