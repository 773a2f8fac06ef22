import { DomainError } from '../../jobs/domain-error';
import { JobNamePipe, RunIdPipe, parseIfMatch } from './params';

describe('parseIfMatch', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['*', '*'],
    ['42', 42],
    ['"42"', 42],
    ['W/"42"', 42],
  ])('%j -> %j', (header, expected) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  it.each(['abc', '-1', '4.2', '"42', '1,2'])('%j is a 400 on If-Match', (header) => {
    expect(() => parseIfMatch(header)).toThrow(DomainError);
    try {
      parseIfMatch(header);
    } catch (error) {
      expect((error as DomainError).details[0].field).toBe('If-Match');
    }
  });
});

describe('path parameters', () => {
  it('accept job names and run ids that fit an etcd key segment', () => {
    expect(new JobNamePipe().transform('nightly.report-2')).toBe('nightly.report-2');
    expect(new RunIdPipe().transform('job@1767225600000!ab12#2')).toBe('job@1767225600000!ab12#2');
  });

  it.each(['a/b', '..', 'x'.repeat(129), 'héllo', ''])('refuse the job name %j', (name) => {
    expect(() => new JobNamePipe().transform(name)).toThrow(DomainError);
  });

  it.each(['a/b', 'job@1 2', ''])('refuse the run id %j', (runId) => {
    expect(() => new RunIdPipe().transform(runId)).toThrow(DomainError);
  });
});
