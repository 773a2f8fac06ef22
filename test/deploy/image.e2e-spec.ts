/**
 * The container image, without a Docker engine (none runs on these machines): the Dockerfile's
 * rules, read from its parsed instructions, and its start command and HEALTHCHECK run against
 * the real stack in each role, with the environment the image sets.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { AppProcess, MAIN, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { CHART } from './support/helm';
import { missingLockEntries, readLockfile } from './support/lockfile';
import {
  execForm,
  ignoredByDockerignore,
  instructions,
  readDockerfile,
  ROOT,
  Stage,
  stageEnv,
} from './support/dockerfile';

const stages = readDockerfile();
const runtime = stages[stages.length - 1];

function only(stage: Stage, keyword: string): string {
  const found = instructions(stage, keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  return found[0].args;
}

/** HEALTHCHECK [flags] CMD ["node", "-e", ...]: the command as an argument list. */
function healthcheckCommand(): string[] {
  const args = only(runtime, 'HEALTHCHECK');
  if (!args.startsWith('CMD ')) throw new Error(`HEALTHCHECK is not a CMD: ${args}`);
  return execForm(args.slice('CMD '.length));
}

const SECRET_NAME = /TOKEN|SECRET|PASSW(OR)?D|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY/i;

describe('the Dockerfile', () => {
  it('builds in stages, on an exact Node 20+ release of one base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.image).toBe('node');
      expect(stage.tag).toMatch(/^\d+\.\d+\.\d+-[a-z]+(-slim)?$/);
      expect(Number(stage.tag?.split('.')[0])).toBeGreaterThanOrEqual(20);
    }
    expect(new Set(stages.map((stage) => `${stage.image}:${stage.tag}`)).size).toBe(1);
  });

  it('installs production dependencies only in the runtime stage, from the lock file', () => {
    const runs = instructions(runtime, 'RUN').map((run) => run.args);
    expect(runs.some((run) => /\bnpm ci\b[^&]*--omit=dev/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm (install|i)\b/.test(run))).toBe(false);
    expect(stageEnv(runtime).NODE_ENV).toBe('production');
    // From the build stage only the compiled code: its node_modules hold the dev dependencies.
    const copied = instructions(runtime, 'COPY').filter((copy) => copy.from !== undefined);
    expect(copied.map((copy) => copy.args)).toEqual(['/app/dist ./dist']);
  });

  it('builds what `npm run build` builds: the server, the native spawner and the console', () => {
    const build = stages[0];
    const sources = instructions(build, 'COPY').flatMap((copy) =>
      copy.args.split(' ').slice(0, -1),
    );
    expect(sources).toEqual(
      expect.arrayContaining([
        'src',
        'native',
        'console',
        'tools/build.ts',
        'tools/stack/install.ts',
      ]),
    );
    // Each of them reaches the build context: .dockerignore keeps none of them out.
    expect(sources.filter((source) => ignoredByDockerignore(source))).toEqual([]);
    expect(instructions(build, 'RUN').map((run) => run.args)).toContain('npm run build');
    // The spawner is C: the build stage installs a compiler, the runtime stage none.
    expect(
      instructions(build, 'RUN').some((run) => /apt-get install .*\bgcc\b/.test(run.args)),
    ).toBe(true);
    expect(instructions(runtime, 'RUN').some((run) => /\bgcc\b/.test(run.args))).toBe(false);
  });

  it('reads .dockerignore as Docker does (the check above relies on it)', () => {
    expect(ignoredByDockerignore('tools')).toBe(true);
    expect(ignoredByDockerignore('tools/dev.ts')).toBe(true);
    expect(ignoredByDockerignore('tools/build.ts')).toBe(false);
    expect(ignoredByDockerignore('node_modules/x/index.js')).toBe(true);
    expect(ignoredByDockerignore('src/main.ts')).toBe(false);
    expect(ignoredByDockerignore('.env.local')).toBe(true);
  });

  it('installs from a lock file npm ci accepts: every dependency, optional ones included, has an entry', () => {
    // npm here leaves out other platforms' native builds that its registry does not serve, and
    // npm ci then refuses the lock. Repair: npx tsx test/deploy/support/lockfile.ts --fix
    expect(missingLockEntries(readLockfile())).toEqual([]);
  });

  it('runs as the numeric non-root user the chart expects', () => {
    const users = instructions(runtime, 'USER');
    const user = users[users.length - 1]?.args ?? '';
    const uid = user.split(':')[0];
    expect(uid).toMatch(/^\d+$/);
    expect(uid).not.toBe('0');
    // USER comes after the last RUN, so nothing in the final image was made by a later root step.
    const order = runtime.instructions.map((instruction) => instruction.keyword);
    expect(order.lastIndexOf('USER')).toBeGreaterThan(order.lastIndexOf('RUN'));
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
      podSecurityContext: { runAsUser: number };
    };
    expect(Number(uid)).toBe(values.podSecurityContext.runAsUser);
  });

  it('starts node dist/main.js under tini, in exec form, with ROLE left to the deployment', () => {
    expect(execForm(only(runtime, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    expect(
      instructions(runtime, 'RUN').some((run) => /apt-get install .*\btini\b/.test(run.args)),
    ).toBe(true);
    expect(execForm(only(runtime, 'CMD'))).toEqual(['node', 'dist/main.js']);
    expect(only(runtime, 'WORKDIR')).toBe('/app');
    expect(resolve(ROOT, 'dist', 'main.js')).toBe(MAIN);
    expect(stageEnv(runtime)).not.toHaveProperty('ROLE');
    expect(only(runtime, 'EXPOSE').split(' ').sort()).toEqual(['8070', '8071']);
  });

  it('sets JSON logs and a spool directory the non-root user owns', () => {
    const env = stageEnv(runtime);
    expect(env.LOG_PRETTY).toBe('0');
    const spool = env.RUNLOG_SPOOL_DIR;
    expect(spool).toMatch(/^\//);
    const runs = instructions(runtime, 'RUN').map((run) => run.args);
    expect(
      runs.some((run) => run.includes(`mkdir -p ${spool}`) && /chown -R 1000:1000/.test(run)),
    ).toBe(true);
  });

  it('holds no secrets: no secret-named ARG or ENV, no secret files copied or in the build context', () => {
    for (const stage of stages) {
      for (const instruction of stage.instructions) {
        for (const name of Object.keys(instruction.properties ?? {}))
          expect(name).not.toMatch(SECRET_NAME);
        if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
          expect(instruction.args).not.toMatch(/\.env\b|\.npmrc|\.pem\b|\.key\b|id_rsa|\.git\b/);
        }
      }
    }
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['.git', 'node_modules', '.env', '.env.*', '.npmrc', '*.pem', '*.key']) {
      expect(ignored).toContain(pattern);
    }
  });
});

describe("the image's start command against the stack", () => {
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
  });

  /** The image's ENV, with the spool moved to a scratch directory of this machine. */
  function imageEnv(): Record<string, string> {
    return {
      ...stageEnv(runtime),
      RUNLOG_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cronplane-spool-')),
    };
  }

  function healthcheck(env: Record<string, string>): number | null {
    const [command, ...args] = healthcheckCommand();
    expect(command).toBe('node');
    const result = spawnSync(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 10_000,
    });
    return result.status;
  }

  it.each(['master', 'worker'])(
    'ROLE=%s is ready, passes the HEALTHCHECK and stops with 0 on SIGTERM',
    async (role) => {
      const env = { ...appEnv(isolationId(`image${role}`)), ...imageEnv(), ROLE: role };
      app = await startApp(env);
      const ready = await fetch(`${app.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      const portName = role === 'master' ? 'PORT' : 'WORKER_PORT';
      const running = { ...env, [portName]: String(app.port) };
      expect(healthcheck(running)).toBe(0);
      expect(app.logs().find((line) => line.msg === 'cronplane started')).toMatchObject({ role });
      expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      app = undefined;
      expect(healthcheck(running)).toBe(1);
    },
  );
});
