import { mergeRuns } from './run-merge';

const run = (runId: string, tick: number, status = 'succeeded') => ({
  runId,
  tick: new Date(tick),
  status,
});

describe('mergeRuns', () => {
  it('orders outcomes and active records newest first by tick, then run id', () => {
    const merged = mergeRuns(
      [run('a@3', 3), run('b@2', 2), run('a@1', 1)],
      [run('c@4', 4, 'running'), run('b@2x', 2, 'running')],
      10,
    );
    expect(merged.map((r) => r.runId)).toEqual(['c@4', 'a@3', 'b@2x', 'b@2', 'a@1']);
  });

  it('lets an outcome win over an active record of the same run', () => {
    const merged = mergeRuns([run('a@1', 1, 'failed')], [run('a@1', 1, 'lost')], 10);
    expect(merged).toEqual([run('a@1', 1, 'failed')]);
  });

  it('keeps the limit', () => {
    const merged = mergeRuns([run('a@1', 1), run('a@2', 2)], [run('a@3', 3, 'running')], 2);
    expect(merged.map((r) => r.runId)).toEqual(['a@3', 'a@2']);
  });
});
