import { waitUntil } from '../../tools/stack/services';
import { appEnv, isolationId } from '../support/env';
import { AppProcess, startApp } from '../support/app-process';
import { getJson } from '../support/http';

interface ClusterView {
  leader: { id: string; since: string } | null;
  masters: { id: string; leader: boolean }[];
}

const TOKEN = 'test-admin-token-0123456789';
const TTL_SECONDS = 3;

describe('master leader election', () => {
  const id = isolationId('election');
  const masters: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(masters.map((m) => m.stop('SIGKILL')));
  });

  async function cluster(app: AppProcess): Promise<ClusterView> {
    const { status, body } = await getJson<ClusterView>(`${app.baseUrl}/api/v1/cluster`, TOKEN);
    if (status !== 200) throw new Error(`GET /api/v1/cluster: ${status}`);
    return body;
  }

  it('elects one leader; after SIGKILL of the leader the other leads within two TTLs', async () => {
    for (const name of ['master-a', 'master-b']) {
      masters.push(
        await startApp(
          appEnv(id, {
            ROLE: 'master',
            WORKER_ID: name,
            SESSION_TTL_SECONDS: String(TTL_SECONDS),
            CRON_ADMIN_TOKEN: TOKEN,
          }),
        ),
      );
    }
    let view: ClusterView | undefined;
    await waitUntil(
      async () => {
        view = await cluster(masters[0]);
        return view.leader !== null && view.masters.length === 2;
      },
      20000,
      'a leader and two masters',
    );
    expect(view?.masters.filter((m) => m.leader)).toHaveLength(1);
    const leaderId = view!.leader!.id;
    const leader = masters.find((_, i) => ['master-a', 'master-b'][i] === leaderId)!;
    const survivor = masters.find((m) => m !== leader)!;
    const survivorId = leaderId === 'master-a' ? 'master-b' : 'master-a';

    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    await waitUntil(
      async () => (await cluster(survivor)).leader?.id === survivorId,
      4 * TTL_SECONDS * 1000,
      'the survivor to lead',
    );
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs).toBeLessThan(2 * TTL_SECONDS * 1000);
    const after = await cluster(survivor);
    expect(after.masters.map((m) => m.id)).toEqual([survivorId]);
    expect(survivor.logs().some((line) => line.msg === 'became leader')).toBe(true);
    process.stdout.write(`leader failover took ${failoverMs} ms (TTL ${TTL_SECONDS} s)\n`);
  });

  it('a leader that stops gracefully resigns at once', async () => {
    const survivor = masters.find((m) => m.child.exitCode === null && m.child.signalCode === null)!;
    const next = await startApp(
      appEnv(id, {
        ROLE: 'master',
        WORKER_ID: 'master-c',
        SESSION_TTL_SECONDS: String(TTL_SECONDS),
        CRON_ADMIN_TOKEN: TOKEN,
      }),
    );
    masters.push(next);
    await waitUntil(
      async () => (await cluster(next)).masters.length === 2,
      10000,
      'master-c registered',
    );
    const stoppedAt = Date.now();
    expect(await survivor.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await waitUntil(
      async () => (await cluster(next)).leader?.id === 'master-c',
      10000,
      'master-c to lead',
    );
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_SECONDS * 1000);
  });
});
