import { useEffect } from 'preact/hooks';
import { api } from '../api';
import { Empty, ErrorBox, Labels, Loading, useLoad } from '../components/ui';
import { formatTime, relativeTime } from '../format';

export function WorkersPage() {
  const workers = useLoad((signal) => api.workers(signal), []);
  const cluster = useLoad((signal) => api.cluster(signal), []);

  useEffect(() => {
    const timer = setInterval(() => {
      workers.reload();
      cluster.reload();
    }, 5000);
    return () => clearInterval(timer);
  }, []);

  return (
    <section>
      <div class="page-head">
        <h1>Workers</h1>
      </div>

      <h2>Masters</h2>
      {cluster.error ? <ErrorBox error={cluster.error} onRetry={cluster.reload} /> : null}
      {!cluster.data && !cluster.error ? <Loading what="the cluster" /> : null}
      {cluster.data && (
        <>
          <p data-testid="leader">
            {cluster.data.leader ? (
              <>
                Leader: <strong class="break">{cluster.data.leader.id}</strong>{' '}
                <span class="muted">since {formatTime(cluster.data.leader.since)}</span>
              </>
            ) : (
              <span class="warn">
                No master leads right now; scheduled duties (retention, alerts) wait for one.
              </span>
            )}
          </p>
          {cluster.data.masters.length > 0 && (
            <ul class="masters">
              {cluster.data.masters.map((master) => (
                <li key={master.id}>
                  <span class="break">{master.id}</span> <span class="muted">on {master.host}</span>
                  {master.leader && <span class="badge enabled">leader</span>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      <h2>Workers</h2>
      {workers.error ? <ErrorBox error={workers.error} onRetry={workers.reload} /> : null}
      {!workers.data && !workers.error ? <Loading what="workers" /> : null}
      {workers.data && workers.data.length === 0 ? (
        <Empty>
          No worker is registered. Jobs will not run until a worker (ROLE=worker or all) is up.
        </Empty>
      ) : null}
      {workers.data && workers.data.length > 0 && (
        <div class="table-wrap">
          <table class="workers">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Host</th>
                <th scope="col">Labels</th>
                <th scope="col">Running</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Started</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((worker) => (
                <tr key={worker.id}>
                  <td data-label="Worker" class="break mono small">
                    {worker.id}
                  </td>
                  <td data-label="Host" class="break">
                    {worker.host}
                    <div class="muted small">
                      {worker.ip} · pid {worker.pid}
                    </div>
                  </td>
                  <td data-label="Labels">
                    <Labels labels={worker.labels} />
                  </td>
                  <td data-label="Running">
                    {worker.running} / {worker.capacity}
                  </td>
                  <td data-label="Last heartbeat">
                    {worker.lastHeartbeat ? (
                      relativeTime(worker.lastHeartbeat)
                    ) : (
                      <span title="Registered under a live etcd lease, renewed every few seconds">
                        live lease
                      </span>
                    )}
                  </td>
                  <td data-label="Started">{formatTime(worker.startedAt)}</td>
                  <td data-label="Version">{worker.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
