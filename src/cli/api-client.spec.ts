import { ApiClient, describeApiError, describeNetworkError } from './api-client';

describe('ApiClient helpers', () => {
  it("names the API's fields and reasons, with the status", () => {
    const body = {
      statusCode: 400,
      message: 'cronExpr: bad',
      details: [
        { field: 'cronExpr', reason: 'expected 5 fields' },
        { field: 'retries.max', reason: 'must be >= 0' },
      ],
    };
    expect(describeApiError(400, 'Bad Request', body)).toBe(
      'cronExpr: expected 5 fields; retries.max: must be >= 0 (HTTP 400)',
    );
    expect(describeApiError(404, 'Not Found', { message: 'job "x" not found' })).toBe(
      'job "x" not found (HTTP 404)',
    );
    expect(describeApiError(502, 'Bad Gateway', '<html>')).toBe('<html> (HTTP 502)');
    expect(describeApiError(500, '', undefined)).toBe('request failed (HTTP 500)');
  });

  it('says which URL could not be reached, and why', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED' },
    });
    expect(describeNetworkError('http://h:1', refused)).toBe(
      'cannot connect to http://h:1: connection refused',
    );
    const dns = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    expect(describeNetworkError('http://h:1', dns)).toBe(
      'cannot connect to http://h:1: unknown host',
    );
    expect(
      describeNetworkError('http://h:1', Object.assign(new Error('x'), { name: 'TimeoutError' })),
    ).toBe('no answer from http://h:1 (timed out)');
  });

  it('builds URLs with repeated and left-out query parameters', () => {
    const client = new ApiClient({ url: 'http://h:1/' });
    expect(
      client.buildUrl('/api/v1/jobs', { label: ['a=1', 'b=2'], prefix: undefined, limit: 5 }),
    ).toBe('http://h:1/api/v1/jobs?label=a%3D1&label=b%3D2&limit=5');
  });
});

describe('ApiClient namespaces', () => {
  it('sends job and run paths of another namespace under /api/v1/namespaces/<ns>', () => {
    const client = new ApiClient({ url: 'http://m:8070/', namespace: 'team-a' });
    expect(client.buildUrl('/api/v1/jobs')).toBe('http://m:8070/api/v1/namespaces/team-a/jobs');
    expect(client.buildUrl('/api/v1/jobs/etl/run')).toBe(
      'http://m:8070/api/v1/namespaces/team-a/jobs/etl/run',
    );
    expect(client.buildUrl('/api/v1/runs/x', { a: 1 })).toBe(
      'http://m:8070/api/v1/namespaces/team-a/runs/x?a=1',
    );
    expect(client.buildUrl('/api/v1/workers')).toBe('http://m:8070/api/v1/workers');
    expect(client.buildUrl('/api/v1/jobsx')).toBe('http://m:8070/api/v1/jobsx');
    expect(new ApiClient({ url: 'http://m' }).buildUrl('/api/v1/jobs')).toBe(
      'http://m/api/v1/jobs',
    );
  });
});
