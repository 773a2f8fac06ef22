import { splitJobId } from '../etcd/etcd-keys';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppConfig } from '../config/app-config';

/** A job's metric labels: its namespace and its name within it. */
export function jobLabels(id: string): { namespace: string; job: string } {
  const { namespace, name } = splitJobId(id);
  return { namespace, job: name };
}

/**
 * Every Prometheus series of the process, in one registry. Services record into these fields;
 * GET /metrics renders the registry. Labels are bounded: namespaces, job names, statuses and small enums.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly runs = new Counter({
    name: 'cronplane_runs_total',
    help: 'Runs that ended (or were recorded without running), by namespace, job and status',
    labelNames: ['namespace', 'job', 'status'] as const,
    registers: [this.registry],
  });

  readonly fireLateness = new Histogram({
    name: 'cronplane_fire_lateness_seconds',
    help: 'Scheduled tick to process start',
    // Fine enough to tell a p99 of 10 ms or 25 ms from the buckets alone (npm run bench does).
    buckets: [
      0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25,
      0.35, 0.5, 0.75, 1, 1.5, 2.5, 5, 10,
    ],
    registers: [this.registry],
  });

  readonly claims = new Counter({
    name: 'cronplane_claims_total',
    help: 'Tick claims by outcome: won, lost (another worker fired it), conflict (retried)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly ownedJobs = new Gauge({
    name: 'cronplane_owned_jobs',
    help: 'Jobs this worker schedules',
    registers: [this.registry],
  });

  readonly heldPartitions = new Gauge({
    name: 'cronplane_held_partitions',
    help: 'Job partitions (namespace and slot) whose definitions this worker holds, as owner or helper',
    registers: [this.registry],
  });

  readonly fencedJobs = new Counter({
    name: 'cronplane_fenced_jobs_total',
    help: "Job definitions this worker refused to schedule: outside their namespace's worker pool, or in no namespace",
    registers: [this.registry],
  });

  readonly runningRuns = new Gauge({
    name: 'cronplane_running_runs',
    help: 'Runs executing on this worker',
    registers: [this.registry],
  });

  readonly waitingForSlot = new Gauge({
    name: 'cronplane_waiting_for_slot',
    help: 'Jobs whose next tick waits, unclaimed, for a free slot (WORKER_MAX_CONCURRENT)',
    registers: [this.registry],
  });

  readonly saturated = new Gauge({
    name: 'cronplane_worker_saturated',
    help: '1 while this worker says it is saturated, so other workers help with its jobs',
    registers: [this.registry],
  });

  readonly helpingJobs = new Gauge({
    name: 'cronplane_helping_jobs',
    help: 'Jobs of saturated workers this worker helps with (their ticks left waiting)',
    registers: [this.registry],
  });

  readonly etcdRequests = new Histogram({
    name: 'cronplane_etcd_request_duration_seconds',
    help: 'etcd request latency by operation',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly runLogQueue = new Gauge({
    name: 'cronplane_runlog_queue_depth',
    help: 'Run records waiting to be written to MongoDB',
    registers: [this.registry],
  });

  readonly runLogWritten = new Counter({
    name: 'cronplane_runlog_written_total',
    help: 'Run-log operations (starts and outcomes) written to MongoDB, spool replays included',
    registers: [this.registry],
  });

  readonly runLogSpoolBytes = new Gauge({
    name: 'cronplane_runlog_spool_bytes',
    help: 'Size of the on-disk spool of run records waiting for MongoDB',
    registers: [this.registry],
  });

  readonly alerts = new Counter({
    name: 'cronplane_alerts_total',
    help: 'Alert delivery attempts by outcome: delivered, retry, dead, skipped',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'cronplane_leader',
    help: '1 while this master leads the cluster',
    registers: [this.registry],
  });

  private readonly refreshers: (() => void)[] = [];

  constructor(config: AppConfig) {
    this.registry.setDefaultLabels({ role: config.ROLE, instance_id: config.WORKER_ID });
    collectDefaultMetrics({ register: this.registry, prefix: 'cronplane_' });
  }

  /** Registers a function that updates gauges from live state right before each scrape. */
  onScrape(refresh: () => void): void {
    this.refreshers.push(refresh);
  }

  async render(): Promise<string> {
    for (const refresh of this.refreshers) refresh();
    return this.registry.metrics();
  }

  /** Times `work` into the etcd latency histogram under `op`. */
  async timeEtcd<T>(op: string, work: () => Promise<T>): Promise<T> {
    const end = this.etcdRequests.startTimer({ op });
    try {
      return await work();
    } finally {
      end();
    }
  }
}
