/**
 * A 3-member (or n-member) etcd cluster on loopback, for fault tests: each member is a child
 * process with its own client and peer ports and data directory, and can be killed and restarted
 * on the same ports (it rejoins with its data).
 */
import { join } from 'node:path';
import { createServer } from 'node:net';
import { RunningService, ServiceSpec, startService, waitUntil } from './services';

export interface EtcdMember {
  name: string;
  spec: ServiceSpec;
  running?: RunningService;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Comma-separated client URLs, for ETCD_ENDPOINTS. */
  endpoints: string;
  /** The member that is leader now (asked of any running member), or undefined. */
  leader(): Promise<EtcdMember | undefined>;
  /** SIGKILL a member (no graceful leave). */
  kill(member: EtcdMember): Promise<void>;
  /** Starts a stopped member again on its ports with its data. */
  restart(member: EtcdMember): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A free loopback port in 20000-32767, below Linux's default ephemeral range (32768-60999): a
 * server restarted on it cannot find it taken by some outgoing connection in the meantime.
 */
export async function lowPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

interface StatusAnswer {
  header?: { member_id?: string };
  leader?: string;
}

async function memberStatus(port: number): Promise<StatusAnswer | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(1000),
    });
    return response.ok ? ((await response.json()) as StatusAnswer) : undefined;
  } catch {
    return undefined;
  }
}

async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    return ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcdCluster(
  binary: string,
  dir: string,
  size = 3,
): Promise<EtcdCluster> {
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ client: await lowPort(), peer: await lowPort() });
  const initialCluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
  const members: EtcdMember[] = ports.map((p, i) => {
    const name = `m${i}`;
    const url = `http://127.0.0.1:${p.client}`;
    const peer = `http://127.0.0.1:${p.peer}`;
    const memberDir = join(dir, name);
    return {
      name,
      spec: {
        name: 'etcd',
        binary,
        port: p.client,
        url,
        logFile: join(memberDir, 'etcd.log'),
        args: [
          `--name=${name}`,
          `--data-dir=${join(memberDir, 'data')}`,
          `--listen-client-urls=${url}`,
          `--advertise-client-urls=${url}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=${initialCluster}`,
          '--initial-cluster-state=new',
          '--initial-cluster-token=cronplane-faults',
          '--auto-compaction-mode=periodic',
          '--auto-compaction-retention=1h',
          '--log-level=warn',
          '--logger=zap',
        ],
        // A member alone is not healthy until a quorum exists: start them together, then wait.
        isReady: () => Promise.resolve(true),
      },
    };
  });
  for (const member of members) member.running = await startService(member.spec);
  await waitUntil(
    async () => (await Promise.all(members.map((m) => healthy(m.spec.port)))).every(Boolean),
    30000,
    'the etcd cluster to elect a leader',
  );
  for (const member of members) member.spec.isReady = () => healthy(member.spec.port);

  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.spec.url).join(','),
    async leader() {
      for (const member of members) {
        if (!member.running) continue;
        const status = await memberStatus(member.spec.port);
        if (!status?.leader) continue;
        for (const candidate of members) {
          if (!candidate.running) continue;
          const own = await memberStatus(candidate.spec.port);
          if (own?.header?.member_id === status.leader) return candidate;
        }
      }
      return undefined;
    },
    async kill(member) {
      const running = member.running;
      if (!running) return;
      member.running = undefined;
      try {
        process.kill(running.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await running.stop(1000);
    },
    async restart(member) {
      if (member.running) return;
      member.running = await startService(member.spec, { timeoutMs: 60000 });
    },
    async stop() {
      await Promise.all(
        members.map(async (m) => {
          await m.running?.stop(5000);
          m.running = undefined;
        }),
      );
    },
  };
  return cluster;
}
