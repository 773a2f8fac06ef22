/** Counters scraped from etcd's own /metrics, to count requests and raft writes per fire. */
export interface EtcdCounters {
  /** Raft proposals committed: every write (put, delete, txn, lease grant/revoke...) is one. */
  proposals: number;
  /** gRPC requests handled (unary), all services. */
  requests: number;
}

export async function etcdCounters(endpoint: string): Promise<EtcdCounters> {
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
