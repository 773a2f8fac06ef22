/**
 * Where the CLI connects (contexts file, environment, flags) and how it behaves on a terminal
 * (tables cut to its width, colour unless NO_COLOR, the delete prompt), against a real master.
 * The terminal is a real pseudo-terminal from util-linux `script`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { freePort } from '../../tools/stack/ports';
import { cli, CliCluster, LAUNCHER, lines, scratchHome, startCluster } from './support/cli';

const TOKEN = 'e2e-cli-contexts-admin-token-0123456789';

/** Runs the CLI on a pseudo-terminal `cols` wide, typing `input`; output with \r\n made \n. */
function onTerminal(
  args: string[],
  env: Record<string, string>,
  cols: number,
  input = '',
): { code: number | null; out: string } {
  const quoted = [process.execPath, LAUNCHER, ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const result = spawnSync(
    'script',
    ['-qec', `stty cols ${cols} rows 40; exec ${quoted}`, '/dev/null'],
    {
      env: { PATH: process.env.PATH ?? '', HOME: scratchHome().home, TERM: 'xterm', ...env },
      input,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { code: result.status, out: result.stdout.replace(/\r\n/g, '\n') };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

describe('cronplane contexts and terminal behaviour', () => {
  let cluster: CliCluster;

  beforeAll(async () => {
    cluster = await startCluster('clictx', TOKEN);
    await cluster.api.post('/api/v1/jobs', { name: 'short', command: 'true', cronExpr: '@daily' });
    await cluster.api.post('/api/v1/jobs', {
      name: 'wordy',
      command: `echo ${'a very long command '.repeat(10)}`,
      cronExpr: '*/5 * * * *',
      enabled: false,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('config set-context/use-context/get-contexts/current-context keep named contexts in a 0600 file, tokens masked', async () => {
    const { config } = scratchHome();
    const env = { CRONPLANE_CONFIG: config };
    // A port just found free: nothing listens there.
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const set = await cli(
      ['config', 'set-context', 'local', '--server', cluster.app.baseUrl, '--token', TOKEN],
      { env },
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toBe(`context "local" saved in ${config} (current)\n`);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const other = await cli(
      ['config', 'set-context', 'elsewhere', '--server', nowhere, '--token', 'other-secret-token'],
      { env },
    );
    expect(other.stdout).toBe(`context "elsewhere" saved in ${config}\n`);
    expect(parse(readFileSync(config, 'utf8'))).toEqual({
      currentContext: 'local',
      contexts: [
        { name: 'local', server: cluster.app.baseUrl, token: TOKEN },
        { name: 'elsewhere', server: nowhere, token: 'other-secret-token' },
      ],
    });
    const listed = await cli(['config', 'get-contexts'], { env });
    expect(listed.code).toBe(0);
    expect(lines(listed.stdout).map((line) => line.split(/\s+/).filter(Boolean))).toEqual([
      ['CURRENT', 'NAME', 'SERVER', 'TOKEN'],
      ['*', 'local', cluster.app.baseUrl, '********'],
      ['elsewhere', nowhere, '********'],
    ]);
    expect(listed.stdout).not.toContain(TOKEN);
    expect(listed.stdout).not.toContain('other-secret-token');
    expect(await cli(['config', 'current-context'], { env })).toMatchObject({
      code: 0,
      stdout: 'local\n',
    });

    // The current context is used: no URL or token anywhere else.
    const jobs = await cli(['get', 'jobs', '-o', 'json'], { env });
    expect(jobs.code).toBe(0);
    expect((JSON.parse(jobs.stdout) as Array<{ name: string }>).map((j) => j.name)).toEqual([
      'short',
      'wordy',
    ]);

    // use-context switches; the file stays 0600.
    expect(await cli(['config', 'use-context', 'elsewhere'], { env })).toMatchObject({
      code: 0,
      stdout: 'switched to context "elsewhere"\n',
    });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect((await cli(['config', 'current-context'], { env })).stdout).toBe('elsewhere\n');
    const refused = await cli(['get', 'jobs'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`cronplane: cannot connect to ${nowhere}: connection refused\n`);

    // --context picks another one for one command; the environment beats the context; a flag
    // beats the environment.
    expect((await cli(['--context', 'local', 'get', 'jobs', '-o', 'json'], { env })).code).toBe(0);
    expect(
      (
        await cli(['get', 'jobs'], {
          env: { ...env, CRONPLANE_URL: cluster.app.baseUrl, CRONPLANE_TOKEN: TOKEN },
        })
      ).code,
    ).toBe(0);
    const flagged = await cli(['get', 'jobs', '--server', nowhere], {
      env: { ...env, CRONPLANE_URL: cluster.app.baseUrl },
    });
    expect(flagged.stderr).toBe(`cronplane: cannot connect to ${nowhere}: connection refused\n`);

    // Unknown contexts are one line.
    const unknown = await cli(['config', 'use-context', 'nope'], { env });
    expect(unknown).toMatchObject({
      code: 1,
      stderr: `cronplane: no context named "nope" in ${config}\n`,
    });
    const unknownFlag = await cli(['--context', 'nope', 'get', 'jobs'], { env });
    expect(unknownFlag).toMatchObject({
      code: 1,
      stderr: `cronplane: no context named "nope" in ${config}\n`,
    });
  });

  it('a context file that is not YAML is one line naming the file', async () => {
    const { config } = scratchHome();
    const write = await cli(['config', 'set-context', 'x', '--server', 'http://h:1'], {
      env: { CRONPLANE_CONFIG: config },
    });
    expect(write.code).toBe(0);
    const bad = `${config}.bad`;
    writeFileSync(bad, 'contexts: [unclosed');
    const result = await cli(['get', 'jobs'], { env: { CRONPLANE_CONFIG: bad } });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^cronplane: ${bad}: not valid YAML`)),
    ]);
  });

  it('on a terminal, tables are cut to its width and coloured; NO_COLOR turns colour off', () => {
    const env = { CRONPLANE_URL: cluster.app.baseUrl, CRONPLANE_TOKEN: TOKEN };
    const { code, out } = onTerminal(['get', 'jobs'], env, 70);
    expect(code).toBe(0);
    const rows = lines(out.replace(ANSI, ''));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(70);
    expect(rows[2]).toMatch(/^wordy .*paused +shell +echo a very long.*…$/);
    expect(out).toMatch(ANSI);
    const plain = onTerminal(['get', 'jobs'], { ...env, NO_COLOR: '1' }, 70);
    expect(plain.code).toBe(0);
    expect(plain.out).not.toMatch(ANSI);
    expect(lines(plain.out)).toEqual(rows);
  });

  it('on a terminal, delete asks: "n" keeps the job, "y" deletes it', async () => {
    const env = { CRONPLANE_URL: cluster.app.baseUrl, CRONPLANE_TOKEN: TOKEN };
    const no = onTerminal(['delete', 'short'], env, 100, 'n\n');
    expect(no.code).toBe(1);
    expect(no.out).toContain('Delete job short? [y/N]');
    expect(no.out).toContain('cronplane: delete: not confirmed, nothing deleted');
    expect((await cluster.api.get('/api/v1/jobs/short')).status).toBe(200);
    const yes = onTerminal(['delete', 'short'], env, 100, 'y\n');
    expect(yes.code).toBe(0);
    expect(yes.out).toContain('job short deleted');
    expect((await cluster.api.get('/api/v1/jobs/short')).status).toBe(404);
  });

  it('completion prints bash and zsh scripts that complete the verbs', async () => {
    const bash = await cli(['completion', 'bash']);
    expect(bash.code).toBe(0);
    const completed = spawnSync(
      'bash',
      [
        '-c',
        `${bash.stdout}\nCOMP_WORDS=(cronplane g); COMP_CWORD=1; _cronplane_complete; echo "\${COMPREPLY[@]}"\nCOMP_WORDS=(cronplane get w); COMP_CWORD=2; _cronplane_complete; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect(completed.status).toBe(0);
    expect(lines(completed.stdout)).toEqual(['get', 'workers']);
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef cronplane\n/);
    expect(zsh.stdout).toContain('compdef _cronplane cronplane');
    const fish = await cli(['completion', 'fish']);
    expect(fish).toMatchObject({
      code: 1,
      stderr: 'cronplane: completion: unknown shell "fish" (expected bash or zsh)\n',
    });
  });
});
