import { useEffect, useState } from 'preact/hooks';
import { JobDependencies } from '../components/JobDependencies';
import { ApiError, RUN_STATUSES, api, type Role, type Run, type RunStatus } from '../api';
import { JobHistory } from '../components/JobHistory';
import { ManagedBanner } from '../components/ManagedBanner';
import { RunChart } from '../components/RunChart';
import {
  ConfirmButton,
  Empty,
  EnabledBadge,
  ErrorBox,
  Labels,
  Loading,
  Notice,
  StatusBadge,
  can,
  useLoad,
} from '../components/ui';
import { describeCron } from '../cron-describe';
import { formatDuration, formatTime, formatZoned, relativeTime } from '../format';
import { navigate, paths } from '../router';

const RUNS_PAGE = 50;

function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

export function JobDetailPage({ role, name }: { role: Role; name: string }) {
  const job = useLoad((signal) => api.getJob(name, signal), [name]);
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [runs, setRuns] = useState<Run[]>();
  const [runsError, setRunsError] = useState<unknown>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [busy, setBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setRunsError(undefined);
    api
      .listRuns(
        name,
        { status: status ? [status] : undefined, limit: RUNS_PAGE },
        controller.signal,
      )
      .then(
        (page) => {
          setRuns(page.items);
          setNextCursor(page.nextCursor);
        },
        (error: unknown) => !controller.signal.aborted && setRunsError(error),
      );
    return () => controller.abort();
  }, [name, status, refresh]);

  // While something runs, keep the history fresh.
  const anyRunning = runs?.some((run) => run.status === 'running') ?? false;
  useEffect(() => {
    if (!anyRunning) return;
    const timer = setInterval(() => {
      setRefresh((n) => n + 1);
      job.reload();
    }, 3000);
    return () => clearInterval(timer);
  }, [anyRunning]);

  const act = async (
    what: string,
    action: () => Promise<unknown>,
    after?: (result: unknown) => void,
  ) => {
    setBusy(true);
    setNotice(undefined);
    try {
      const result = await action();
      setNotice({ kind: 'ok', text: what });
      job.reload();
      setRefresh((n) => n + 1);
      after?.(result);
    } catch (error) {
      setNotice({ kind: 'error', text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };

  const loadMore = async (): Promise<void> => {
    if (!nextCursor) return;
    try {
      const page = await api.listRuns(name, {
        status: status ? [status] : undefined,
        limit: RUNS_PAGE,
        cursor: nextCursor,
      });
      setRuns((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (error) {
      setRunsError(error);
    }
  };

  if (job.error && !job.data) {
    return (
      <section>
        <h1 class="break">{name}</h1>
        <ErrorBox
          error={
            job.error instanceof ApiError && job.error.status === 404
              ? `There is no job named "${name}".`
              : job.error
          }
          onRetry={job.reload}
        />
        <p>
          <a href={paths.jobs()}>Back to the jobs</a>
        </p>
      </section>
    );
  }
  if (!job.data) return <Loading what="the job" />;
  const detail = job.data;
  const description = describeCron(detail.cronExpr, detail.cronDialect);
  const managedTitle = `Managed by ${detail.managedBy ?? ''}: change it in its files`;

  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={paths.jobs()}>Jobs</a> / <span class="break">{detail.name}</span>
      </nav>
      <div class="page-head">
        <h1 class="break">
          {detail.name} <EnabledBadge enabled={detail.enabled} />
        </h1>
        <div class="toolbar" role="group" aria-label="Job actions">
          {can(role, 'operator') && (
            <>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  act(
                    'Run requested.',
                    () => api.runJob(detail.name),
                    (result) => navigate(paths.run((result as { runId: string }).runId)),
                  )
                }
              >
                Run now
              </button>
              {detail.enabled ? (
                <button
                  type="button"
                  class="secondary"
                  disabled={busy}
                  onClick={() => act('Paused.', () => api.pauseJob(detail.name))}
                >
                  Pause
                </button>
              ) : (
                <button
                  type="button"
                  class="secondary"
                  disabled={busy}
                  onClick={() => act('Resumed.', () => api.resumeJob(detail.name))}
                >
                  Resume
                </button>
              )}
              <ConfirmButton
                label="Kill"
                title="Kill running runs?"
                message={<>Every running run of {detail.name} gets SIGTERM, then SIGKILL.</>}
                confirmLabel="Kill runs"
                danger
                onConfirm={() =>
                  act(
                    '',
                    () => api.killJob(detail.name),
                    (result) => {
                      const killed = (result as { runIds: string[] }).runIds.length;
                      setNotice({
                        kind: 'ok',
                        text:
                          killed === 0
                            ? 'Nothing was running.'
                            : `Kill requested for ${killed} run(s).`,
                      });
                    },
                  )
                }
              />
            </>
          )}
          {can(role, 'admin') && detail.managedBy && (
            <>
              <button type="button" class="secondary" disabled title={managedTitle}>
                Edit
              </button>
              <button type="button" class="danger" disabled title={managedTitle}>
                Delete
              </button>
            </>
          )}
          {can(role, 'admin') && !detail.managedBy && (
            <>
              <a class="button secondary" href={paths.editJob(detail.name)}>
                Edit
              </a>
              <ConfirmButton
                label="Delete"
                title="Delete this job?"
                message={
                  <>
                    <strong class="break">{detail.name}</strong> will no longer be scheduled. Its
                    run history stays until retention removes it. This cannot be undone.
                  </>
                }
                confirmLabel="Delete job"
                danger
                onConfirm={async () => {
                  try {
                    await api.deleteJob(detail.name, detail.revision);
                    navigate(paths.jobs());
                  } catch (error) {
                    setNotice({
                      kind: 'error',
                      text:
                        error instanceof ApiError && error.status === 412
                          ? 'The job changed since this page loaded; it was not deleted. Review it and try again.'
                          : errorText(error),
                    });
                    job.reload();
                  }
                }}
              />
            </>
          )}
        </div>
      </div>
      <ManagedBanner managedBy={detail.managedBy} />
      <Notice notice={notice} />
      {detail.description && <p class="break">{detail.description}</p>}

      <dl class="facts">
        <div>
          <dt>Schedule</dt>
          <dd>
            {detail.cronExpr === '' && (detail.after?.length ?? 0) > 0 ? (
              <span class="muted">none: runs after its upstream jobs, or by hand</span>
            ) : (
              <code>{detail.cronExpr}</code>
            )}
            {description && <div class="muted">{description}</div>}
          </dd>
        </div>
        <div>
          <dt>Time zone</dt>
          <dd>{detail.timezone}</dd>
        </div>
        <div>
          <dt>Next runs</dt>
          <dd>
            {!detail.enabled ? (
              <span class="muted">none while paused</span>
            ) : detail.nextFireTimes.length === 0 ? (
              <span class="muted">none</span>
            ) : (
              <ol class="times">
                {detail.nextFireTimes.map((time, index) => (
                  <li key={time}>
                    {formatZoned(time)}{' '}
                    {index === 0 && <span class="muted small">({relativeTime(time)})</span>}
                  </li>
                ))}
              </ol>
            )}
          </dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd>
            {detail.lastRun ? (
              <a href={paths.run(detail.lastRun.runId)} class="plain">
                <StatusBadge status={detail.lastRun.status} /> {formatTime(detail.lastRun.tick)} ·{' '}
                {formatDuration(detail.lastRun.durationMs)}
              </a>
            ) : (
              <StatusBadge status={undefined} />
            )}
          </dd>
        </div>
        <div class="wide">
          <dt>{detail.executor?.type === 'http' ? 'Request (HTTP)' : 'Command'}</dt>
          <dd>
            <pre class="command">
              {detail.executor?.type === 'http'
                ? `${detail.executor.method} ${detail.executor.url}`
                : detail.command}
            </pre>
          </dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>
            <Labels labels={detail.target.labels} />{' '}
            <span class="muted">
              · {detail.target.mode === 'all' ? 'every matching worker' : 'one worker'}
            </span>
          </dd>
        </div>
        {Object.keys(detail.env ?? {}).length > 0 && (
          <div class="wide">
            <dt>Environment</dt>
            <dd>
              <ul class="env" aria-label="Environment">
                {Object.entries(detail.env).map(([key, value]) => (
                  <li key={key}>
                    <code>{key}</code>{' '}
                    {typeof value === 'string' ? (
                      <code>{value}</code>
                    ) : (
                      <span>
                        secret <code>{value.secretRef}</code>
                        {detail.danglingSecrets?.includes(value.secretRef) && (
                          <span class="badge status-failed" data-testid="dangling-secret">
                            missing: its runs fail until it is set
                          </span>
                        )}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
        <div>
          <dt>Policies</dt>
          <dd>
            timeout {detail.timeoutSeconds ? `${detail.timeoutSeconds} s` : 'none'} · concurrency{' '}
            {detail.concurrencyPolicy} · misfire {detail.misfirePolicy} · retries{' '}
            {detail.retries.max}
          </dd>
        </div>
        <div>
          <dt>Runs as</dt>
          <dd>{detail.runAs ?? "the worker's user"}</dd>
        </div>
      </dl>

      <JobDependencies detail={detail} />

      <JobHistory
        role={role}
        name={detail.name}
        revision={detail.revision}
        managedBy={detail.managedBy}
        onRolledBack={(version) => {
          setNotice({ kind: 'ok', text: `Rolled back to version ${version}.` });
          job.reload();
        }}
        onError={(text) => setNotice({ kind: 'error', text })}
      />

      <div class="page-head">
        <h2>Runs</h2>
        <label class="inline">
          <span>Status</span>
          <select
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value as RunStatus | '')}
            name="run-status"
          >
            <option value="">All</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {runsError ? <ErrorBox error={runsError} onRetry={() => setRefresh((n) => n + 1)} /> : null}
      {runs === undefined && !runsError ? <Loading what="runs" /> : null}
      {runs && runs.length === 0 ? (
        <Empty>
          {status ? `No ${status} runs.` : 'No runs yet. The next one is listed above.'}
        </Empty>
      ) : null}
      {runs && runs.length > 0 && (
        <>
          <RunChart runs={runs} />
          <div class="table-wrap">
            <table class="runs">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Scheduled</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Lateness</th>
                  <th scope="col">Worker</th>
                  <th scope="col">Exit</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => (
                  <tr key={run.runId}>
                    <td data-label="Status">
                      <a
                        href={paths.run(run.runId)}
                        class="plain"
                        aria-label={`Run ${run.runId}: ${run.status}`}
                      >
                        <StatusBadge status={run.status} />
                      </a>
                    </td>
                    <td data-label="Scheduled">
                      <a href={paths.run(run.runId)}>{formatTime(run.tick)}</a>
                    </td>
                    <td data-label="Trigger">
                      {run.trigger}
                      {run.attempt > 1 ? ` #${run.attempt}` : ''}
                    </td>
                    <td data-label="Duration">{formatDuration(run.durationMs)}</td>
                    <td data-label="Lateness">{formatDuration(run.latenessMs)}</td>
                    <td data-label="Worker" class="break">
                      {run.workerId ?? '—'}
                    </td>
                    <td data-label="Exit">{run.exitCode ?? run.signal ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {nextCursor && (
            <button type="button" class="secondary" onClick={loadMore}>
              Load older runs
            </button>
          )}
        </>
      )}
    </section>
  );
}
