import { EtcdKeys, jobIdOfSpecTail } from '../../src/etcd/etcd-keys';
import { indexEntries, indexedOf } from '../../src/jobs/job-index';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Etcd3 } from 'etcd3';
import fc from 'fast-check';
import { JobFieldsDto } from '../../src/api/dto/job.dto';
import { VALIDATION_OPTIONS } from '../../src/api/errors/validation';
import { JobSpec, isValidJobName } from '../../src/jobs/job.model';
import { specProblems } from '../../src/jobs/job-spec';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';
import { bearer, send } from './security-client';

/**
 * Property-based fuzzing of the job API (v1 and compat) with fast-check: requests of random
 * shapes, names, expressions, time zones and headers never get a 5xx, and afterwards every key
 * under jobs/ holds a job that the project's own validation accepts. FUZZ_RUNS sets the number
 * of requests (default 4000, well under a minute); FUZZ_SEED replays a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TOKEN = 'fuzz-admin-token-0123456789';
const SPEC_KEYS: (keyof JobSpec)[] = [
  'name',
  'command',
  'cronExpr',
  'cronDialect',
  'timezone',
  'description',
  'enabled',
  'timeoutSeconds',
  'concurrencyPolicy',
  'misfirePolicy',
  'catchupWindowSeconds',
  'retries',
  'target',
  'env',
  'alerts',
  'createdAt',
  'updatedAt',
];

/** Keys a stored job has only when they were given (absent: the worker's shell, no stdin). */
const OPTIONAL_SPEC_KEYS: (keyof JobSpec)[] = ['shell', 'stdin', 'namespace'];

/** Why a stored job is invalid, by the project's own rules; empty when it is valid. */
export function storedJobProblems(key: string, prefix: string, value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [`${key}: not JSON`];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return [`${key}: not an object`];
  const spec = parsed as JobSpec;
  const problems: string[] = [];
  const extra = Object.keys(spec).filter(
    (k) =>
      !SPEC_KEYS.includes(k as keyof JobSpec) && !OPTIONAL_SPEC_KEYS.includes(k as keyof JobSpec),
  );
  const missing = SPEC_KEYS.filter((k) => !(k in spec));
  if (extra.length > 0) problems.push(`unknown fields ${extra.join(',')}`);
  if (missing.length > 0) problems.push(`missing fields ${missing.join(',')}`);
  if (new EtcdKeys(prefix).spec('default', spec.name) !== key)
    problems.push(`name ${JSON.stringify(spec.name)} does not match its key`);
  if (!['standard', 'gorhill'].includes(spec.cronDialect))
    problems.push(`cronDialect ${String(spec.cronDialect)}`);
  for (const field of ['createdAt', 'updatedAt'] as const) {
    if (typeof spec[field] !== 'string' || Number.isNaN(Date.parse(spec[field])))
      problems.push(`${field} is not a time`);
  }
  if (spec.namespace !== 'default') problems.push(`namespace ${String(spec.namespace)}`);
  if (problems.length === 0) {
    const fields: Record<string, unknown> = { ...spec };
    for (const readOnly of ['name', 'namespace', 'cronDialect', 'createdAt', 'updatedAt'])
      delete fields[readOnly];
    const errors = validateSync(plainToInstance(JobFieldsDto, fields), VALIDATION_OPTIONS);
    for (const error of errors)
      problems.push(`${error.property}: ${JSON.stringify(error.constraints ?? error.children)}`);
    for (const problem of specProblems(spec, Date.parse(spec.updatedAt)))
      problems.push(`${problem.field}: ${problem.reason}`);
  }
  return problems.map((p) => `${key}: ${p}`);
}

const printable = fc.stringMatching(/^[\x20-\x7e]{0,24}$/);
const validName = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/)
  .filter((n) => !n.includes('..'));
const name = fc.oneof(
  { weight: 4, arbitrary: validName },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '..',
      '../x',
      'a/b',
      '%2e%2e',
      'a@b',
      '',
      ' ',
      'x'.repeat(129),
      '.x',
      'é',
      '\u0000',
    ),
  },
);
const cronExpr = fc.oneof(
  fc.constantFrom(
    '* * * * *',
    '*/5 * * * * *',
    '@every 90s',
    '@every 0s',
    '@every -1s',
    '@every 1h30m',
    '@daily',
    '@reboot',
    '0 0 30 2 *',
    '0 0 1 1 * 2001',
    '61 * * * *',
    '* * * *',
    '0 0 * * 7',
    '*/0 * * * *',
    '1-0 * * * *',
    'L * * * *',
    '0 0 29 2 *',
  ),
  fc
    .tuple(
      ...Array.from({ length: 5 }, () =>
        fc.constantFrom('*', '0', '*/7', '1-3', '5,10', '99', '-1', 'x', '1/0', '?'),
      ),
    )
    .map((f) => f.join(' ')),
  fc.string({ maxLength: 30 }),
);
const timezone = fc.oneof(
  fc.constantFrom(
    'UTC',
    'Europe/Paris',
    'America/New_York',
    'Asia/Kolkata',
    'Nope/Zone',
    '',
    'utc',
    '+05:00',
    'Etc/GMT+14',
    '../../etc/passwd',
  ),
  fc.string({ maxLength: 20 }),
);
const scalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, '1', 'true', '__proto__'),
);
const anyValue = fc.oneof(
  { depthSize: 'small' },
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }),
);
const jobBody = fc.record(
  {
    name,
    command: fc.oneof(fc.constant('true'), fc.string({ maxLength: 50 }), fc.constant(''), anyValue),
    cronExpr: fc.oneof(cronExpr, anyValue),
    timezone: fc.oneof(timezone, anyValue),
    description: fc.oneof(fc.string({ maxLength: 30 }), anyValue),
    enabled: fc.oneof(fc.constant(false), anyValue),
    timeoutSeconds: fc.oneof(fc.integer({ min: -5, max: 100000 }), anyValue),
    concurrencyPolicy: fc.oneof(fc.constantFrom('allow', 'forbid', 'replace', 'x'), anyValue),
    misfirePolicy: fc.oneof(fc.constantFrom('skip', 'runOnce', 'runAll', ''), anyValue),
    catchupWindowSeconds: fc.oneof(fc.integer({ min: -5, max: 10_000_000 }), anyValue),
    shell: fc.oneof(fc.constantFrom('/bin/bash', 'bash', '/bin/a b', '/', ''), anyValue),
    stdin: fc.oneof(fc.string({ maxLength: 20 }), anyValue),
    retries: fc.oneof(
      fc.record(
        {
          max: fc.oneof(fc.integer({ min: -2, max: 200 }), anyValue),
          backoffSeconds: fc.oneof(fc.double(), anyValue),
          factor: anyValue,
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    target: fc.oneof(
      fc.record(
        {
          labels: fc.oneof(fc.dictionary(printable, printable, { maxKeys: 3 }), anyValue),
          mode: fc.oneof(fc.constantFrom('one', 'all'), anyValue),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    env: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
      anyValue,
    ),
    alerts: fc.oneof(
      fc.record(
        {
          onFailure: anyValue,
          onTimeout: fc.boolean(),
          webhookUrl: fc.oneof(
            fc.constantFrom('http://127.0.0.1:1/hook', 'ftp://x', 'javascript:alert(1)', 'http://'),
            fc.webUrl(),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    // Read-only and unknown fields.
    createdAt: anyValue,
    revision: anyValue,
    cronDialect: fc.constantFrom('standard', 'gorhill', 'x'),
    __proto__: fc.constant({ polluted: true }),
    constructor: anyValue,
    extra: anyValue,
  },
  { requiredKeys: [] },
);
/** Mostly valid jobs, with valid but unusual values: these get stored, so etcd has something to check. */
const validBody = fc.record(
  {
    name: validName,
    command: fc.oneof(fc.constant('true'), fc.string({ minLength: 1, maxLength: 50 })),
    cronExpr: fc.constantFrom(
      '* * * * *',
      '*/5 * * * * *',
      '@every 90s',
      '@every 1h30m',
      '@daily',
      '0 0 29 2 *',
      '0 0 * * 7',
      '0 12 * * 1-5',
    ),
    timezone: fc.constantFrom(
      'UTC',
      'Europe/Paris',
      'America/New_York',
      'Asia/Kolkata',
      'Etc/GMT+14',
      'Australia/Lord_Howe',
    ),
    description: fc.string({ maxLength: 30 }),
    enabled: fc.constant(false),
    timeoutSeconds: fc.integer({ min: 0, max: 86400 }),
    concurrencyPolicy: fc.constantFrom('allow', 'forbid', 'replace'),
    misfirePolicy: fc.constantFrom('skip', 'runOnce', 'runAll'),
    catchupWindowSeconds: fc.integer({ min: 0, max: 86400 }),
    retries: fc.record(
      {
        max: fc.integer({ min: 0, max: 10 }),
        backoffSeconds: fc.integer({ min: 0, max: 600 }),
        factor: fc.integer({ min: 1, max: 4 }),
      },
      { requiredKeys: [] },
    ),
    target: fc.record(
      {
        labels: fc.dictionary(validName, validName, { maxKeys: 2 }),
        mode: fc.constantFrom('one', 'all'),
      },
      { requiredKeys: [] },
    ),
    env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string({ maxLength: 10 }), {
      maxKeys: 3,
    }),
    alerts: fc.record(
      {
        onFailure: fc.boolean(),
        onTimeout: fc.boolean(),
        webhookUrl: fc.constantFrom('http://127.0.0.1:1/hook', 'https://alerts.example/x'),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['name', 'command', 'cronExpr'] },
);
const body = fc.oneof(
  { weight: 4, arbitrary: validBody.map((b) => JSON.stringify(b)) },
  { weight: 6, arbitrary: jobBody.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: anyValue.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"name":',
      'null',
      '[]',
      '"x"',
      '{"__proto__":{"admin":true}}',
      '\u0000',
    ),
  },
);
const method = fc.constantFrom(
  'POST /api/v1/jobs',
  'PUT',
  'PATCH',
  'DELETE',
  'GET',
  'POST pause',
  'POST resume',
  'POST run',
  'POST /job/save',
  'POST /job/delete',
);
const headers = fc.record(
  {
    'if-match': fc.oneof(
      fc.constantFrom('*', '"1"', '0', '-1', '99999999999999999999', 'W/"2"'),
      printable,
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ),
    'accept-language': printable,
    'x-forwarded-for': printable,
  },
  { requiredKeys: ['content-type'] },
);

describe('job API fuzzing (fast-check)', () => {
  const id = isolationId('fuzz');
  const prefix = `/t/${id}/`;
  let master: AppProcess;
  let etcd: Etcd3;

  beforeAll(async () => {
    master = await startApp(
      appEnv(id, { ROLE: 'master', CRON_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' }),
    );
    etcd = new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
  });

  afterAll(async () => {
    await master?.stop();
    etcd?.close();
  });

  it(`${RUNS} generated requests (seed ${SEED}): never a 5xx, and etcd holds only valid jobs`, async () => {
    const serverErrors: string[] = [];
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        method,
        name,
        body,
        headers,
        async (call, jobName, payload, extraHeaders) => {
          const segment = encodeURIComponent(jobName);
          const [verb, path] = ((): [string, string] => {
            switch (call) {
              case 'POST /api/v1/jobs':
                return ['POST', '/api/v1/jobs'];
              case 'POST /job/save':
                return ['POST', '/job/save'];
              case 'POST /job/delete':
                return ['POST', '/job/delete'];
              case 'POST pause':
              case 'POST resume':
              case 'POST run':
                return ['POST', `/api/v1/jobs/${segment}/${call.slice(5)}`];
              default:
                return [call, `/api/v1/jobs/${segment}`];
            }
          })();
          let answer;
          try {
            answer = await send(master.baseUrl, path, {
              method: verb,
              headers: { ...extraHeaders, ...bearer(TOKEN) },
              body: verb === 'GET' ? undefined : payload,
            });
          } catch (error) {
            // The client refused to send it (e.g. a header value node will not write): not a server answer.
            if (/Invalid character|ERR_INVALID/.test(String(error))) return true;
            throw error;
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500)
            serverErrors.push(
              `${verb} ${path} ${payload.slice(0, 200)} -> ${answer.status} ${answer.body.slice(0, 300)}`,
            );
          return answer.status < 500;
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    process.stdout.write(
      `fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    expect(serverErrors).toEqual([]);
    // Some requests did create jobs, or the check below would prove nothing.
    expect((statuses.get(201) ?? 0) + (statuses.get(200) ?? 0)).toBeGreaterThan(0);

    const stored = await etcd.getAll().prefix(`${prefix}specs/`).strings();
    expect(Object.keys(stored).length).toBeGreaterThan(0);
    const problems = Object.entries(stored).flatMap(([key, value]) =>
      storedJobProblems(key, prefix, value),
    );
    expect(problems).toEqual([]);
    // The workers' index keys (broad copies, dependency edges) are exactly those of the stored jobs.
    const keysOf = new EtcdKeys(prefix);
    const expectedIndex = new Map<string, string>();
    for (const [key, value] of Object.entries(stored)) {
      const id = jobIdOfSpecTail(key.slice(`${prefix}specs/`.length));
      if (id !== undefined)
        for (const entry of indexEntries(keysOf, id, indexedOf(value), value))
          expectedIndex.set(...entry);
    }
    const storedIndex = {
      ...(await etcd.getAll().prefix(keysOf.broadPrefix()).strings()),
      ...(await etcd.getAll().prefix(keysOf.childrenPrefix()).strings()),
    };
    expect(storedIndex).toEqual(Object.fromEntries(expectedIndex));
    // Nothing outside the usual families under the prefix (a generated name never made a new one).
    const keys = Object.keys(await etcd.getAll().prefix(prefix).strings()).map((k) =>
      k.slice(prefix.length),
    );
    expect(
      keys.filter(
        (k) =>
          !/^(specs|broad|children|layout|state|running|trigger|kill|tokens|masters|leader|auth|versions)(\/|$)/.test(
            k,
          ),
      ),
    ).toEqual([]);
    // Version history keys (versions/seq|outbox/<ns>/<job>[/<n>]) name only valid jobs.
    const versionJobs = keys
      .filter((k) => k.startsWith('versions/'))
      .map((k) => k.split('/')[3] ?? '');
    expect(versionJobs.length).toBeGreaterThan(0);
    expect(versionJobs.filter((name) => !isValidJobName(name))).toEqual([]);
  }, 600000);
});
