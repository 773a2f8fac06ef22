/**
 * Backfills against the real stack (ROLE=all): the job's command appends its tick and run id to
 * a ledger file, so the ledger, not the API, says what ran. A job that fires every 5 s runs for a
 * while; a backfill of the last two minutes then runs each tick before the job existed once and
 * leaves the ticks the job ran alone. Also: validation errors name their field, and a cancel
 * stops a backfill.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, eventually } from '../api/api-client';
import { cli, scratchHome } from '../cli/support/cli';

const ADMIN = 'e2e-admin-token-backfill-0123456789';

interface Progress {
  total: number;
  pending: number;
  queued: number;
  ran: number;
  failed: number;
  skippedAlreadyRan: number;
  cancelled: number;
}
interface Backfill {
  id: string;
  status: string;
  progress: Progress;
}

function ledger(file: string): { tick: number; runId: string }[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [tick, runId] = line.split(' ');
      return { tick: Number(tick), runId };
    });
}

describe('backfill', () => {
  let app: AppProcess;
  let api: ApiClient;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronplane-backfill-'));
    app = await startApp(
      appEnv(isolationId('backfill'), {
        ROLE: 'all',
        CRON_ADMIN_TOKEN: ADMIN,
        SESSION_TTL_SECONDS: '3',
        BACKFILL_SETTLE_SECONDS: '5',
      }),
    );
    api = new ApiClient(app.baseUrl, ADMIN);
    await eventually(
      async () => ((await api.get<unknown[]>('/api/v1/workers')).body ?? []).length === 1,
      20000,
    );
  });

  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each tick of the range once: those before the job existed, not those it ran', async () => {
    const file = join(dir, 'every5.ledger');
    const created = await api.post('/api/v1/jobs', {
      name: 'every5',
      command: `echo "$CRON_TICK $CRON_RUN_ID" >> ${file}`,
      cronExpr: '*/5 * * * * *',
    });
    expect(created.status).toBe(201);
    await eventually(async () => ledger(file).length >= 3, 30000);
    const now = Date.now();
    const from = new Date(Math.floor((now - 120_000) / 1000) * 1000).toISOString();
    const to = new Date(now - 1000).toISOString();
    const ranBefore = ledger(file).filter((e) => e.tick <= Date.parse(to)).length;
    const accepted = await api.post<Backfill>('/api/v1/jobs/every5/backfill', {
      from,
      to,
      concurrency: 5,
      ratePerSecond: 20,
    });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id;
    const total = accepted.body.progress.total;
    let view: Backfill | undefined;
    await eventually(async () => {
      view = (await api.get<Backfill>(`/api/v1/backfills/${id}`)).body;
      return view.status === 'done';
    }, 60000);
    const expected: number[] = [];
    for (let t = Date.parse(from); t <= Date.parse(to); t += 1000)
      if (t % 5000 === 0) expected.push(t);
    expect(total).toBe(expected.length);
    const inRange = ledger(file).filter(
      (e) => e.tick >= Date.parse(from) && e.tick <= Date.parse(to),
    );
    const ticks = inRange.map((e) => e.tick).sort((a, b) => a - b);
    console.log(
      `backfill ${id}: ${total} ticks, ran ${view?.progress.ran}, skipped as already run ${view?.progress.skippedAlreadyRan}, ledger lines in range ${inRange.length}`,
    );
    expect(ticks).toEqual(expected);
    expect(new Set(inRange.map((e) => e.runId)).size).toBe(inRange.length);
    expect(inRange.every((e) => e.runId === `every5@${e.tick}`)).toBe(true);
    expect(view?.progress).toMatchObject({ total, pending: 0, queued: 0, failed: 0, cancelled: 0 });
    expect((view?.progress.ran ?? 0) + (view?.progress.skippedAlreadyRan ?? 0)).toBe(total);
    expect(ranBefore).toBeGreaterThanOrEqual(2);
    expect(view?.progress.skippedAlreadyRan).toBeGreaterThanOrEqual(ranBefore);
    const runs = await api.get<{ items: { runId: string; trigger: string }[] }>(
      '/api/v1/jobs/every5/runs?limit=100',
    );
    expect(runs.body.items.filter((r) => r.trigger === 'backfill')).toHaveLength(
      view?.progress.ran ?? -1,
    );
    // A second backfill of the same range finds everything run.
    const again = await api.post<Backfill>('/api/v1/jobs/every5/backfill', {
      from,
      to,
      ratePerSecond: 50,
    });
    await eventually(async () => {
      view = (await api.get<Backfill>(`/api/v1/backfills/${again.body.id}`)).body;
      return view.status === 'done';
    }, 30000);
    expect(view?.progress).toMatchObject({ ran: 0, skippedAlreadyRan: total });
    const after = ledger(file).filter(
      (e) => e.tick >= Date.parse(from) && e.tick <= Date.parse(to),
    );
    expect(after).toHaveLength(expected.length);
    await api.delete('/api/v1/jobs/every5');
  });

  it('refuses bad input with 4xx naming the field', async () => {
    expect(
      (await api.post('/api/v1/jobs', { name: 'hourly', command: 'true', cronExpr: '0 * * * *' }))
        .status,
    ).toBe(201);
    const now = Date.now();
    const iso = (t: number): string => new Date(t).toISOString();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ to: iso(now - 1000) }, 400, 'from'],
      [{ from: iso(now - 3_600_000), to: iso(now + 3_600_000) }, 400, 'to'],
      [{ from: iso(now - 1000), to: iso(now - 7_200_000) }, 400, 'from'],
      [{ from: iso(now - 86_400_000), to: iso(now), maxRuns: 3 }, 400, 'maxRuns'],
      [{ from: iso(now - 86_400_000), to: iso(now), concurrency: 0 }, 400, 'concurrency'],
      [{ from: iso(now - 86_400_000), to: iso(now), ratePerSecond: 'fast' }, 400, 'ratePerSecond'],
      [{ from: 'yesterday', to: iso(now) }, 400, 'from'],
    ];
    for (const [body, status, field] of cases) {
      const reply = await api.post<{ details?: { field: string }[] }>(
        '/api/v1/jobs/hourly/backfill',
        body,
      );
      expect({ body, status: reply.status }).toEqual({ body, status });
      expect(reply.body.details?.map((d) => d.field)).toContain(field);
    }
    const unknown = await api.post('/api/v1/jobs/nope/backfill', {
      from: iso(now - 1000),
      to: iso(now),
    });
    expect(unknown.status).toBe(404);
    expect((await api.get('/api/v1/backfills/bf-zz-00000000')).status).toBe(404);
    const viewer = await api.post<{ token: string }>('/api/v1/tokens', {
      name: 'v',
      role: 'viewer',
    });
    if (viewer.status === 201) {
      const refused = await api
        .withToken(viewer.body.token)
        .post('/api/v1/jobs/hourly/backfill', { from: iso(now - 1000), to: iso(now) });
      expect(refused.status).toBe(403);
    }
  });

  it('a cancel stops the backfill: no trigger after it', async () => {
    const file = join(dir, 'minutely.ledger');
    expect(
      (
        await api.post('/api/v1/jobs', {
          name: 'minutely',
          command: `echo "$CRON_TICK $CRON_RUN_ID" >> ${file}`,
          cronExpr: '* * * * *',
          enabled: false,
        })
      ).status,
    ).toBe(201);
    // Ten ticks from before the job existed, one trigger every 10 s.
    const now = Date.now();
    const accepted = await api.post<Backfill>('/api/v1/jobs/minutely/backfill', {
      from: new Date(now - 10 * 60_000).toISOString(),
      to: new Date(now - 1000).toISOString(),
      ratePerSecond: 0.1,
    });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id;
    await eventually(async () => ledger(file).length >= 1, 30000);
    const cancel = await api.post<Backfill>(`/api/v1/backfills/${id}/cancel`);
    expect(cancel.status).toBe(202);
    let view: Backfill | undefined;
    await eventually(async () => {
      view = (await api.get<Backfill>(`/api/v1/backfills/${id}`)).body;
      return view.status === 'cancelled';
    }, 30000);
    const atCancel = ledger(file).length;
    await new Promise((done) => setTimeout(done, 15000));
    const later = ledger(file);
    view = (await api.get<Backfill>(`/api/v1/backfills/${id}`)).body;
    console.log(`cancelled backfill: ${JSON.stringify(view.progress)}; ledger ${later.length}`);
    expect(later).toHaveLength(atCancel);
    expect(later.length).toBeLessThan(view.progress.total);
    expect(view.progress.ran + view.progress.cancelled + view.progress.pending).toBe(
      view.progress.total,
    );
    expect(view.progress.ran).toBe(later.length);
    const list = await api.get<Backfill[]>('/api/v1/backfills?job=minutely');
    expect(list.body.map((b) => b.id)).toEqual([id]);
  });

  it('the CLI starts, lists and cancels backfills, with one-line errors', async () => {
    const { home, config } = scratchHome();
    const env = {
      HOME: home,
      CRONPLANE_CONFIG: config,
      CRONPLANE_URL: app.baseUrl,
      CRONPLANE_TOKEN: ADMIN,
    };
    expect(
      (
        await api.post('/api/v1/jobs', {
          name: 'viacli',
          command: 'true',
          cronExpr: '* * * * *',
          enabled: false,
        })
      ).status,
    ).toBe(201);
    const now = Date.now();
    const from = new Date(now - 5 * 60_000).toISOString();
    const to = new Date(now - 1000).toISOString();
    const started = await cli(
      ['backfill', 'viacli', '--from', from, '--to', to, '--rate', '0.1/s', '-o', 'json'],
      { env },
    );
    expect(started.code).toBe(0);
    const item = JSON.parse(started.stdout) as Backfill[];
    expect(item[0]).toMatchObject({ status: 'running', progress: { total: 5 } });
    const listed = await cli(['get', 'backfills', '--job', 'viacli', '-o', 'json'], { env });
    expect((JSON.parse(listed.stdout) as Backfill[]).map((b) => b.id)).toEqual([item[0].id]);
    const cancelled = await cli(['backfill', 'cancel', item[0].id, '-o', 'json'], { env });
    expect(cancelled.code).toBe(0);
    expect((JSON.parse(cancelled.stdout) as Backfill[])[0].status).toBe('cancelling');
    const bad = await cli(['backfill', 'viacli', '--from', to, '--to', from], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('from');
    const rate = await cli(['backfill', 'viacli', '--from', from, '--to', to, '--rate', 'fast'], {
      env,
    });
    expect(rate.code).not.toBe(0);
    expect(rate.stderr).toContain('--rate');
  });
});
