import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { waitUntil } from '../../tools/stack/services';
import { ApiClient, ErrorBody } from '../api/api-client';
import { AppProcess, startApp } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { RunDoc, WorkerHarness } from './worker-harness';

/**
 * runAs against the real stack: users and a group created here (useradd), jobs created through
 * the master's API, run by a root worker whose default namespace lists one of the users. The
 * command reports the uid, gid, groups and HOME it sees; refusals and failures to resolve the
 * identity are failed runs with the reason in the record (and, for a refusal, the live output).
 */
const isRoot = process.geteuid?.() === 0;
const describeAsRoot = isRoot ? describe : describe.skip;
if (!isRoot) {
  console.warn('run-as.e2e-spec: skipped, creating users needs root (CI runs the tests as root)');
}

const ADMIN = 'e2e-admin-token-run-as-0123456789';
const SUFFIX = randomBytes(3).toString('hex');
const USER = `cpras${SUFFIX}`; // listed by the namespace
const OTHER = `cpraso${SUFFIX}`; // a real user it does not list
const GROUP = `cprasg${SUFFIX}`; // a supplementary group of USER
const GHOST = `cprasx${SUFFIX}`; // listed, but no such user on the worker
const HOME = `/tmp/cronplane-runas-${SUFFIX}`;

function sh(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8' }).trim();
}

describeAsRoot('runAs: a root worker runs commands as real users, and refuses what it must', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('runas'), stack.mongoUrl, stack.etcdEndpoints);
  let master: AppProcess | undefined;
  let worker: AppProcess | undefined;
  let api: ApiClient;
  let mongo: MongoClient | undefined;
  const ids = { uid: 0, gid: 0, group: 0 };

  beforeAll(async () => {
    sh('groupadd', ['--system', GROUP]);
    sh('useradd', [
      ...['--system', '--user-group', '--groups', GROUP, '--shell', '/usr/sbin/nologin'],
      ...['--create-home', '--home-dir', HOME, USER],
    ]);
    sh('useradd', ['--system', '--user-group', '--no-create-home', OTHER]);
    ids.uid = Number(sh('id', ['-u', USER]));
    ids.gid = Number(sh('id', ['-g', USER]));
    ids.group = Number(sh('getent', ['group', GROUP]).split(':')[2]);
    master = await startApp(harness.env({ ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }));
    api = new ApiClient(master.baseUrl, ADMIN);
    worker = await harness.startWorker('wr', {
      DEFAULT_NAMESPACE_RUN_AS_USERS: `${USER},${GHOST}`,
    });
  });

  afterAll(async () => {
    await harness.pauseJobs().catch(() => undefined);
    await Promise.all([worker?.stop('SIGTERM'), master?.stop('SIGTERM')]);
    await mongo?.close();
    await harness.close();
    for (const user of [USER, OTHER]) {
      try {
        execFileSync('userdel', ['--remove', user], { stdio: 'ignore' });
      } catch {
        // not created
      }
    }
    for (const group of [GROUP]) {
      try {
        execFileSync('groupdel', [group], { stdio: 'ignore' });
      } catch {
        // not created, or removed with the user
      }
    }
  });

  const REPORT =
    'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME user=$USER pwd=$(pwd)"';
  let runs = 0;

  /** Creates the job through the API, runs it once, and returns its final record. */
  async function runJob(name: string, runAs: string, command = REPORT): Promise<RunDoc> {
    const created = await api.post('/api/v1/jobs', {
      name,
      command,
      cronExpr: '0 0 1 1 *',
      runAs,
    });
    expect(created.status).toBe(201);
    const now = Date.now();
    const runId = `${name}@${now}!m${++runs}`;
    await harness.put(`trigger/${name}/${runId}`, {
      runId,
      trigger: 'manual',
      attempt: 1,
      notBefore: now,
      tick: now,
      reason: 'test',
    });
    let found: RunDoc | undefined;
    await waitUntil(
      async () => {
        [found] = await harness.runs({ runId });
        return found !== undefined && found.status !== 'running';
      },
      20000,
      `run ${runId} to end`,
    );
    return found!;
  }

  async function liveOutput(runId: string): Promise<string> {
    mongo ??= new MongoClient(stack.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    const chunks = await mongo
      .db(harness.id)
      .collection<{ seq: number; data: string }>('run_output')
      .find({ runId })
      .sort({ seq: 1 })
      .toArray();
    return chunks.map((c) => c.data).join('');
  }

  it('stores and shows runAs, and refuses a malformed one with 400 naming the field', async () => {
    for (const runAs of ['alice:', '-alice', 'a:b:c', 'al ice', 42]) {
      const reply = await api.post<ErrorBody>('/api/v1/jobs', {
        name: 'bad-runas',
        command: 'true',
        cronExpr: '0 0 1 1 *',
        runAs,
      });
      expect(reply.status).toBe(400);
      expect(reply.body.details).toContainEqual({
        field: 'runAs',
        reason: expect.stringMatching(/^must be user or user:group/),
      });
    }
    const created = await api.post('/api/v1/jobs', {
      name: 'shown',
      command: 'true',
      cronExpr: '0 0 1 1 *',
      runAs: `${USER}:${GROUP}`,
    });
    expect(created.status).toBe(201);
    const shown = await api.get<{ runAs?: string }>('/api/v1/jobs/shown');
    expect(shown.body.runAs).toBe(`${USER}:${GROUP}`);
  });

  it('runs as the user: its uid, its group, its supplementary groups, its home', async () => {
    const run = await runJob('as-user', USER);
    expect(run).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(run.output).toBe(
      `uid=${ids.uid} gid=${ids.gid} groups=${ids.gid} ${ids.group} home=${HOME} user=${USER} pwd=${HOME}\n`,
    );
  });

  it('runs as user:group with that group as its gid, keeping the user groups', async () => {
    const run = await runJob('as-group', `${USER}:${GROUP}`);
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(run.output).toBe(
      `uid=${ids.uid} gid=${ids.group} groups=${ids.group} ${ids.gid} home=${HOME} user=${USER} pwd=${HOME}\n`,
    );
  });

  it('compares a numeric uid as written: one the namespace does not list is refused', async () => {
    const run = await runJob('as-uid', String(ids.uid), 'id -u');
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      `runAs ${ids.uid} refused: namespace default does not list user ${ids.uid} (it lists ${USER}, ${GHOST})`,
    );
  });

  it('refuses root: the namespace does not allow it (record, live output)', async () => {
    const run = await runJob('as-root', 'root', 'id -u');
    expect(run).toMatchObject({
      status: 'failed',
      error: 'runAs root refused: namespace default does not allow running as root',
      output: '',
    });
    expect(await liveOutput(run.runId)).toBe(
      'cronplane: runAs root refused: namespace default does not allow running as root\n',
    );
  });

  it('refuses a real user the namespace does not list', async () => {
    const run = await runJob('as-other', OTHER, 'id -u');
    expect(run).toMatchObject({
      status: 'failed',
      error: `runAs ${OTHER} refused: namespace default does not list user ${OTHER} (it lists ${USER}, ${GHOST})`,
    });
    expect(await liveOutput(run.runId)).toMatch(/^cronplane: runAs .* refused: /);
  });

  it('fails a listed user that does not exist on the worker, with the reason', async () => {
    const run = await runJob('as-ghost', GHOST, 'id -u');
    expect(run).toMatchObject({
      status: 'failed',
      error: `could not start: runAs ${GHOST}: unknown user ${GHOST} (no passwd entry on this worker)`,
      output: '',
    });
  });

  it('fails a group the user is not in, and the worker goes on running jobs', async () => {
    const run = await runJob('as-foreign-group', `${USER}:${OTHER}`, 'id -u');
    expect(run).toMatchObject({
      status: 'failed',
      error: `could not start: runAs ${USER}:${OTHER}: user ${USER} is not a member of group ${OTHER}`,
    });
    expect(await runJob('after', USER, 'id -u')).toMatchObject({
      status: 'succeeded',
      output: `${ids.uid}\n`,
    });
  });
});
