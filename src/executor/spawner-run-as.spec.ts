/**
 * The spawner's start as, with the users every Debian system has (root, nobody): credentials set
 * before exec, HOME/USER/LOGNAME from passwd, the refusals it makes itself, and a spawner that is
 * not root. Users created for the purpose are the e2e's (test/worker/run-as.e2e-spec.ts).
 */
import { execFileSync } from 'node:child_process';
import { AppConfig } from '../config/app-config';
import { ExecutionRequest, ExecutionResult } from './executor';
import { SpawnedRun } from './spawned-run';
import { SPAWNER_BINARY } from './spawner-binary';
import { SpawnerClient } from './spawner-client';
import { SpawnerExecutor } from './spawner.executor';

const isRoot = process.geteuid?.() === 0;
const nobody = (() => {
  try {
    const [, , uid, gid, , home] = execFileSync('getent', ['passwd', 'nobody'], {
      encoding: 'utf8',
    })
      .trim()
      .split(':');
    return { uid: Number(uid), gid: Number(gid), home };
  } catch {
    return undefined;
  }
})();
const describeAsRoot = isRoot && nobody ? describe : describe.skip;
if (!isRoot) {
  console.warn('spawner-run-as.spec: skipped, the test process is not root (CI runs as root)');
}

const request = (over: Partial<ExecutionRequest>): ExecutionRequest => ({
  runId: 'r',
  command: 'true',
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', USER: 'root' },
  timeoutMs: 0,
  killGraceMs: 1000,
  outputCapBytes: 64 * 1024,
  ...over,
});

const ID = 'echo "$(id -u) $(id -g) $(id -G)"; echo "$HOME $USER $LOGNAME"; pwd';

describeAsRoot('spawner: start as, from a root spawner', () => {
  const executor = new SpawnerExecutor(Object.assign(new AppConfig(), { WORKER_SHELL: '/bin/sh' }));
  afterAll(() => executor.onApplicationShutdown());
  const run = (over: Partial<ExecutionRequest>): Promise<ExecutionResult> =>
    executor.start(request(over)).done;
  const asNobody = (identity: string, over: Partial<ExecutionRequest> = {}) =>
    run({ command: ID, runAs: { identity, allowRoot: false }, ...over });

  it('runs as the user: uid, gid, its groups only; HOME, USER, LOGNAME from passwd', async () => {
    const { uid, gid } = nobody!;
    const env = { PATH: '/usr/bin:/bin' }; // as the worker sends it for a run as another user
    for (const identity of ['nobody', String(uid), `nobody:${gid}`]) {
      const result = await asNobody(identity, { env });
      expect(result).toMatchObject({ status: 'succeeded' });
      const [ids, names, cwd] = result.output.trim().split('\n');
      expect(ids).toBe(`${uid} ${gid} ${gid}`);
      expect(names).toBe(`${nobody!.home} nobody nobody`);
      // nobody's home, /nonexistent, does not exist: the command starts in /.
      expect(cwd).toBe('/');
    }
  });

  it('keeps HOME, USER or LOGNAME the request sets', async () => {
    const result = await asNobody('nobody', { env: { PATH: '/usr/bin:/bin', HOME: '/tmp' } });
    expect(result.output.split('\n')[1]).toBe('/tmp nobody nobody');
  });

  it('starts in the home of the user when it can', async () => {
    const result = await run({ command: 'pwd', runAs: { identity: 'root', allowRoot: true } });
    expect(result).toMatchObject({ status: 'succeeded', output: '/root\n' });
  });

  it('feeds stdin and reports exit codes as for any run', async () => {
    const result = await asNobody('nobody', { command: 'cat; exit 3', stdin: 'in\n' });
    expect(result).toMatchObject({ status: 'failed', exitCode: 3, output: 'in\n' });
  });

  it('runs as root only when allowed, whatever name uid 0 goes by', async () => {
    for (const identity of ['root', '0', 'nobody:root', 'nobody:0']) {
      const result = await run({ command: ID, runAs: { identity, allowRoot: false } });
      expect(result.status).toBe('failed');
      expect(result.error).toMatch(
        new RegExp(`^could not start: runAs ${identity}: .*(uid|gid) 0 \\(root\\)|not a member`),
      );
    }
    const allowed = await run({ command: 'id -u', runAs: { identity: '0', allowRoot: true } });
    expect(allowed).toMatchObject({ status: 'succeeded', output: '0\n' });
  });

  it('fails an unknown user or group, or a group the user is not in, with the reason', async () => {
    const cases: Array<[string, string]> = [
      [
        'cronplane-no-such-user',
        'unknown user cronplane-no-such-user (no passwd entry on this worker)',
      ],
      ['4294000000', 'unknown user 4294000000 (no passwd entry on this worker)'],
      [
        'nobody:cronplane-no-such-group',
        'unknown group cronplane-no-such-group (no group entry on this worker)',
      ],
      ['nobody:adm', 'user nobody is not a member of group adm'],
      ['nobody:', 'malformed identity "nobody:": expected user or user:group'],
    ];
    for (const [identity, reason] of cases) {
      const result = await asNobody(identity);
      expect(result).toMatchObject({
        status: 'failed',
        error: `could not start: runAs ${identity}: ${reason}`,
        output: '',
      });
    }
  });

  it('fails a command the user may not execute as an exec failure, not a crash', async () => {
    const result = await asNobody('nobody', { shell: '/root/.cronplane-none' });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^could not start: spawn \/root\/\.cronplane-none E(ACCES|NOENT)/);
    // The spawner lives on: the next run starts.
    expect(await asNobody('nobody')).toMatchObject({ status: 'succeeded' });
  });

  it('gives the command no descriptor beyond stdin, stdout and stderr', async () => {
    const result = await asNobody('nobody', { command: 'ls /proc/self/fd' });
    // 0-2, and the descriptor ls reads the directory with.
    expect(result.output.trim().split('\n').map(Number).sort()).toEqual([0, 1, 2, 3]);
  });
});

describeAsRoot('spawner: start as, from a spawner that is not root', () => {
  const { uid, gid } = nobody ?? { uid: 0, gid: 0 };
  // The same binary, started as nobody.
  const client = new SpawnerClient({
    file: '/usr/bin/setpriv',
    args: [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', SPAWNER_BINARY],
  });
  afterAll(() => client.close());
  const run = (identity: string): Promise<ExecutionResult> => {
    const req = request({ command: 'id -u; pwd', runAs: { identity, allowRoot: false } });
    const spec = { file: '/bin/sh', args: ['-c', req.command], env: req.env, runAs: req.runAs };
    return new SpawnedRun(req, spec, client).done;
  };

  it('runs a command as its own user without changing credentials (home or /)', async () => {
    expect(await run('nobody')).toMatchObject({ status: 'succeeded', output: `${uid}\n/\n` });
  });

  it('fails any other identity: it cannot change users', async () => {
    const result = await run('root');
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(
      /^could not start: runAs root: user root is uid 0 \(root\), which this run may not use$/,
    );
    const other = await run('daemon');
    expect(other.error).toBe(
      `could not start: runAs daemon: this worker is not root (uid ${uid}, gid ${gid}): it runs commands only as itself, not as uid 1 gid 1`,
    );
  });
});
