import { diffJobs, fileFields } from './job-fields';

describe('job files: HTTP jobs', () => {
  const job = {
    name: 'ping',
    command: '',
    cronExpr: '@daily',
    executor: { url: 'http://a/', type: 'http', method: 'GET', headers: { b: '1', a: '2' } },
  };

  it('writes the executor in its order, headers sorted, and no empty command', () => {
    const fields = fileFields(job);
    expect(Object.keys(fields)).toEqual(['name', 'executor', 'cronExpr']);
    expect(JSON.stringify(fields.executor)).toBe(
      '{"type":"http","method":"GET","url":"http://a/","headers":{"a":"2","b":"1"}}',
    );
  });

  it('a changed URL or header is a change', () => {
    const after = {
      ...job,
      executor: { ...job.executor, url: 'http://b/', headers: { a: '3', b: '1' } },
    };
    expect(diffJobs(job, after).map((c) => c.field)).toEqual([
      'executor.url',
      'executor.headers.a',
    ]);
  });
});
