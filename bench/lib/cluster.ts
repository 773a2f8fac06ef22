/**
 * A cronplane cluster for benchmarks: a private stack on tmpfs, worker and master processes
 * from dist/, jobs written straight to etcd. Measurements come from ledgers the commands write,
 * etcd's and the workers' own metrics; nothing is read back from MongoDB.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { parse } from 'yaml';
import { JOB_DEFAULTS, JobSpec } from '../../src/jobs/job.model';
import { AppProcess, startApp } from '../../test/support/app-process';
import { deleteAllJobs, writeJob } from '../../test/support/job-store';
import { EtcdCluster, startEtcdCluster } from '../../tools/stack/etcd-cluster';
import { startStack, Stack, stopStack } from '../../tools/stack/stack';

/** The bench workers' WORKER_MAX_CONCURRENT, and the C reference's starts in flight. */
export const BENCH_MAX_CONCURRENT = 5000;

const CHART_VALUES = join(__dirname, '..', '..', 'helm', 'cronplane', 'values.yaml');

/**
 * NODE_OPTIONS of the benchmark's workers: the Helm chart's `worker.nodeOptions`, so workers run
 * as they are deployed; BENCH_WORKER_NODE_OPTIONS overrides it (empty: V8's own defaults).
 */
export function workerNodeOptions(): string {
  const override = process.env.BENCH_WORKER_NODE_OPTIONS;
  if (override !== undefined) return override;
  const values = parse(readFileSync(CHART_VALUES, 'utf8')) as { worker?: { nodeOptions?: string } };
  return values.worker?.nodeOptions ?? '';
}

export class BenchCluster {
  readonly dir: string;
  readonly processes: AppProcess[] = [];
  /** Each set of workers writes its run records into a database of its own (kept small). */
  private generation = 0;
  private constructor(
    readonly stack: Stack,
    dir: string,
    /** The client URL of each etcd member the workers use. */
    readonly etcdUrls: string[],
    readonly etcd: Etcd3,
    readonly prefix: string,
    readonly database: string,
    private readonly etcdCluster?: EtcdCluster,
  ) {
    this.dir = dir;
  }

  /**
   * `etcdMembers`: the workers use an etcd cluster of that many members started for the run
   * (tools/stack/etcd-cluster.ts, as the fault suite does), so raft writes are a real quorum's;
   * by default the stack's single member.
   */
  static async start(label: string, options: { etcdMembers?: number } = {}): Promise<BenchCluster> {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dir = mkdtempSync(join(base, `cronplane-bench-${label}-`));
    const stack = await startStack(dir);
    const members = options.etcdMembers ?? 1;
    const etcdCluster =
      members > 1
        ? await startEtcdCluster(stack.etcd.spec.binary, join(dir, 'etcd-cluster'), members)
        : undefined;
    const urls = etcdCluster?.members.map((m) => m.spec.url) ?? [stack.etcd.spec.url];
    const etcd = new Etcd3({ hosts: urls });
    const prefix = `/bench/${label}/`;
    return new BenchCluster(stack, dir, urls, etcd, prefix, `bench_${label}`, etcdCluster);
  }

  env(extra: Record<string, string>): Record<string, string> {
    return {
      ETCD_ENDPOINTS: this.etcdUrls.join(','),
      ETCD_PREFIX: this.prefix,
      MONGODB_URI: `${this.stack.mongo.spec.url}/${this.database}_${this.generation}`,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: '0',
      CRON_ADMIN_TOKEN: 'bench-admin-token-0123456789',
      RUNLOG_SPOOL_DIR: join(this.dir, 'spool', extra.WORKER_ID ?? 'master'),
      ...extra,
    };
  }

  async startWorkers(n: number, extra: Record<string, string> = {}): Promise<AppProcess[]> {
    this.generation += 1;
    const nodeOptions = workerNodeOptions();
    const started = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        startApp(
          this.env({
            ROLE: 'worker',
            WORKER_ID: `bench-worker-${this.processes.length + i}`,
            WORKER_MAX_CONCURRENT: String(BENCH_MAX_CONCURRENT),
            NODE_OPTIONS: nodeOptions,
            ...extra,
          }),
        ),
      ),
    );
    this.processes.push(...started);
    return started;
  }

  async startMaster(extra: Record<string, string> = {}): Promise<AppProcess> {
    const master = await startApp(
      this.env({ ROLE: 'master', WORKER_ID: 'bench-master', ...extra }),
    );
    this.processes.push(master);
    return master;
  }

  /** Writes jobs straight to etcd, 200 requests in flight at a time. */
  async putJobs(
    jobs: Pick<JobSpec, 'name' | 'command' | 'cronExpr'>[],
    overrides: Partial<JobSpec> = {},
  ): Promise<void> {
    const now = new Date().toISOString();
    for (let i = 0; i < jobs.length; i += 200) {
      await Promise.all(
        jobs.slice(i, i + 200).map((job) => {
          const spec: JobSpec = {
            ...JOB_DEFAULTS,
            ...overrides,
            ...job,
            createdAt: now,
            updatedAt: now,
          };
          return writeJob(this.etcd, this.prefix, spec);
        }),
      );
    }
  }

  async deleteJobs(): Promise<void> {
    await deleteAllJobs(this.etcd, this.prefix);
  }

  ledger(file: string): string[] {
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Stops the apps; with BENCH_LOG_DIR set, each one's output is kept there (`<id>.log`). */
  async stopProcesses(): Promise<void> {
    const processes = this.processes.splice(0);
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 60000)));
    const logDir = process.env.BENCH_LOG_DIR;
    if (!logDir) return;
    mkdirSync(logDir, { recursive: true });
    for (const [i, app] of processes.entries()) {
      writeFileSync(join(logDir, `${this.database}_${this.generation}-${i}.log`), app.output());
    }
  }

  async stop(): Promise<void> {
    await this.stopProcesses();
    this.etcd.close();
    await this.etcdCluster?.stop();
    await stopStack(this.stack);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resident set size of a process in MiB, from /proc. */
export function rssMiB(pid: number | undefined): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

/** The most RSS the process ever had (VmHWM), in MB (10^6 bytes, as the targets are set). */
export function peakRssMB(pid: number | undefined): number {
  return (statusKiB(pid, 'VmHWM') * 1024) / 1e6;
}

function statusKiB(pid: number | undefined, field: string): number {
  if (pid === undefined) return NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves at the start of the next whole second plus `offsetMs`. */
export async function untilNextSecond(offsetMs = 0): Promise<number> {
  const target = Math.ceil((Date.now() + 1) / 1000) * 1000 + offsetMs;
  await sleep(target - Date.now());
  return target;
}
