/**
 * GET /api/v1/jobs latency (the first page, as the console asks for it) with `jobs` jobs stored,
 * written before the master starts.
 */
import { seedJobs } from '../../test/scale/seed';
import { BenchCluster } from '../lib/cluster';
import { summarize, Summary } from '../lib/stats';

export interface ApiResult {
  jobs: number;
  requests: number;
  latencyMs: Summary;
}

export async function apiLatency(
  cluster: BenchCluster,
  options: { jobs: number; requests: number },
): Promise<ApiResult> {
  await seedJobs(cluster.etcd, cluster.prefix, options.jobs);
  const master = await cluster.startMaster();
  const headers = { authorization: 'Bearer bench-admin-token-0123456789' };
  const url = `${master.baseUrl}/api/v1/jobs`;
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < options.requests; i++) {
    const t0 = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET /api/v1/jobs: HTTP ${response.status}`);
    times.push(performance.now() - t0);
  }
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  return { jobs: options.jobs, requests: options.requests, latencyMs: summarize(times) };
}
