/** Counters scraped from etcd's own /metrics, to count requests and raft writes per fire. */
export interface EtcdCounters {
  /** Raft proposals committed: every write (put, delete, txn, lease grant/revoke...) is one. */
  proposals: number;
  /** gRPC requests handled (unary), all services. */
  requests: number;
}

/**
 * The counters of an etcd cluster given its members' client URLs: requests summed over the
 * members (a client talks to any of them), proposals from the member that committed the most
 * (every member commits every proposal; one that lags has committed fewer).
 */
export async function etcdCounters(endpoints: string[]): Promise<EtcdCounters> {
  const each = await Promise.all(endpoints.map(memberCounters));
  return {
    proposals: Math.max(...each.map((c) => c.proposals)),
    requests: each.reduce((sum, c) => sum + c.requests, 0),
  };
}

async function memberCounters(endpoint: string): Promise<EtcdCounters> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  let proposals = 0;
  let requests = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('etcd_server_proposals_committed_total '))
      proposals = Number(line.split(' ')[1]);
    if (line.startsWith('grpc_server_handled_total{') && line.includes('grpc_type="unary"')) {
      requests += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return { proposals, requests };
}

export function diff(after: EtcdCounters, before: EtcdCounters): EtcdCounters {
  return {
    proposals: after.proposals - before.proposals,
    requests: after.requests - before.requests,
  };
}
