/**
 * `npm run bench [scenario ...]`: drives the real stack (etcd, FerretDB or mongod) with worker
 * processes built from dist/, prints a table and writes JSON and an SVG chart to bench/results/.
 * Scenarios: refs idle steady burst spread mixed ramp failover api http http-ceiling scale
 * raft3 join peer (default: all). `raft3` repeats idle and steady against a 3-member etcd. `peer`
 * runs BullMQ job schedulers on Redis through the same steady load and ramp, for the ratios.
 */
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { buildServer } from '../tools/build';
import { BENCH_MAX_CONCURRENT, BenchCluster, workerNodeOptions } from './lib/cluster';
import { cSpawnLimit, etcdCasRate, rawSpawnBurstMs } from './lib/reference';
import { HttpSink } from './lib/http-sink';
import { printTable, Row, writeResults } from './lib/report';
import { httpRows, steadyRows } from './lib/rows';
import { peerSteady, startRedis } from './peer/bullmq';
import { apiLatency } from './scenarios/api';
import { burst } from './scenarios/burst';
import { failover } from './scenarios/failover';
import { httpCeiling, httpJobs } from './scenarios/http';
import { joinCluster } from './scenarios/join';
import { ramp, rampSteps } from './scenarios/ramp';
import { steady, SteadyResult } from './scenarios/steady';

const ROOT = resolve(__dirname, '..');
const ALL = [
  'refs',
  'idle',
  'steady',
  'burst',
  'spread',
  'mixed',
  'ramp',
  'failover',
  'api',
  'http',
  'http-ceiling',
  'scale',
  'raft3',
  'join',
  'peer',
] as const;
const RAMP_STEPS = [250, 500, 600, 650, 700, 750, 800, 900, 1000, 1500, 2000];
const HTTP_STEPS = [1000, 2000, 3000, 4000, 5000, 6000, 8000];
type Scenario = (typeof ALL)[number];

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(ALL as readonly string[]).includes(a));
  if (unknown.length) {
    process.stderr.write(
      `bench: unknown scenario ${unknown.join(', ')}; choose from ${ALL.join(' ')}\n`,
    );
    process.exit(2);
  }
  const selected: Scenario[] = asked.length ? (asked as Scenario[]) : [...ALL];
  buildServer();
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const cluster = await BenchCluster.start('run');
  const sink = await HttpSink.start();
  try {
    for (const scenario of selected) {
      process.stderr.write(`bench: ${scenario}\n`);
      switch (scenario) {
        case 'refs': {
          const spawn = {
            n200: await rawSpawnBurstMs(200),
            n500: await rawSpawnBurstMs(500),
            n1000: await rawSpawnBurstMs(1000),
          };
          const limit = await cSpawnLimit(1000, BENCH_MAX_CONCURRENT);
          const capped = await cSpawnLimit(1000, 256);
          const cas = await etcdCasRate(cluster.etcdUrls);
          raw.refs = { rawSpawnMs: spawn, cSpawn: [limit, capped], etcdCasPerSecond: cas };
          rows.push(
            {
              scenario: 'refs',
              metric: 'C posix_spawn of 1000 sh -c true ms',
              value: limit.lastStartMs,
            },
            { scenario: 'refs', metric: 'C spawns/s', value: limit.startsPerSecond },
            {
              scenario: 'refs',
              metric: 'C spawns/s, 256 in flight',
              value: capped.startsPerSecond,
            },
            { scenario: 'refs', metric: 'Node spawn of 1000 sh -c true ms', value: spawn.n1000 },
            { scenario: 'refs', metric: 'Node spawns/s', value: (1000 * 1000) / spawn.n1000 },
            { scenario: 'refs', metric: 'etcd CAS txn/s', value: cas },
          );
          break;
        }
        case 'idle': {
          const r = await steady(cluster, { jobs: 1, workers: 1, seconds: 60, label: 'idle' });
          raw.idle = r;
          rows.push(...steadyRows('idle (1 job/s)', r, { p99Ms: 10 }));
          break;
        }
        case 'steady': {
          const r = await steady(cluster, { jobs: 1000, workers: 2, seconds: 30, label: 'steady' });
          raw.steady = r;
          rows.push(...steadyRows('a: 1000 jobs/s, 2 workers', r));
          break;
        }
        case 'burst': {
          const results = [];
          for (const n of [200, 500, 1000]) {
            const r = await burst(cluster, { n, workers: 2, bursts: 4 });
            results.push(r);
            rows.push(
              { scenario: `burst ${n}`, metric: 'last start ms', value: r.worstMs },
              {
                scenario: `burst ${n}`,
                metric: `last start / C limit (${r.cSpawnMs.toFixed(0)} ms; Node ${r.rawSpawnMs.toFixed(0)} ms)`,
                value: r.ratio,
                target: '<= 1.15',
                pass: r.pass,
              },
            );
          }
          raw.burst = results;
          break;
        }
        case 'spread': {
          const r = await steady(cluster, {
            jobs: 2000,
            workers: 2,
            seconds: 30,
            label: 'spread',
            cronFor: () => 'H/5 * * * * *',
            rate: 0.2,
          });
          raw.spread = r;
          rows.push(...steadyRows('spread: 2000 jobs/5 s', r, { p99Ms: 25 }));
          break;
        }
        case 'mixed': {
          const cronFor = (i: number): string =>
            i % 50 === 0 ? '* * * * * *' : i % 5 === 0 ? 'H/5 * * * * *' : 'H * * * * *';
          // 200 jobs every second, 1800 every 5 s, 8000 once a minute, each at its own instant.
          const rate = (200 * 1 + 1800 * 0.2 + 8000 / 60) / 10000;
          const r = await steady(cluster, {
            jobs: 10000,
            workers: 2,
            seconds: 60,
            label: 'mixed',
            cronFor,
            rate,
          });
          raw.mixed = r;
          rows.push(...steadyRows('b: 10000 mixed jobs', r, { peakRssMB: 200 }));
          break;
        }
        case 'ramp': {
          const r = await ramp(cluster, {
            workers: 2,
            steps: RAMP_STEPS,
            seconds: 15,
          });
          // The physical limit measured right after the ramp, in the same run.
          const limit = await cSpawnLimit(1000, BENCH_MAX_CONCURRENT);
          raw.ramp = { ...r, cSpawn: limit };
          rows.push(
            {
              scenario: 'c: ramp',
              metric: 'ceiling fires/s (p99 < 1 s, 0 misses)',
              value: r.ceilingFiresPerSecond,
            },
            {
              scenario: 'c: ramp',
              metric: `ceiling / C spawn rate (${limit.startsPerSecond.toFixed(0)}/s)`,
              value: r.ceilingFiresPerSecond / limit.startsPerSecond,
              target: '>= 0.8',
              pass: r.ceilingFiresPerSecond >= 0.8 * limit.startsPerSecond,
            },
          );
          break;
        }
        case 'raft3': {
          const three = await BenchCluster.start('raft3', { etcdMembers: 3 });
          try {
            const idle = await steady(three, { jobs: 1, workers: 1, seconds: 30, label: 'idle' });
            const busy = await steady(three, {
              jobs: 1000,
              workers: 2,
              seconds: 30,
              label: 'steady',
            });
            raw.raft3 = { idle, busy };
            const perFire = (r: SteadyResult, at: string, most: number): Row => ({
              scenario: 'raft3: 3-member etcd',
              metric: `raft writes per fire at ${at} (misses ${r.misses}, duplicates ${r.duplicates})`,
              value: r.raftWritesPerFire,
              target: `<= ${most}`,
              pass: r.raftWritesPerFire <= most && r.misses === 0 && r.duplicates === 0,
            });
            rows.push(perFire(idle, '1 fire/s', 1), perFire(busy, '1000 fires/s', 0.1));
          } finally {
            await three.stop();
          }
          break;
        }
        case 'join': {
          const r = await joinCluster(cluster, { jobs: 100_000, workers: 4 });
          raw.join = r;
          rows.push(
            {
              scenario: 'join: 1 worker into 100,000 jobs',
              metric: 'start to first fire ms',
              value: r.firstFireMs,
              target: '<= 10000',
              pass: r.firstFireMs <= 10_000,
            },
            {
              scenario: 'join: 1 worker into 100,000 jobs',
              metric: 'worker RSS MiB; peak RSS MB',
              value: `${r.rssMiB.toFixed(0)}; ${r.peakRssMB.toFixed(0)}`,
            },
            {
              scenario: `join: ${r.cluster.workers} workers into 100,000 jobs`,
              metric: 'peak RSS MB per worker (RSS MiB settled)',
              value: r.cluster.peakRssMB
                .map((peak, i) => `${peak.toFixed(0)} (${r.cluster.rssMiB[i].toFixed(0)})`)
                .join(', '),
              target: '<= 150',
              pass: Math.max(...r.cluster.peakRssMB) <= 150,
            },
            {
              scenario: 'join: 1 worker into 100,000 jobs',
              metric: 'etcd size in use per job (bytes)',
              value: ((r.etcdBytes.after - r.etcdBytes.before) / r.jobs).toFixed(0),
            },
          );
          break;
        }
        case 'failover': {
          const r = await failover(cluster, { jobs: 100, ttlSeconds: 10 });
          raw.failover = r;
          rows.push({
            scenario: 'd: failover (TTL 10 s)',
            metric: 'kill to refire max ms',
            value: r.maxMs,
            target: '<= TTL + 2 s',
            pass: r.maxMs <= 12000,
          });
          rows.push({
            scenario: 'd: failover (TTL 10 s)',
            metric: 'kill to refire median ms',
            value: r.medianMs,
          });
          break;
        }
        case 'http': {
          const r = await httpJobs(cluster, sink, { jobs: 200, workers: 2, seconds: 20 });
          raw.http = r;
          rows.push(...httpRows('http: 200 HTTP jobs/s to a local sink, 2 workers', r));
          break;
        }
        case 'http-ceiling': {
          const r = await httpCeiling(cluster, sink, {
            workers: 2,
            steps: rampSteps(HTTP_STEPS),
            seconds: 15,
          });
          raw.httpCeiling = r;
          rows.push({
            scenario: 'http-ceiling: every-second HTTP jobs, 2 workers',
            metric: 'ceiling fires/s (p99 < 1 s, 0 misses)',
            value: r.ceilingFiresPerSecond,
            target: '>= 5000',
            pass: r.ceilingFiresPerSecond >= 5000,
          });
          break;
        }
        case 'scale': {
          const r = await httpJobs(cluster, sink, {
            jobs: 100_000,
            workers: 4,
            seconds: 60,
            cronExpr: 'H * * * * *',
            rate: 1 / 60,
            warmupSeconds: 30,
            seedFirst: true,
          });
          raw.scale = r;
          rows.push(
            ...httpRows('scale: 100,000 HTTP jobs H * * * * *, 4 workers', r, {
              p99Ms: 50,
              peakRssMB: 150,
            }),
          );
          break;
        }
        case 'api': {
          const r = await apiLatency(cluster, { jobs: 100_000, requests: 500 });
          raw.api = r;
          rows.push({
            scenario: 'api: GET /api/v1/jobs, 100,000 jobs',
            metric: 'p50 ms',
            value: r.latencyMs.p50,
          });
          rows.push({
            scenario: 'api: GET /api/v1/jobs, 100,000 jobs',
            metric: 'p99 ms',
            value: r.latencyMs.p99,
            target: '<= 50',
            pass: r.latencyMs.p99 <= 50,
          });
          break;
        }
        case 'peer': {
          const redis = await startRedis(join(cluster.dir, 'redis'));
          try {
            const a = await peerSteady(redis, cluster.dir, {
              jobs: 1000,
              workers: 2,
              seconds: 30,
              label: 'steady',
            });
            raw.peerSteady = a;
            rows.push(
              ...steadyRows('peer a: BullMQ 1000 jobs/s', {
                ...a,
                etcdRequestsPerFire: NaN,
                raftWritesPerFire: NaN,
                workerRssMiB: [NaN],
                workerPeakRssMB: [NaN],
                runRecordsPerSecond: NaN,
              }),
            );
            let ceiling = 0;
            const steps = [];
            for (const jobs of RAMP_STEPS) {
              const step = await peerSteady(redis, cluster.dir, {
                jobs,
                workers: 2,
                seconds: 15,
                label: `ramp${jobs}`,
              });
              steps.push(step);
              process.stderr.write(
                `bench: peer ramp ${jobs}: p99 ${step.lateness.p99} ms, misses ${step.misses}\n`,
              );
              if (step.misses > 0 || step.duplicates > 0 || step.lateness.p99 >= 1000) break;
              ceiling = step.firesPerSecond;
            }
            raw.peerRamp = { steps, ceilingFiresPerSecond: ceiling };
            rows.push({
              scenario: 'peer c: BullMQ ramp',
              metric: 'ceiling fires/s',
              value: ceiling,
            });
            const ours = (raw.ramp as { ceilingFiresPerSecond?: number } | undefined)
              ?.ceilingFiresPerSecond;
            if (ours !== undefined) {
              rows.push({
                scenario: 'c vs peer',
                metric: 'ceiling ratio',
                value: ours / Math.max(1, ceiling),
                target: '>= 1.2',
                pass: ours >= 1.2 * ceiling,
              });
            }
          } finally {
            await redis.stop();
          }
          break;
        }
      }
    }
  } finally {
    await sink.stop();
    await cluster.stop();
  }
  printTable(rows);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    mongo: cluster.stack.mongo.spec.binary,
    workerNodeOptions: workerNodeOptions(),
  };
  const stamp = writeResults(join(ROOT, 'bench', 'results'), { rows, raw, machine });
  process.stdout.write(`\nresults: bench/results/${stamp}.json, bench/results/latest.svg\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
