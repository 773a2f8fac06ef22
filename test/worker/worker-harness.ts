/**
 * Helpers for the worker end-to-end tests: seeding jobs straight into etcd (as the master would
 * store them), a shared ledger file that job commands append to, and reading run records.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { MongoClient } from 'mongodb';
import { JOB_DEFAULTS, JobSpec } from '../../src/jobs/job.model';
import { AppProcess, startApp } from '../support/app-process';
import { deleteAllJobs, deleteJob, writeJob } from '../support/job-store';
import { appEnv } from '../support/env';

export interface LedgerLine {
  job: string;
  tick: number;
  /** Further fields the command wrote (e.g. start/end times). */
  rest: string[];
}

export interface RunDoc {
  runId: string;
  job: string;
  tick: Date;
  attempt: number;
  trigger: string;
  workerId?: string;
  status: string;
  error?: string;
  output?: string;
  truncated?: boolean;
  startedAt?: Date;
  endedAt?: Date;
  latenessMs?: number;
  exitCode?: number;
}

export class WorkerHarness {
  readonly etcd: Etcd3;
  readonly dir: string;
  readonly ledger: string;
  private mongo?: MongoClient;

  constructor(
    readonly id: string,
    readonly mongoUrl: string,
    etcdEndpoints: string,
  ) {
    this.etcd = new Etcd3({ hosts: etcdEndpoints.split(',') });
    this.dir = mkdtempSync(
      join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `cronplane-${id}-`),
    );
    this.ledger = join(this.dir, 'ledger');
  }

  get prefix(): string {
    return `/t/${this.id}/`;
  }

  job(name: string, over: Partial<JobSpec>): JobSpec {
    const now = new Date().toISOString();
    return {
      ...JOB_DEFAULTS,
      name,
      command: `echo "$CRON_JOB $CRON_TICK" >> ${this.ledger}`,
      cronExpr: '@every 1s',
      createdAt: now,
      updatedAt: now,
      ...over,
    };
  }

  async putJob(spec: JobSpec): Promise<void> {
    await writeJob(this.etcd, this.prefix, spec);
  }

  /**
   * Pauses every job (no new ticks; running runs finish). Tests end with this rather than a
   * delete, because deleting a job kills its running runs.
   */
  async pauseJobs(): Promise<void> {
    const jobs = await this.etcd.getAll().prefix(`${this.prefix}specs/`).strings();
    for (const value of Object.values(jobs))
      await writeJob(this.etcd, this.prefix, { ...(JSON.parse(value) as JobSpec), enabled: false });
  }

  async deleteJob(name: string): Promise<void> {
    await deleteJob(this.etcd, this.prefix, 'default', name);
  }

  async deleteJobs(): Promise<void> {
    await deleteAllJobs(this.etcd, this.prefix);
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.etcd.put(`${this.prefix}${key}`).value(JSON.stringify(value));
  }

  async keys(under: string): Promise<Record<string, string>> {
    const values = await this.etcd.getAll().prefix(`${this.prefix}${under}`).strings();
    return Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k.slice(this.prefix.length), v]),
    );
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return appEnv(this.id, {
      ROLE: 'worker',
      MONGODB_URI: `${this.mongoUrl}/${this.id}`,
      RUNLOG_SPOOL_DIR: join(this.dir, 'spool'),
      ...extra,
    });
  }

  startWorker(workerId: string, extra: Record<string, string> = {}): Promise<AppProcess> {
    return startApp(this.env({ WORKER_ID: workerId, ...extra }));
  }

  readLedger(): LedgerLine[] {
    if (!existsSync(this.ledger)) return [];
    return readFileSync(this.ledger, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [job, tick, ...rest] = line.trim().split(/\s+/);
        return { job, tick: Number(tick), rest };
      });
  }

  /**
   * The run history matching `filter`, as the API reads it: outcomes (`runs`) and the records of
   * runs still going (`runs_active`) that have no outcome yet.
   */
  async runs(filter: Record<string, unknown> = {}): Promise<RunDoc[]> {
    this.mongo ??= new MongoClient(this.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    const db = this.mongo.db(this.id);
    const outcomes = await db.collection<RunDoc>('runs').find(filter).toArray();
    const active = await db.collection<RunDoc>('runs_active').find(filter).toArray();
    const settled = new Set(outcomes.map((run) => run.runId));
    return [...outcomes, ...active.filter((run) => !settled.has(run.runId))];
  }

  async close(): Promise<void> {
    this.etcd.close();
    await this.mongo?.close();
  }
}

/** Lines that occur more than once, as "job tick" strings. */
export function duplicates(lines: LedgerLine[]): string[] {
  const seen = new Map<string, number>();
  for (const line of lines)
    seen.set(`${line.job} ${line.tick}`, (seen.get(`${line.job} ${line.tick}`) ?? 0) + 1);
  return [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Processes whose command line starts with `prefix` (tests use unique sleep durations). */
export function processesStartingWith(prefix: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.startsWith(prefix));
}

/** A free port in 20000–32767, outside Linux's default ephemeral range (32768–60999). */
export async function lowPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
