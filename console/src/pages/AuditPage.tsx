import { useState } from 'preact/hooks';
import { adminApi, type AuditEntry } from '../api-admin';
import { Empty, ErrorBox, Loading, useLoad } from '../components/ui';
import { formatTime } from '../format';
import { CursorPager } from '../components/CursorPager';
import { currentNamespace, navigate, paths, useLocation } from '../router';

const PAGE_SIZE = 50;

/** The actions the API records (docs/api.md, Audit). */
const ACTIONS = [
  'job.create',
  'job.replace',
  'job.update',
  'job.delete',
  'job.rollback',
  'job.pause',
  'job.resume',
  'job.run',
  'job.kill',
  'run.kill',
  'token.create',
  'token.revoke',
  'secret.put',
  'secret.delete',
  'secrets.rotate',
  'namespace.create',
  'namespace.update',
  'namespace.delete',
];

interface Filters {
  job: string;
  action: string;
  actor: string;
  cursor?: string;
  /** Cursors of the pages before this one, for "Previous". */
  trail: string[];
}

function readFilters(params: URLSearchParams): Filters {
  return {
    job: params.get('job') ?? '',
    action: params.get('action') ?? '',
    actor: params.get('actor') ?? '',
    cursor: params.get('cursor') ?? undefined,
    trail: params.getAll('back'),
  };
}

function toUrl(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.job) params.set('job', filters.job);
  if (filters.action) params.set('action', filters.action);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.cursor) params.set('cursor', filters.cursor);
  for (const back of filters.trail) params.append('back', back);
  const text = params.toString();
  return text ? `${paths.audit()}?${text}` : paths.audit();
}

/** What else an entry records, as "key value" pairs. */
function Details({ entry }: { entry: AuditEntry }) {
  const parts: preact.JSX.Element[] = [];
  if (entry.revision !== undefined) parts.push(<span key="rev">revision {entry.revision}</span>);
  if (entry.version !== undefined) parts.push(<span key="ver">version {entry.version}</span>);
  if (entry.runId)
    parts.push(
      <span key="run">
        run{' '}
        <a href={paths.run(entry.runId)} class="break">
          {entry.runId}
        </a>
      </span>,
    );
  if (entry.subject)
    parts.push(
      <span key="subject">
        token <code>{entry.subject}</code>
      </span>,
    );
  if (entry.managedBy) parts.push(<span key="managed">managed by {entry.managedBy}</span>);
  if (entry.override) parts.push(<span key="override">override: “{entry.override}”</span>);
  if (entry.via !== 'v1') parts.push(<span key="via">via {entry.via}</span>);
  if (parts.length === 0) return <span class="muted">—</span>;
  return <span class="audit-details">{parts}</span>;
}

/**
 * The namespace's audit log (GET /audit, newest first; in `default` also the cluster's own
 * entries, such as tokens), paged by the API's cursor, filtered by job, action and actor. Read-only
 * for every role.
 */
export function AuditPage() {
  const { params } = useLocation();
  const filters = readFilters(params);
  const [job, setJob] = useState(filters.job);
  const [actor, setActor] = useState(filters.actor);
  const list = useLoad(
    (signal) =>
      adminApi.listAudit(
        {
          job: filters.job || undefined,
          action: filters.action || undefined,
          actor: filters.actor || undefined,
          limit: PAGE_SIZE,
          cursor: filters.cursor,
        },
        signal,
      ),
    [filters.job, filters.action, filters.actor, filters.cursor],
  );
  const apply = (event: Event): void => {
    event.preventDefault();
    navigate(
      toUrl({ ...filters, job: job.trim(), actor: actor.trim(), cursor: undefined, trail: [] }),
    );
  };
  const items = list.data?.items ?? [];
  const filtered = filters.job !== '' || filters.action !== '' || filters.actor !== '';

  return (
    <section>
      <div class="page-head">
        <h1>Audit log</h1>
        <span class="muted">namespace {currentNamespace()}</span>
      </div>
      <form class="filters" onSubmit={apply} role="search" aria-label="Audit filters">
        <label>
          <span>Job</span>
          <input
            type="search"
            name="job"
            value={job}
            onInput={(e) => setJob(e.currentTarget.value)}
            placeholder="nightly-report"
          />
        </label>
        <label>
          <span>Action</span>
          <select
            name="action"
            value={filters.action}
            onChange={(e) =>
              navigate(
                toUrl({ ...filters, action: e.currentTarget.value, cursor: undefined, trail: [] }),
              )
            }
          >
            <option value="">All</option>
            {ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Actor (token name)</span>
          <input
            type="search"
            name="actor"
            value={actor}
            onInput={(e) => setActor(e.currentTarget.value)}
            placeholder="ci-deployer"
          />
        </label>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>

      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading what="the audit log" /> : null}
      {list.data && items.length === 0 && !list.error ? (
        <Empty>{filtered ? 'No entry matches these filters.' : 'No change recorded yet.'}</Empty>
      ) : null}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="audit" aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Job</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.entryId}>
                  <td data-label="Time" class="nowrap" title={entry.at}>
                    {formatTime(entry.at)}
                  </td>
                  <td data-label="Actor" class="break">
                    {entry.tokenName}
                    <div class="muted small">{entry.role}</div>
                  </td>
                  <td data-label="Action">
                    <code>{entry.action}</code>
                  </td>
                  <td data-label="Job" class="break">
                    {entry.job ? (
                      <a href={paths.job(entry.job)}>{entry.job}</a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td data-label="Details">
                    <Details entry={entry} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <CursorPager
        trail={filters.trail}
        cursor={filters.cursor}
        nextCursor={list.data?.nextCursor}
        previousLabel="Newer"
        nextLabel="Older"
        onPage={(cursor, trail) => navigate(toUrl({ ...filters, cursor, trail }))}
      />
    </section>
  );
}
