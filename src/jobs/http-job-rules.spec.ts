import { JOB_DEFAULTS, JobSpec } from './job.model';
import { buildSpec, specProblems } from './job-spec';
import { JobInput } from './job-input';

const TIMES = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' };
const build = (input: JobInput, base: Partial<JobSpec> = JOB_DEFAULTS): JobSpec =>
  buildSpec('job', { cronExpr: '@daily', ...input }, base as JobSpec, TIMES, 'standard');
const fields = (spec: JobSpec): string[] => specProblems(spec).map((p) => p.field);

describe('HTTP jobs: building and rules', () => {
  it('stores an http executor with GET by default and statuses as strings, and no command', () => {
    const spec = build({
      executor: { type: 'http', url: 'https://example.com/x', expectStatus: [204, '3xx'] },
    });
    expect(spec.command).toBe('');
    expect(spec.executor).toEqual({
      type: 'http',
      method: 'GET',
      url: 'https://example.com/x',
      expectStatus: ['204', '3xx'],
    });
    expect(specProblems(spec)).toEqual([]);
  });

  it('a patch keeps the executor, {type: shell} removes it, becoming http drops the command', () => {
    const http = build({ executor: { type: 'http', url: 'http://sink/' } });
    expect(build({ description: 'x' }, http).executor?.url).toBe('http://sink/');
    const shell = build({ executor: { type: 'shell' }, command: 'true' }, http);
    expect(shell.executor).toBeUndefined();
    expect(shell.command).toBe('true');
    expect(
      build({ executor: { type: 'http', url: 'http://a/' } }, build({ command: 'true' })).command,
    ).toBe('');
    // A shell job still needs its command.
    expect(fields(build({}))).toEqual(['command']);
  });

  it('names each bad field', () => {
    const spec = build({
      executor: {
        type: 'http',
        method: 'FETCH' as 'GET',
        url: 'ftp://x/',
        headers: { 'Bad Name': 'v' },
        expectStatus: ['2xx', '700'],
        followRedirects: 11,
        maxResponseBytes: -1,
      },
      shell: '/bin/bash',
      env: { A: '1' },
    });
    expect(fields(spec).sort()).toEqual(
      [
        'env',
        'executor.expectStatus',
        'executor.followRedirects',
        'executor.headers',
        'executor.maxResponseBytes',
        'executor.method',
        'executor.url',
        'shell',
      ].sort(),
    );
    const withCommand = build({ command: 'true', executor: { type: 'http', url: 'http://a/' } });
    expect(fields(withCommand)).toEqual(['command']);
  });

  it('refuses credentials in the URL, reserved headers and header injection; allows secretRefs', () => {
    const problems = (url: string, headers: Record<string, unknown>) =>
      specProblems(build({ executor: { type: 'http', url, headers } as never })).map(
        (p) => p.reason,
      );
    expect(problems('https://u:p@example.com/', {})[0]).toMatch(/credentials/);
    expect(problems('https://example.com/', { Host: 'x' })[0]).toMatch(/set by the worker/);
    expect(problems('https://example.com/', { 'X-Cronplane-Run-Id': 'x' })[0]).toMatch(
      /set by the worker/,
    );
    expect(problems('https://example.com/', { A: 'x\r\nB: y' })[0]).toMatch(/line breaks/);
    expect(problems('https://example.com/', { A: { secretRef: 'a/b' } })[0]).toMatch(/secretRef/);
    expect(problems('https://example.com/', { Authorization: { secretRef: 'api-token' } })).toEqual(
      [],
    );
  });
});
