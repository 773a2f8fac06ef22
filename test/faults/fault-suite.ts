/**
 * The fault suite: a whole private cluster (3-member etcd, MongoDB-wire server, NATS, 2 masters,
 * 3 workers) runs jobs firing every 1-5 s while faults are injected at seeded random times. The
 * job commands write a ledger; at the end the ledger and MongoDB are checked.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Etcd3 } from 'etcd3';
import { MongoClient } from 'mongodb';
import { EtcdCluster, lowPort, startEtcdCluster } from '../../tools/stack/etcd-cluster';
import { RunningPostgres, startPostgres } from '../../tools/stack/postgres';
import {
  mongoSpec,
  natsSpec,
  RunningService,
  ServiceSpec,
  startService,
  waitUntil,
} from '../../tools/stack/services';
import { runIdFor } from '../../src/logs/run.model';
import { AppProcess, startApp } from '../support/app-process';
import { testStack } from '../support/env';
import { startReceiver } from '../support/http';

export const FAULT_KINDS = [
  'killWorker',
  'pauseWorker',
  'killEtcdLeader',
  'restartMongo',
  'restartNats',
  'killLeaderMaster',
  'killAndPauseWorkers',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Length of the measured window, faults included. */
  seconds: number;
  jobs: number;
  seed: number;
  /** With everything up, time left for catch-up before the window closes. */
  settleSeconds: number;
  log: (line: string) => void;
}

export interface FaultEvent {
  kind: FaultKind;
  at: number;
  detail: string;
  tookMs: number;
}

export interface RunRecord {
  runId: string;
  job: string;
  tick: Date;
  status: string;
  error?: string;
  workerId?: string;
  trigger?: string;
}

export interface FaultReport {
  seed: number;
  jobs: number;
  seconds: number;
  window: { from: number; to: number };
  faults: FaultEvent[];
  ledgerLines: number;
  runRecords: number;
  ticksChecked: number;
  ticksRan: number;
  ticksRecordedNotRun: Record<string, number>;
  /** The same, by status and reason (digits replaced by N). */
  notRunReasons: Record<string, number>;
  duplicates: string[];
  recordDuplicates: string[];
  unaccounted: string[];
  ranButRecordedNotRun: string[];
  ranWithoutRecord: string[];
  leftRunning: string[];
  alertsExpected: number;
  alertsDelivered: number;
  alertDuplicates: string[];
  alertsMissing: string[];
  alertsUnexpected: string[];
  /** Run records still only in a worker's spool or journal files at the end (not in MongoDB). */
  recordsOnlyOnDisk: number;
  /** Workers that had to be SIGKILLed at the end because their run log did not flush in time. */
  workersNotFlushed: string[];
}

/** The latest status per `job@tick` of every run-log operation in the spool/journal files. */
function recordsOnDisk(spoolRoot: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(spoolRoot)) return found;
  for (const worker of readdirSync(spoolRoot)) {
    const folder = join(spoolRoot, worker);
    for (const file of readdirSync(folder)) {
      if (!file.endsWith('.jsonl')) continue;
      for (const line of readFileSync(join(folder, file), 'utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const op = JSON.parse(line) as { run?: { job: string; tick: number; status: string } };
          if (op.run) found.set(`${op.run.job}@${new Date(op.run.tick).getTime()}`, op.run.status);
        } catch {
          // a torn last line of a SIGKILLed worker's journal
        }
      }
    }
  }
  return found;
}

const TOKEN = 'faults-admin-token-0123456789';
const TTL_SECONDS = 3;
/** The teams' namespaces and their worker pools; each worker is in two of the three. */
const TEAM_POOLS: Record<string, Record<string, string>> = {
  'team-a': { a: '1' },
  'team-b': { b: '1' },
  'team-c': { c: '1' },
};
const WORKER_POOLS: Record<string, string> = {
  'worker-1': 'a=1,b=1',
  'worker-2': 'b=1,c=1',
  'worker-3': 'a=1,c=1',
};
const ALERT_JOB = 'alerting';
/** Statuses that mean the command was started. */
const EXECUTED = new Set(['running', 'succeeded', 'failed', 'timeout', 'killed', 'lost']);
const ALERTING = new Set(['failed', 'lost', 'missed', 'timeout']);

/** mulberry32: a small seeded PRNG, so a run's fault times can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every kind at least once, shuffled, then more at random; each at a random time in its own slot. */
export function faultPlan(
  random: () => number,
  durationMs: number,
  slotMs: number,
): { kind: FaultKind; offsetMs: number }[] {
  const slots = Math.max(FAULT_KINDS.length, Math.floor(durationMs / slotMs));
  const kinds: FaultKind[] = [...FAULT_KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  while (kinds.length < slots) kinds.push(FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]);
  const width = durationMs / slots;
  // Each fault starts in the first half of its slot, so it has ended before the next one starts.
  return kinds.map((kind, i) => ({
    kind,
    offsetMs: Math.round(i * width + random() * width * 0.4),
  }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface JobDef {
  name: string;
  everySeconds: number;
}

export async function runFaultSuite(options: FaultOptions): Promise<FaultReport> {
  const { log } = options;
  const random = seededRandom(options.seed);
  const stack = testStack();
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'cronplane-faults-'));
  const ledger = join(dir, 'ledger');
  writeFileSync(ledger, '');
  const timeline = join(dir, 'timeline');
  const note = (line: string): void => {
    const text = `${new Date().toISOString()} ${line}`;
    appendFileSync(timeline, `${text}\n`);
    log(text);
  };
  note(
    `fault suite: seed ${options.seed}, ${options.jobs} jobs, ${options.seconds} s, ` +
      `MongoDB-wire server ${stack.binaries.mongo.kind}, dir ${dir}`,
  );

  let etcd: EtcdCluster | undefined;
  let mongo: RunningService | undefined;
  let postgres: RunningPostgres | undefined;
  let nats: RunningService | undefined;
  const workers = new Map<string, AppProcess>();
  const masters = new Map<string, AppProcess>();
  const receiver = await startReceiver();
  const finished: AppProcess[] = [];
  const artifacts = resolve(__dirname, '..', '..', 'test-artifacts', 'faults');
  mkdirSync(artifacts, { recursive: true });
  let mongoClient: MongoClient | undefined;

  try {
    etcd = await startEtcdCluster(stack.binaries.etcd, join(dir, 'etcd'));
    // MONGO_BACKEND=ferretdb-pg: a PostgreSQL of the suite's own under its FerretDB, so the load
    // of this cluster is not shared with the test stack's.
    if (stack.binaries.postgres) {
      postgres = await startPostgres(stack.binaries.postgres, join(dir, 'postgres'), {
        ownedRoot: dir,
      });
    }
    const mongoServiceSpec: ServiceSpec = await mongoSpec(
      stack.binaries.mongo,
      join(dir, 'mongo'),
      await lowPort(),
      postgres?.ref,
    );
    mongo = await startService(mongoServiceSpec);
    const natsServiceSpec: ServiceSpec = await natsSpec(
      stack.binaries.nats,
      join(dir, 'nats'),
      await lowPort(),
    );
    nats = await startService(natsServiceSpec);
    const database = 'faults';
    const common = {
      ETCD_ENDPOINTS: etcd.endpoints,
      ETCD_PREFIX: '/faults/',
      MONGODB_URI: `${mongoServiceSpec.url}/${database}`,
      NATS_URL: natsServiceSpec.url,
      LOG_LEVEL: 'info',
      LOG_PRETTY: '0',
      SESSION_TTL_SECONDS: String(TTL_SECONDS),
    };
    const workerEnv = (id: string): Record<string, string> => ({
      ...common,
      ROLE: 'worker',
      WORKER_ID: id,
      WORKER_LABELS: WORKER_POOLS[id] ?? '',
      RUNLOG_SPOOL_DIR: join(dir, 'spool', id),
    });
    const masterEnv = (id: string): Record<string, string> => ({
      ...common,
      ROLE: 'master',
      WORKER_ID: id,
      CRON_ADMIN_TOKEN: TOKEN,
      ALERT_BACKOFF_SECONDS: '1',
      REAPER_INTERVAL_SECONDS: '2',
    });
    const startWorker = async (id: string): Promise<void> => {
      workers.set(id, await startApp(workerEnv(id), 60000));
    };
    const startMaster = async (id: string): Promise<void> => {
      masters.set(id, await startApp(masterEnv(id), 60000));
    };
    await Promise.all(['master-a', 'master-b'].map(startMaster));
    await Promise.all(['worker-1', 'worker-2', 'worker-3'].map(startWorker));
    note('cluster up');

    /** A call to whichever master answers (one may be down on purpose). */
    const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
      let last: unknown;
      for (let attempt = 0; attempt < 40; attempt++) {
        for (const master of masters.values()) {
          try {
            const response = await fetch(`${master.baseUrl}${path}`, {
              method,
              headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
              body: body === undefined ? undefined : JSON.stringify(body),
              signal: AbortSignal.timeout(5000),
            });
            if (response.status < 500) return response;
            last = `${response.status} ${await response.text()}`;
          } catch (error) {
            last = error;
          }
        }
        await sleep(500);
      }
      throw new Error(`${method} ${path} failed: ${String(last)}`);
    };

    // Three teams, each with a pool of two of the three workers, so every job can fail over.
    for (const [team, pool] of Object.entries(TEAM_POOLS)) {
      const response = await api('POST', '/api/v1/namespaces', { name: team, pool });
      if (response.status !== 201)
        throw new Error(`create namespace ${team}: ${response.status} ${await response.text()}`);
    }
    const teams = Object.keys(TEAM_POOLS);
    const policies = ['runAll', 'runOnce', 'skip'] as const;
    const jobs: JobDef[] = [];
    for (let i = 0; i < options.jobs; i++) {
      // Named by job id: the ledger ($CRON_JOB) and the run records know them so.
      jobs.push({
        name: `${teams[i % teams.length]}:job-${i}`,
        everySeconds: 1 + Math.floor(random() * 5),
      });
    }
    for (const [i, job] of jobs.entries()) {
      const [team, name] = job.name.split(':');
      const response = await api('POST', `/api/v1/namespaces/${team}/jobs`, {
        name,
        command: `echo "$CRON_NAMESPACE:$CRON_JOB $CRON_TICK $CRON_RUN_ID" >> ${ledger}`,
        cronExpr: `@every ${job.everySeconds}s`,
        misfirePolicy: policies[i % policies.length],
        concurrencyPolicy: i % 2 === 0 ? 'forbid' : 'allow',
        alerts: { onFailure: false, onTimeout: false },
      });
      if (response.status !== 201)
        throw new Error(`create ${job.name}: ${response.status} ${await response.text()}`);
    }
    jobs.push({ name: ALERT_JOB, everySeconds: 2 });
    const alertResponse = await api('POST', '/api/v1/jobs', {
      name: ALERT_JOB,
      command: `echo "$CRON_JOB $CRON_TICK $CRON_RUN_ID" >> ${ledger}; exit 1`,
      cronExpr: '@every 2s',
      misfirePolicy: 'runOnce',
      alerts: { onFailure: true, onTimeout: true, webhookUrl: receiver.url },
    });
    if (alertResponse.status !== 201)
      throw new Error(`create ${ALERT_JOB}: ${alertResponse.status}`);
    note(`${jobs.length} jobs created`);

    await sleep(3000);
    const from = Date.now();
    const faultMs = (options.seconds - options.settleSeconds) * 1000;
    const plan = faultPlan(random, faultMs, 12000);
    note(`plan: ${plan.map((p) => `${p.kind}@${(p.offsetMs / 1000).toFixed(1)}s`).join(', ')}`);

    const faults: FaultEvent[] = [];
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const inject = async (kind: FaultKind): Promise<string> => {
      switch (kind) {
        case 'killWorker': {
          const id = pick([...workers.keys()].sort());
          const worker = workers.get(id)!;
          await worker.stop('SIGKILL');
          finished.push(worker);
          await sleep(1000 + Math.floor(random() * 3000));
          await startWorker(id);
          return id;
        }
        case 'pauseWorker': {
          const id = pick([...workers.keys()].sort());
          const worker = workers.get(id)!;
          const pausedMs = (TTL_SECONDS + 3) * 1000;
          worker.child.kill('SIGSTOP');
          await sleep(pausedMs);
          worker.child.kill('SIGCONT');
          return `${id} for ${pausedMs} ms`;
        }
        case 'killAndPauseWorkers': {
          // Two faults overlapping (issue 15's scenario, scaled to the suite's TTL): SIGKILL one
          // worker, then SIGSTOP another past its lease; the killed one comes back (same
          // WORKER_ID and spool) while the other is still frozen. The survivor inherits both
          // workers' jobs at once, with a backlog to catch up, and the frozen one wakes with
          // whatever it had claimed and not started.
          const ids = [...workers.keys()].sort();
          const killedId = pick(ids);
          const pausedId = pick(ids.filter((id) => id !== killedId));
          const killed = workers.get(killedId)!;
          const paused = workers.get(pausedId)!;
          const pausedMs = (TTL_SECONDS + 3) * 1000;
          const killedAt = Date.now();
          await killed.stop('SIGKILL');
          finished.push(killed);
          await sleep(500 + Math.floor(random() * 1000));
          const restartAfterMs = 1000 + Math.floor(random() * 3000);
          paused.child.kill('SIGSTOP');
          const pausedAt = Date.now();
          try {
            // The restart happens while the other worker is frozen.
            const restarted = sleep(killedAt + restartAfterMs - Date.now()).then(() =>
              startWorker(killedId),
            );
            restarted.catch(() => undefined); // awaited below; not unhandled meanwhile
            await sleep(pausedAt + pausedMs - Date.now());
            paused.child.kill('SIGCONT');
            await restarted;
          } finally {
            paused.child.kill('SIGCONT');
          }
          return (
            `${killedId} killed, ${pausedId} paused ${pausedAt - killedAt} ms later for ` +
            `${pausedMs} ms; ${killedId} restarted after ${restartAfterMs} ms`
          );
        }
        case 'killEtcdLeader': {
          const leader = await etcd!.leader();
          if (!leader) return 'no leader found';
          await etcd!.kill(leader);
          await sleep(2000 + Math.floor(random() * 3000));
          await etcd!.restart(leader);
          return leader.name;
        }
        case 'restartMongo': {
          // The wire server the apps talk to goes away: mongod, or FerretDB, whose data lives in
          // its SQLite files or, for ferretdb-pg, in PostgreSQL, which keeps running. PostgreSQL
          // is FerretDB's storage, not a server the apps know: stopping it too would add its own
          // shutdown and recovery to the outage without exercising anything more of cronplane.
          await mongo!.stop();
          await sleep(1000 + Math.floor(random() * 4000));
          mongo = await startService(mongoServiceSpec);
          return 'stopped and restarted';
        }
        case 'restartNats': {
          await nats!.stop();
          await sleep(1000 + Math.floor(random() * 3000));
          nats = await startService(natsServiceSpec);
          return 'stopped and restarted';
        }
        case 'killLeaderMaster': {
          const ids = [...masters.keys()];
          let leaderId: string | undefined;
          for (const id of ids) {
            try {
              const response = await fetch(`${masters.get(id)!.baseUrl}/api/v1/cluster`, {
                headers: { authorization: `Bearer ${TOKEN}` },
                signal: AbortSignal.timeout(3000),
              });
              const body = (await response.json()) as { leader?: { id?: string } | null };
              leaderId = body.leader?.id ?? undefined;
              if (leaderId) break;
            } catch {
              // ask the other one
            }
          }
          const id = leaderId && masters.has(leaderId) ? leaderId : pick(ids.sort());
          const master = masters.get(id)!;
          await master.stop('SIGKILL');
          finished.push(master);
          masters.delete(id);
          await sleep(2000 + Math.floor(random() * 3000));
          await startMaster(id);
          return `${id}${leaderId === id ? ' (leader)' : ' (leader unknown)'}`;
        }
      }
    };
    for (const step of plan) {
      const wait = from + step.offsetMs - Date.now();
      if (wait > 0) await sleep(wait);
      const at = Date.now();
      note(`fault ${step.kind} begins`);
      const detail = await inject(step.kind);
      const event = { kind: step.kind, at, detail, tookMs: Date.now() - at };
      faults.push(event);
      note(`fault ${step.kind} done: ${detail} (${event.tookMs} ms)`);
    }
    const settleUntil = Math.max(
      from + options.seconds * 1000,
      Date.now() + options.settleSeconds * 1000,
    );
    const faultsOver = Date.now();
    note(`faults over; settling until ${new Date(settleUntil).toISOString()}`);
    await sleep(settleUntil - Date.now());

    // The window closes a few seconds before the jobs are paused: later ticks may race the pause.
    const to = Date.now() - 3000;
    // Paused straight in etcd (as the API would store it), so the end of the run does not
    // depend on the masters' health; the workers see it through their watch.
    const etcdClient = new Etcd3({ hosts: etcd.endpoints.split(',') });
    try {
      const stored = await etcdClient.getAll().prefix('/faults/specs/').strings();
      for (const [key, value] of Object.entries(stored)) {
        await etcdClient
          .put(key)
          .value(JSON.stringify({ ...(JSON.parse(value) as object), enabled: false }));
      }
    } finally {
      etcdClient.close();
    }
    note('jobs paused; waiting for the reaper and the run log');

    mongoClient = new MongoClient(mongoServiceSpec.url, {
      serverSelectionTimeoutMS: 10000,
      socketTimeoutMS: 60000,
    });
    const outcomes = mongoClient.db(database).collection<RunRecord>('runs');
    const active = mongoClient.db(database).collection<RunRecord>('runs_active');
    /**
     * The history matching `filter`, as the API reads it: the outcomes, and the active records
     * (running, lost placeholders) of runs that have no outcome.
     */
    const history = async (filter: Record<string, unknown>): Promise<RunRecord[]> => {
      const settled = await outcomes.find(filter).toArray();
      const open = await active.find(filter).toArray();
      if (open.length === 0) return settled;
      const stored = await outcomes
        .find({ runId: { $in: open.map((r) => r.runId) } }, { projection: { _id: 0, runId: 1 } })
        .toArray();
      const done = new Set(stored.map((r) => r.runId));
      return [...settled, ...open.filter((r) => !done.has(r.runId))];
    };
    /**
     * A read of the history, tried again after a failure until `deadline` (FerretDB v1 scans the
     * collection for every such query, and under a large backlog of run-log writes a scan can
     * outlast the socket timeout; see RELIABILITY.md, FAULTS_JOBS=400).
     */
    const findRuns = async (filter: Record<string, unknown>, deadline: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await history(filter);
        } catch (error) {
          note(`find ${JSON.stringify(filter)} failed (attempt ${attempt}): ${String(error)}`);
          if (Date.now() > deadline) throw error;
          await sleep(2000);
        }
      }
    };
    // The reaper calls a run lost several flush periods after its key went; give it time.
    let leftRunning: RunRecord[] = [];
    const settleDeadline = Date.now() + 45000;
    for (;;) {
      let read = false;
      try {
        leftRunning = await history({ status: 'running' });
        read = true;
      } catch (error) {
        note(`find of runs left running failed: ${String(error)}`);
      }
      if ((read && leftRunning.length === 0) || Date.now() > settleDeadline) {
        // A failed last read says nothing: read once more, patiently.
        if (!read) leftRunning = await findRuns({ status: 'running' }, Date.now() + 120_000);
        break;
      }
      await sleep(1000);
    }
    note(`runs left running after the settle period: ${leftRunning.length}`);

    // A tick whose claimer died before recording it is written `lost` by the next owner 15 s
    // after it read the mark, or a minute after when the claimer came back under its id and may
    // still replay the record (docs/coordination.md): the settle period does not cover that, so
    // wait for every tick of the window to be accounted for, up to that bound after the faults.
    const accountedBy = Math.max(Date.now(), faultsOver + 90_000);
    for (;;) {
      const missing = ticksWithoutLedgerLine(jobs, readFileSync(ledger, 'utf8'), from, to);
      const found = new Set<string>();
      try {
        for (let i = 0; i < missing.length; i += 1000) {
          const runIds = missing.slice(i, i + 1000);
          for (const doc of await history({ runId: { $in: runIds } })) found.add(doc.runId);
        }
      } catch (error) {
        note(`find of the ticks not in the ledger failed: ${String(error)}`);
      }
      const left = missing.filter((runId) => !found.has(runId));
      if (left.length === 0 || Date.now() > accountedBy) {
        note(`ticks neither in the ledger nor recorded: ${left.length}`);
        break;
      }
      await sleep(3000);
    }

    // Alerts: every alerting record of the alert job delivered once.
    const alertIds = async (deadline = Date.now() + 120_000): Promise<string[]> =>
      (await findRuns({ job: ALERT_JOB }, deadline))
        .filter((r) => ALERTING.has(r.status))
        .map((r) => `${r.runId}:${r.status}`);
    const delivered = (): string[] =>
      receiver.received.map((r) => String(r.headers['x-cronplane-alert-id']));
    try {
      await waitUntil(
        async () => {
          const got = new Set(delivered());
          return (await alertIds()).every((id) => got.has(id));
        },
        60000,
        'every alert delivered',
      );
    } catch {
      note('not every alert was delivered within 60 s');
    }
    await sleep(3000);

    // Graceful stop of the workers flushes anything still queued; then read everything. A worker
    // that cannot flush in time (MongoDB too slow) is SIGKILLed: its records stay in its spool
    // and journal, which are counted below.
    const stopMs = Math.max(60_000, options.jobs * 300);
    const notFlushed: string[] = [];
    await Promise.all(
      [...workers.entries()].map(async ([id, w]) => {
        const stoppedAt = Date.now();
        const exit = await w.stop('SIGTERM', stopMs);
        note(`${id} stopped in ${Date.now() - stoppedAt} ms: ${JSON.stringify(exit)}`);
        if (exit.code !== 0) notFlushed.push(id);
      }),
    );
    const runs = await findRuns({}, Date.now() + 300_000);
    const expectedAlerts = await alertIds(Date.now() + 300_000);
    const onDisk = recordsOnDisk(join(dir, 'spool'));
    note(
      `run records only in a worker's spool or journal: ${onDisk.size}; workers that did not flush: ${notFlushed.join(', ') || 'none'}`,
    );
    const report = check({
      jobs,
      ledgerText: readFileSync(ledger, 'utf8'),
      runs,
      from,
      to,
      delivered: delivered(),
      expectedAlerts,
    });
    // A tick not accounted for whose record waits in a spool or journal is still not accounted
    // for (MongoDB does not have it), but say so.
    report.unaccounted = report.unaccounted.map((key) => {
      const status = onDisk.get(key);
      return status ? `${key} (record ${status} only in a worker's spool/journal)` : key;
    });
    const full: FaultReport = {
      seed: options.seed,

      jobs: jobs.length,
      seconds: options.seconds,
      window: { from, to },
      faults,
      leftRunning: leftRunning.map((r) => r.runId),
      ...report,
      recordsOnlyOnDisk: onDisk.size,
      workersNotFlushed: notFlushed,
    };
    writeFileSync(join(artifacts, `report-${options.seed}.json`), JSON.stringify(full, null, 2));
    return full;
  } finally {
    // Logs for diagnosis, whatever happened.
    try {
      writeFileSync(
        join(artifacts, `processes-${options.seed}.log`),
        [...finished, ...workers.values(), ...masters.values()].map((p) => p.output()).join('\n'),
      );
      writeFileSync(
        join(artifacts, `timeline-${options.seed}.log`),
        readFileSync(timeline, 'utf8'),
      );
      writeFileSync(join(artifacts, `ledger-${options.seed}.txt`), readFileSync(ledger, 'utf8'));
      if (mongo)
        writeFileSync(
          join(artifacts, `mongo-${options.seed}.log`),
          readFileSync(mongo.spec.logFile),
        );
      if (postgres)
        writeFileSync(
          join(artifacts, `postgres-${options.seed}.log`),
          readFileSync(postgres.logFile),
        );
    } catch (error) {
      log(`could not save the run's logs: ${(error as Error).message}`);
    }
    await mongoClient?.close().catch(() => undefined);
    await Promise.all([...workers.values(), ...masters.values()].map((p) => p.stop('SIGKILL')));
    await receiver.close();
    await nats?.stop();
    await mongo?.stop();
    if (postgres) {
      await postgres.stop();
      // Its cluster is the bulk of the run's directory (on tmpfs); its log was saved above.
      rmSync(join(dir, 'postgres'), { recursive: true, force: true });
    }
    await etcd?.stop();
  }
}

/** Run ids of the window's ticks that have no ledger line (ran nowhere, or not yet). */
function ticksWithoutLedgerLine(jobs: JobDef[], ledgerText: string, from: number, to: number) {
  const ran = new Set(
    ledgerText
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length >= 2)
      .map(([job, tick]) => `${job}@${Number(tick)}`),
  );
  const missing: string[] = [];
  for (const job of jobs) {
    const step = job.everySeconds * 1000;
    for (let tick = Math.ceil(from / step) * step; tick <= to; tick += step) {
      if (!ran.has(`${job.name}@${tick}`)) missing.push(runIdFor(job.name, tick));
    }
  }
  return missing;
}

/** The checks, pure over the collected ledger, run records and deliveries. */
export function check(input: {
  jobs: JobDef[];
  ledgerText: string;
  runs: RunRecord[];
  from: number;
  to: number;
  delivered: string[];
  expectedAlerts: string[];
}): Omit<
  FaultReport,
  | 'seed'
  | 'jobs'
  | 'seconds'
  | 'window'
  | 'faults'
  | 'leftRunning'
  | 'recordsOnlyOnDisk'
  | 'workersNotFlushed'
> {
  const lines = input.ledgerText
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [job, tick, runId] = line.trim().split(/\s+/);
      return { job, tick: Number(tick), runId };
    });
  const count = new Map<string, number>();
  for (const line of lines) {
    const key = `${line.job}@${line.tick}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const duplicates = [...count.entries()].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);

  const recordsByTick = new Map<string, RunRecord[]>();
  for (const run of input.runs) {
    const key = `${run.job}@${new Date(run.tick).getTime()}`;
    recordsByTick.set(key, [...(recordsByTick.get(key) ?? []), run]);
  }
  const recordDuplicates = [...recordsByTick.entries()]
    .filter(([, records]) => records.filter((r) => EXECUTED.has(r.status)).length > 1)
    .map(([k, records]) => `${k}: ${records.map((r) => `${r.runId}=${r.status}`).join(', ')}`);

  let ticksChecked = 0;
  let ticksRan = 0;
  const ticksRecordedNotRun: Record<string, number> = {};
  const notRunReasons: Record<string, number> = {};
  const unaccounted: string[] = [];
  const ranButRecordedNotRun: string[] = [];
  const ranWithoutRecord: string[] = [];
  for (const job of input.jobs) {
    const step = job.everySeconds * 1000;
    for (let tick = Math.ceil(input.from / step) * step; tick <= input.to; tick += step) {
      ticksChecked++;
      const key = `${job.name}@${tick}`;
      const ran = count.has(key);
      const records = recordsByTick.get(key) ?? [];
      const notRun = records.filter((r) => !EXECUTED.has(r.status));
      if (ran) {
        ticksRan++;
        if (notRun.length > 0)
          ranButRecordedNotRun.push(`${key}: ${notRun.map((r) => r.status).join(',')}`);
        if (records.length === 0) ranWithoutRecord.push(key);
      } else if (records.length > 0) {
        for (const r of records) {
          const label = EXECUTED.has(r.status) ? `${r.status} (no ledger line)` : r.status;
          ticksRecordedNotRun[label] = (ticksRecordedNotRun[label] ?? 0) + 1;
          const reason = `${r.status}: ${(r.error ?? '').replace(/\d+/g, 'N').slice(0, 120)}`;
          notRunReasons[reason] = (notRunReasons[reason] ?? 0) + 1;
          // A command that exited could not have skipped its first line.
          if (r.status === 'succeeded' || r.status === 'failed')
            unaccounted.push(`${key}: recorded ${r.status} but not in the ledger`);
          if (r.error === undefined || r.error === '')
            unaccounted.push(`${key}: ${r.status} without a reason`);
        }
      } else {
        unaccounted.push(key);
      }
    }
  }

  const deliveredCount = new Map<string, number>();
  for (const id of input.delivered) deliveredCount.set(id, (deliveredCount.get(id) ?? 0) + 1);
  const expected = new Set(input.expectedAlerts);
  return {
    ledgerLines: lines.length,
    runRecords: input.runs.length,
    ticksChecked,
    ticksRan,
    ticksRecordedNotRun,
    notRunReasons,
    duplicates,
    recordDuplicates,
    unaccounted,
    ranButRecordedNotRun,
    ranWithoutRecord,
    alertsExpected: expected.size,
    alertsDelivered: deliveredCount.size,
    alertDuplicates: [...deliveredCount.entries()]
      .filter(([, n]) => n > 1)
      .map(([k, n]) => `${k} x${n}`),
    alertsMissing: [...expected].filter((id) => !deliveredCount.has(id)),
    alertsUnexpected: [...deliveredCount.keys()].filter((id) => !expected.has(id)),
  };
}
