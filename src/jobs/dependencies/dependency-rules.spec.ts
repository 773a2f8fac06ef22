import { dependencyProblems } from './dependency-rules';

describe('dependencyProblems', () => {
  it('accepts parents by name with a known on', () => {
    expect(
      dependencyProblems({
        name: 'c',
        after: [
          { job: 'a', on: 'succeeded' },
          { job: 'b', on: 'completed' },
        ],
      }),
    ).toEqual([]);
    expect(dependencyProblems({ name: 'c' })).toEqual([]);
  });

  it('names the field and the reason', () => {
    expect(
      dependencyProblems({
        name: 'c',
        after: [
          { job: 'a/b', on: 'succeeded' },
          { job: 'a', on: 'sometimes' as never },
          { job: 'a', on: 'failed' },
        ],
      }),
    ).toEqual([
      { field: 'after[0].job', reason: 'must be the name of a job of the same namespace' },
      { field: 'after[1].on', reason: 'must be one of succeeded, failed, completed' },
      { field: 'after[2].job', reason: '"a" is named twice' },
    ]);
    const many = Array.from({ length: 33 }, (_, i) => ({ job: `p${i}`, on: 'succeeded' as const }));
    expect(dependencyProblems({ name: 'c', after: many })).toEqual([
      { field: 'after', reason: 'at most 32 parents' },
    ]);
  });
});
