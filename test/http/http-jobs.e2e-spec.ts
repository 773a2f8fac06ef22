import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { waitUntil } from '../../tools/stack/services';
import { HttpExecutorSpec } from '../../src/jobs/http-job';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { RunDoc, WorkerHarness } from '../worker/worker-harness';

const MIB = 1024 * 1024;

/**
 * HTTP jobs on a real worker against a real local HTTP server (node:http): statuses, timeout,
 * kill mid-body, a 20 MiB body capped, redirects, refused addresses, a server that never answers.
 */
describe('HTTP jobs', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('httpjobs'), stack.mongoUrl, stack.etcdEndpoints);
  const YEARLY = '0 0 1 1 *';
  let worker: AppProcess;
  let server: Server;
  let base = '';
  const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const open = new Set<ServerResponse>();

  const routes = (req: IncomingMessage, res: ServerResponse): void => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', base);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'status') {
      res.writeHead(Number(parts[1]), { 'x-test': 'yes' });
      res.end(`status ${parts[1]}\n`);
    } else if (parts[0] === 'hop') {
      const left = Number(parts[1]);
      if (left === 0) res.end('arrived\n');
      else res.writeHead(302, { location: `/hop/${left - 1}` }).end();
    } else if (parts[0] === 'to-denied') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (parts[0] === 'big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(MIB, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < 20) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    } else if (parts[0] === 'trickle') {
      // Headers and a first part of the body, then nothing more: kill or timeout mid-body.
      open.add(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part\n');
    } else if (parts[0] === 'never') {
      open.add(res); // no answer at all
    } else if (parts[0] === 'echo') {
      res.end(`auth=${req.headers.authorization ?? ''}\n`);
    } else {
      res.writeHead(404).end('not found\n');
    }
  };

  beforeAll(async () => {
    server = createServer(routes);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    worker = await harness.startWorker('hw', {
      SESSION_TTL_SECONDS: '3',
      KILL_GRACE_SECONDS: '1',
      HTTP_JOB_DENY_CIDRS: '127.0.0.2',
    });
  });

  afterAll(async () => {
    await worker?.stop('SIGTERM');
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await harness.close();
  });

  let n = 0;
  /** Puts an HTTP job, triggers one run of it, and returns the run id. */
  const runJob = async (
    executor: Partial<HttpExecutorSpec> & { url: string },
    over: Record<string, unknown> = {},
  ): Promise<string> => {
    n += 1;
    const name = `h${n}`;
    await harness.putJob(
      harness.job(name, {
        cronExpr: YEARLY,
        command: '',
        executor: { type: 'http', method: 'GET', ...executor },
        ...over,
      }),
    );
    const runId = `${name}@1!t`;
    const now = Date.now();
    await harness.put(`trigger/${name}/${runId}`, {
      runId,
      trigger: 'manual',
      attempt: 1,
      notBefore: now,
      tick: now,
      reason: 'test',
    });
    return runId;
  };

  const runOf = async (runId: string, statuses: string[], timeoutMs = 20000): Promise<RunDoc> => {
    let found: RunDoc | undefined;
    await waitUntil(
      async () => {
        [found] = await harness.runs({ runId });
        return found !== undefined && statuses.includes(found.status);
      },
      timeoutMs,
      `run ${runId} to be ${statuses.join('/')}`,
    );
    return found!;
  };

  it('a 2xx succeeds with exit code 0; the output is status line, headers and body; the request names its run', async () => {
    const runId = await runJob({ url: `${base}/status/200` });
    const run = await runOf(runId, ['succeeded']);
    expect(run.exitCode).toBe(0);
    expect(run.output).toMatch(/^HTTP 200 OK\n/);
    expect(run.output).toContain('x-test: yes\n');
    expect(run.output).toMatch(/\n\nstatus 200\n$/);
    const request = seen.find((r) => r.headers['x-cronplane-run-id'] === runId);
    expect(request?.headers['x-cronplane-job']).toBe(runId.split('@')[0]);
    expect(request?.headers['x-cronplane-attempt']).toBe('1');
    expect(Number(request?.headers['x-cronplane-tick'])).toBeGreaterThan(0);
  });

  it('a status outside expectStatus fails with exit code 1; a listed one succeeds', async () => {
    const failed = await runOf(await runJob({ url: `${base}/status/503` }), ['failed']);
    expect(failed.exitCode).toBe(1);
    expect(failed.error).toBe('unexpected status 503 (expected 2xx)');
    expect(failed.output).toMatch(/^HTTP 503 Service Unavailable\n/);
    const listed = await runOf(
      await runJob({ url: `${base}/status/404`, expectStatus: ['2xx', '404'] }),
      ['succeeded', 'failed'],
    );
    expect(listed.status).toBe('succeeded');
    const redirect = await runOf(await runJob({ url: `${base}/hop/1` }), ['succeeded', 'failed']);
    // Not followed (followRedirects 0): the 302 is the answer, outside 2xx.
    expect(redirect.status).toBe('failed');
    expect(redirect.error).toMatch(/unexpected status 302/);
  });

  it('redirects are followed up to followRedirects, and more fail the run', async () => {
    const followed = await runOf(await runJob({ url: `${base}/hop/3`, followRedirects: 3 }), [
      'succeeded',
      'failed',
    ]);
    expect(followed.status).toBe('succeeded');
    expect(followed.output?.match(/^HTTP 302 Found -> /gm)).toHaveLength(3);
    expect(followed.output).toContain('arrived');
    const tooMany = await runOf(await runJob({ url: `${base}/hop/4`, followRedirects: 3 }), [
      'succeeded',
      'failed',
    ]);
    expect(tooMany.status).toBe('failed');
    expect(tooMany.error).toBe('request failed: too many redirects (more than 3)');
  });

  it('refuses link-local, denied and redirected-to-denied addresses with a clear error', async () => {
    const linkLocal = await runOf(
      await runJob({ url: 'http://169.254.169.254/latest/meta-data' }),
      ['failed'],
    );
    expect(linkLocal.error).toMatch(
      /^refused to connect: 169\.254\.169\.254 is a link-local address/,
    );
    const port = new URL(base).port;
    const denied = await runOf(await runJob({ url: `http://127.0.0.2:${port}/status/200` }), [
      'failed',
    ]);
    expect(denied.error).toBe('refused to connect: 127.0.0.2 is in HTTP_JOB_DENY_CIDRS');
    const before = seen.length;
    const viaRedirect = await runOf(
      await runJob({
        url: `${base}/to-denied?to=${encodeURIComponent(`http://127.0.0.2:${port}/status/200`)}`,
        followRedirects: 2,
      }),
      ['failed'],
    );
    expect(viaRedirect.error).toBe('refused to connect: 127.0.0.2 is in HTTP_JOB_DENY_CIDRS');
    // Only the redirecting request reached the server.
    expect(seen.slice(before).map((r) => r.url.split('?')[0])).toEqual(['/to-denied']);
  });

  it('a 20 MiB body is cut at maxResponseBytes and the run still ends', async () => {
    const run = await runOf(
      await runJob({ url: `${base}/big`, maxResponseBytes: 100000 }),
      ['succeeded', 'failed'],
      30000,
    );
    expect(run.status).toBe('succeeded');
    expect(run.truncated).toBe(true);
    const body = (run.output!.split('\n\n')[1] ?? '').split('\n[... response body cut')[0];
    expect(body).toBe('x'.repeat(100000));
    expect(run.output).toContain('[... response body cut at 100000 bytes (maxResponseBytes) ...]');
  });

  it('timeout: a server that never answers, and one that stops mid-body', async () => {
    const never = await runOf(await runJob({ url: `${base}/never` }, { timeoutSeconds: 1 }), [
      'timeout',
    ]);
    expect(never.error).toBe('timed out after 1000 ms');
    const trickle = await runOf(await runJob({ url: `${base}/trickle` }, { timeoutSeconds: 1 }), [
      'timeout',
    ]);
    expect(trickle.output).toContain('first part');
  });

  it('kill mid-body: status killed with the output so far, and retries follow as for shell jobs', async () => {
    const runId = await runJob({ url: `${base}/trickle` });
    await runOf(runId, ['running']);
    await waitUntil(
      () => seen.some((r) => r.headers['x-cronplane-run-id'] === runId),
      10000,
      'the request to arrive',
    );
    await harness.put(`kill/${runId}`, { requestedBy: 'test', at: new Date().toISOString() });
    const killed = await runOf(runId, ['killed'], 10000);
    expect(killed.error).toMatch(/kill requested by test/);
    expect(killed.output).toContain('first part');

    const retried = await runJob(
      { url: `${base}/status/500` },
      { retries: { max: 1, backoffSeconds: 0, factor: 1 } },
    );
    await runOf(retried, ['failed']);
    const job = retried.split('@')[0];
    await waitUntil(
      async () => (await harness.runs({ job, attempt: 2 })).some((r) => r.status === 'failed'),
      20000,
      'the retry to run and fail',
    );
  });
});
