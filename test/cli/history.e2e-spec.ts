/**
 * `cronplane history` and `cronplane rollback` against a real master: the table, -o json, one
 * version with its diff, a rollback that asks first (refused without --yes when stdin is not a
 * terminal) and one with --yes.
 */
import { cli, CliCluster, startCluster } from './support/cli';

const TOKEN = 'e2e-cli-history-admin-token-0123456789';

describe('cronplane history and rollback', () => {
  let cluster: CliCluster;
  let env: Record<string, string>;

  beforeAll(async () => {
    cluster = await startCluster('clihistory', TOKEN);
    env = cluster.env;
    await cluster.api.post('/api/v1/jobs', {
      name: 'nightly',
      command: 'echo one',
      cronExpr: '0 3 * * *',
    });
    await cluster.api.patch('/api/v1/jobs/nightly', { command: 'echo two' });
    await cluster.api.post('/api/v1/jobs/nightly/pause');
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('history prints version, when, who and action, newest first', async () => {
    const result = await cli(['history', 'nightly'], { env });
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n');
    expect(rows[0].split(/\s{2,}/)).toEqual(['VERSION', 'WHEN', 'WHO', 'ACTION']);
    expect(rows.slice(1).map((row) => row.split(/\s{2,}/).filter((_, i) => i !== 1))).toEqual([
      ['3', 'bootstrap-admin', 'pause'],
      ['2', 'bootstrap-admin', 'update'],
      ['1', 'bootstrap-admin', 'create'],
    ]);
  });

  it('history -o json prints the versions as the API gives them', async () => {
    const result = await cli(['history', 'nightly', '-o', 'json'], { env });
    expect(result.code).toBe(0);
    const versions = JSON.parse(result.stdout) as { version: number; action: string }[];
    expect(versions.map((v) => v.action)).toEqual(['pause', 'update', 'create']);
  });

  it('history --version N prints the version and what changed since', async () => {
    const result = await cli(['history', 'nightly', '--version', '1'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('job nightly version 1: create by bootstrap-admin');
    expect(result.stdout).toContain('  ~ /command: "echo one" → "echo two"');
    expect(result.stdout).toContain('  ~ /enabled: true → false');
  });

  it('rollback asks first, refuses without a terminal, and restores with --yes', async () => {
    const refused = await cli(['rollback', 'nightly', '--version', '1'], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('stdin is not a terminal, pass --yes');
    expect(refused.stderr).toContain('~ /command: "echo one" → "echo two"');
    expect((await cluster.api.get<{ command: string }>('/api/v1/jobs/nightly')).body.command).toBe(
      'echo two',
    );
    const done = await cli(['rollback', 'nightly', '--version', '1', '--yes'], { env });
    expect(done.code).toBe(0);
    expect(done.stdout.trim()).toBe('job nightly rolled back to version 1');
    const job = await cluster.api.get<{ command: string; enabled: boolean }>(
      '/api/v1/jobs/nightly',
    );
    expect(job.body).toMatchObject({ command: 'echo one', enabled: true });
    const history = await cli(['history', 'nightly'], { env });
    expect(history.stdout.split('\n')[1]).toMatch(/^4\s.*rollback to 1$/);
  });

  it('an unknown version is an error naming it', async () => {
    const result = await cli(['history', 'nightly', '--version', '42'], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('has no version 42');
  });
});
