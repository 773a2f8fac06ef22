/**
 * How the CLI is installed: `npx cronplane` in a checkout (built, and without dist/ through tsx),
 * and the image's `cronplane` on PATH, which the Dockerfile links to the launcher and which runs
 * dist/ alone (the image has no src/). No Docker engine runs here: the image's layout is rebuilt
 * in a scratch directory from what the Dockerfile copies.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { instructions, readDockerfile } from '../deploy/support/dockerfile';
import { CliCluster, CliResult, lines, ROOT, scratchHome, startCluster } from './support/cli';

const TOKEN = 'e2e-cli-packaging-admin-token-0123456789';

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: {
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        HOME: scratchHome().home,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const jobNames = (result: CliResult): string[] =>
  (JSON.parse(result.stdout) as Array<{ name: string }>).map((job) => job.name);

describe('cronplane packaging', () => {
  let cluster: CliCluster;

  beforeAll(async () => {
    cluster = await startCluster('clipkg', TOKEN);
    await cluster.api.post('/api/v1/jobs', {
      name: 'packaged',
      command: 'true',
      cronExpr: '@daily',
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('package.json names bin/cronplane.js, an executable launcher', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(join(ROOT, 'package.json')) as { bin?: Record<string, string> };
    expect(pkg.bin).toEqual({ cronplane: 'bin/cronplane.js' });
    expect(statSync(join(ROOT, 'bin', 'cronplane.js')).mode & 0o111).toBe(0o111);
  });

  it('npx cronplane works in the (built) checkout', async () => {
    expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js'))).toBe(true);
    const result = await run(
      'npx',
      ['--no-install', 'cronplane', 'get', 'jobs', '-o', 'json'],
      ROOT,
      cluster.env,
    );
    expect(result.code).toBe(0);
    expect(jobNames(result)).toEqual(['packaged']);
  });

  it('npx cronplane works in a checkout without dist/ (through tsx)', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'cronplane-checkout-'));
    copyFileSync(join(ROOT, 'package.json'), join(checkout, 'package.json'));
    mkdirSync(join(checkout, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'cronplane.js'), join(checkout, 'bin', 'cronplane.js'));
    symlinkSync(join(ROOT, 'src'), join(checkout, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    expect(existsSync(join(checkout, 'dist'))).toBe(false);
    const result = await run(
      'npx',
      ['--no-install', 'cronplane', 'get', 'jobs', '-o', 'json'],
      checkout,
      cluster.env,
    );
    expect(result.code).toBe(0);
    expect(jobNames(result)).toEqual(['packaged']);
    const version = await run('npx', ['--no-install', 'cronplane', '--version'], checkout, {});
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('the image puts the launcher on PATH as `cronplane`, and it runs from dist/ alone', async () => {
    const stages = readDockerfile();
    const runtime = stages[stages.length - 1];
    const copies = instructions(runtime, 'COPY').map((copy) => copy.args);
    expect(copies).toContain('bin/cronplane.js ./bin/');
    expect(copies).toContain('/app/dist ./dist');
    expect(instructions(runtime, 'WORKDIR').map((w) => w.args)).toEqual(['/app']);
    const link = instructions(runtime, 'RUN')
      .map((r) => /\bln -s (\S+) (\S+)/.exec(r.args))
      .find((match) => match !== null);
    expect(link?.slice(1)).toEqual(['/app/bin/cronplane.js', '/usr/local/bin/cronplane']);

    // The image's layout: /app with package.json, node_modules, dist and bin; no src.
    const image = mkdtempSync(join(tmpdir(), 'cronplane-image-'));
    const app = join(image, 'app');
    mkdirSync(join(app, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    copyFileSync(join(ROOT, 'bin', 'cronplane.js'), join(app, 'bin', 'cronplane.js'));
    symlinkSync(join(ROOT, 'dist'), join(app, 'dist'));
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
    const binDir = join(image, 'usr', 'local', 'bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(join(app, 'bin', 'cronplane.js'), join(binDir, 'cronplane'));
    const env = { ...cluster.env, PATH: `${binDir}:${dirname(process.execPath)}:/usr/bin:/bin` };
    const result = await run('cronplane', ['get', 'jobs'], app, env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((line) => line.split(/\s+/)[0])).toEqual(['NAME', 'packaged']);

    // `kubectl exec deploy/cronplane-master -- cronplane get jobs`: nothing but the master's own
    // environment (ROLE, PORT, CRON_ADMIN_TOKEN) tells the CLI where and who to be.
    const masterEnv = {
      PATH: env.PATH,
      ROLE: 'master',
      PORT: String(cluster.app.port),
      CRON_ADMIN_TOKEN: TOKEN,
    };
    const inPod = await run('cronplane', ['get', 'jobs', '-o', 'json'], app, masterEnv);
    expect(inPod.stderr).toBe('');
    expect(jobNames(inPod)).toEqual(['packaged']);
  });
});
