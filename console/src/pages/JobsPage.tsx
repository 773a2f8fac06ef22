import { useEffect, useState } from 'preact/hooks';
import { api, type Job, type JobDetail, type Role } from '../api';
import {
  Empty,
  EnabledBadge,
  ErrorBox,
  Labels,
  Loading,
  StatusBadge,
  can,
  useLoad,
} from '../components/ui';
import { describeCron } from '../cron-describe';
import { formatDuration, formatZoned, relativeTime } from '../format';
import { CursorPager } from '../components/CursorPager';
import { navigate, paths, useLocation } from '../router';

const PAGE_SIZE = 20;

/** The list's filters live in the URL, so back, reload and shared links keep them. */
function readFilters(params: URLSearchParams) {
  return {
    search: params.get('q') ?? '',
    status: params.get('status') ?? '',
    label: params.get('label') ?? '',
    cursor: params.get('cursor') ?? undefined,
    /** Cursors of the pages before this one, for "Previous". */
    trail: params.getAll('back'),
  };
}

function toUrl(filters: ReturnType<typeof readFilters>): string {
  const params = new URLSearchParams();
  if (filters.search) params.set('q', filters.search);
  if (filters.status) params.set('status', filters.status);
  if (filters.label) params.set('label', filters.label);
  if (filters.cursor) params.set('cursor', filters.cursor);
  for (const back of filters.trail) params.append('back', back);
  const text = params.toString();
  return text ? `${paths.jobs()}?${text}` : paths.jobs();
}

export function JobsPage({ role }: { role: Role }) {
  const { params } = useLocation();
  const filters = readFilters(params);
  const [search, setSearch] = useState(filters.search);
  const [label, setLabel] = useState(filters.label);
  const [details, setDetails] = useState<Record<string, JobDetail | 'error'>>({});

  const invalidPrefix = filters.search !== '' && !/^[A-Za-z0-9._-]{1,128}$/.test(filters.search);
  const invalidLabel =
    filters.label !== '' &&
    filters.label
      .split(',')
      .some((pair) => !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[A-Za-z0-9._-]{0,63}$/.test(pair.trim()));

  const list = useLoad(
    (signal) =>
      invalidPrefix || invalidLabel
        ? Promise.resolve({ items: [] as Job[], nextCursor: null })
        : api.listJobs(
            {
              prefix: filters.search || undefined,
              enabled:
                filters.status === 'enabled'
                  ? true
                  : filters.status === 'paused'
                    ? false
                    : undefined,
              labels: filters.label ? filters.label.split(',').map((l) => l.trim()) : undefined,
              limit: PAGE_SIZE,
              cursor: filters.cursor,
            },
            signal,
          ),
    [filters.search, filters.status, filters.label, filters.cursor],
  );

  // Next run and last run come from each job's detail (the list has neither).
  useEffect(() => {
    const controller = new AbortController();
    for (const job of list.data?.items ?? []) {
      api.getJob(job.name, controller.signal).then(
        (detail) => setDetails((all) => ({ ...all, [job.name]: detail })),
        () => !controller.signal.aborted && setDetails((all) => ({ ...all, [job.name]: 'error' })),
      );
    }
    return () => controller.abort();
  }, [list.data]);

  const apply = (event: Event): void => {
    event.preventDefault();
    navigate(
      toUrl({
        ...filters,
        search: search.trim(),
        label: label.trim(),
        cursor: undefined,
        trail: [],
      }),
    );
  };
  const setStatus = (status: string): void =>
    navigate(toUrl({ ...filters, status, cursor: undefined, trail: [] }));

  const items = list.data?.items ?? [];
  const filtered = filters.search !== '' || filters.status !== '' || filters.label !== '';

  return (
    <section>
      <div class="page-head">
        <h1>Jobs</h1>
        {can(role, 'admin') && (
          <a class="button" href={paths.newJob()}>
            New job
          </a>
        )}
      </div>

      <form class="filters" onSubmit={apply} role="search">
        <label>
          <span>Name starts with</span>
          <input
            type="search"
            name="q"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            placeholder="nightly-"
            aria-invalid={invalidPrefix || undefined}
          />
        </label>
        <label>
          <span>Status</span>
          <select
            name="status"
            value={filters.status}
            onChange={(e) => setStatus(e.currentTarget.value)}
          >
            <option value="">All</option>
            <option value="enabled">Enabled</option>
            <option value="paused">Paused</option>
          </select>
        </label>
        <label>
          <span>Label</span>
          <input
            type="text"
            name="label"
            value={label}
            onInput={(e) => setLabel(e.currentTarget.value)}
            placeholder="zone=eu-1"
            aria-invalid={invalidLabel || undefined}
          />
        </label>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {invalidPrefix && (
        <p class="field-error">A name has only letters, digits, ".", "_" and "-".</p>
      )}
      {invalidLabel && (
        <p class="field-error">Write labels as key=value, several separated by commas.</p>
      )}

      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading what="jobs" /> : null}
      {list.data && items.length === 0 && !list.error ? (
        <Empty>
          {filtered ? (
            'No job matches these filters.'
          ) : (
            <>
              No jobs yet.{' '}
              {can(role, 'admin') ? (
                <a href={paths.newJob()}>Create the first one.</a>
              ) : (
                'An admin can create one.'
              )}
            </>
          )}
        </Empty>
      ) : null}

      {items.length > 0 && (
        <div class="table-wrap">
          <table class="jobs">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Schedule</th>
                <th scope="col">Time zone</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">Enabled</th>
              </tr>
            </thead>
            <tbody>
              {items.map((job) => {
                const detail = details[job.name];
                const next = detail && detail !== 'error' ? detail.nextFireTimes[0] : undefined;
                const last = detail && detail !== 'error' ? detail.lastRun : undefined;
                return (
                  <tr key={job.name}>
                    <td data-label="Name">
                      <a href={paths.job(job.name)} class="job-name">
                        {job.name}
                      </a>
                      {job.description && <div class="muted small">{job.description}</div>}
                      {Object.keys(job.target.labels).length > 0 && (
                        <div class="row-labels">
                          <Labels labels={job.target.labels} />
                        </div>
                      )}
                    </td>
                    <td data-label="Schedule">
                      <code>{job.cronExpr}</code>
                      <div class="muted small">
                        {describeCron(job.cronExpr, job.cronDialect) ?? ''}
                      </div>
                    </td>
                    <td data-label="Time zone">{job.timezone}</td>
                    <td data-label="Next run">
                      {!job.enabled ? (
                        <span class="muted">paused</span>
                      ) : detail === undefined ? (
                        <span class="muted">…</span>
                      ) : next ? (
                        <span title={next}>
                          {formatZoned(next)}
                          <div class="muted small">{relativeTime(next)}</div>
                        </span>
                      ) : (
                        <span class="muted">{detail === 'error' ? 'unavailable' : 'none'}</span>
                      )}
                    </td>
                    <td data-label="Last run" class="nowrap">
                      {detail === undefined ? (
                        <span class="muted">…</span>
                      ) : last ? (
                        <a href={paths.run(last.runId)} class="plain">
                          <StatusBadge status={last.status} /> {formatDuration(last.durationMs)}
                        </a>
                      ) : (
                        <StatusBadge status={undefined} />
                      )}
                    </td>
                    <td data-label="Enabled">
                      <EnabledBadge enabled={job.enabled} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <CursorPager
        trail={filters.trail}
        cursor={filters.cursor}
        nextCursor={list.data?.nextCursor}
        previousLabel="Previous"
        nextLabel="Next"
        onPage={(cursor, trail) => navigate(toUrl({ ...filters, cursor, trail }))}
      />
    </section>
  );
}
