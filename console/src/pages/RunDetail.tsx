import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, followRun, type Role, type Run } from '../api';
import { ansiSegments } from '../ansi';
import { ConfirmButton, ErrorBox, Loading, Notice, StatusBadge, can } from '../components/ui';
import { formatDuration, formatTime } from '../format';
import { paths } from '../router';

const POLL_MS = 1000;

/** Output with ANSI colours as styled text nodes (never parsed as HTML). */
function Output({ text, follow }: { text: string; follow: boolean }) {
  const segments = useMemo(() => ansiSegments(text), [text]);
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [text, follow]);
  return (
    <pre class="output" ref={ref} tabIndex={0} aria-label="Run output" data-testid="run-output">
      {segments.length === 0 ? (
        <span class="muted">(no output)</span>
      ) : (
        segments.map((segment, index) =>
          segment.classes ? (
            <span key={index} class={segment.classes}>
              {segment.text}
            </span>
          ) : (
            segment.text
          ),
        )
      )}
    </pre>
  );
}

export function RunDetailPage({ role, runId }: { role: Role; runId: string }) {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<unknown>();
  /** How many times in a row the run had no record yet. */
  const [waiting, setWaiting] = useState(0);
  const [live, setLive] = useState<'stream' | 'poll' | undefined>();
  const [follow, setFollow] = useState(true);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [reload, setReload] = useState(0);

  // Load the run; a run that was just requested has no record until a worker starts it.
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      api.getRun(runId, controller.signal).then(
        (loaded) => {
          setRun(loaded);
          setWaiting(0);
          setError(undefined);
        },
        (caught: unknown) => {
          if (controller.signal.aborted) return;
          if (caught instanceof ApiError && caught.status === 404) {
            setWaiting((count) => count + 1);
            timer = setTimeout(load, POLL_MS);
          } else setError(caught);
        },
      );
    };
    load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [runId, reload]);

  // While it runs: follow the live stream (resuming after a dropped connection); a master
  // without the stream is polled instead.
  const running = run?.status === 'running';
  const [streamed, setStreamed] = useState<string>();
  useEffect(() => {
    if (!running) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setInterval> | undefined;
    let seq = 0;
    let ended = false;
    let text = '';
    const poll = (): void => {
      setLive('poll');
      timer = setInterval(() => {
        api.getRun(runId, controller.signal).then(
          (loaded) => {
            setRun(loaded);
            if (loaded.status !== 'running') clearInterval(timer);
          },
          () => undefined,
        );
      }, POLL_MS);
    };
    const follow = (attempt: number): void => {
      setLive('stream');
      followRun(
        runId,
        (event) => {
          if (event.kind === 'output') {
            if (event.seq !== undefined && event.seq <= seq) return;
            seq = event.seq ?? seq;
            text += event.text;
            setStreamed(text);
          } else if (event.kind === 'end') ended = true;
        },
        controller.signal,
        seq,
      ).then(
        () => {
          if (controller.signal.aborted) return;
          // Ended with the run: read the final record (status, exit code, whole output).
          if (ended) setReload((n) => n + 1);
          else if (attempt >= 5) poll();
          else follow(attempt + 1);
        },
        () =>
          !controller.signal.aborted &&
          (seq === 0 ? poll() : setTimeout(() => follow(attempt + 1), POLL_MS)),
      );
    };
    follow(0);
    return () => {
      controller.abort();
      clearInterval(timer);
      setLive(undefined);
      setStreamed(undefined);
    };
  }, [runId, running]);

  if (error) {
    return (
      <section>
        <h1>Run</h1>
        <ErrorBox error={error} onRetry={() => setReload((n) => n + 1)} />
      </section>
    );
  }
  if (waiting) {
    return (
      <section>
        <h1 class="break">Run {runId}</h1>
        <div class="loading" role="status">
          Waiting for a worker to start this run…
          {waiting * POLL_MS > 15_000 && (
            <p>
              No worker has started it yet. A run waits while the job's worker is busy or while no
              worker matches its labels: see <a href={paths.workers()}>the workers</a>.
            </p>
          )}
        </div>
      </section>
    );
  }
  if (!run) return <Loading what="the run" />;

  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={paths.jobs()}>Jobs</a> / <a href={paths.job(run.job)}>{run.job}</a> /{' '}
        <span>run</span>
      </nav>
      <div class="page-head">
        <h1 class="break">
          Run of {run.job} <StatusBadge status={run.status} />
        </h1>
        {running && can(role, 'operator') && (
          <div class="toolbar">
            <ConfirmButton
              label="Kill run"
              title="Kill this run?"
              message="The command gets SIGTERM, then SIGKILL."
              confirmLabel="Kill"
              danger
              onConfirm={async () => {
                try {
                  await api.killRun(run.runId);
                  setNotice({ kind: 'ok', text: 'Kill requested.' });
                } catch (caught) {
                  setNotice({
                    kind: 'error',
                    text: caught instanceof ApiError ? caught.message : String(caught),
                  });
                }
              }}
            />
          </div>
        )}
      </div>
      <Notice notice={notice} />
      <dl class="facts">
        <div>
          <dt>Run id</dt>
          <dd class="break mono small">{run.runId}</dd>
        </div>
        <div>
          <dt>Scheduled</dt>
          <dd>{formatTime(run.tick)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatTime(run.startedAt)}</dd>
        </div>
        <div>
          <dt>Ended</dt>
          <dd>{running ? <span class="muted">running</span> : formatTime(run.endedAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(run.durationMs)}</dd>
        </div>
        <div>
          <dt>Lateness</dt>
          <dd>{formatDuration(run.latenessMs)}</dd>
        </div>
        <div>
          <dt>Trigger</dt>
          <dd>
            {run.trigger}
            {run.attempt > 1 ? `, attempt ${run.attempt}` : ''}
          </dd>
        </div>
        {run.parentRunId && (
          <div>
            <dt>Triggered by</dt>
            <dd class="break">
              <a href={paths.run(run.parentRunId)} data-testid="parent-run">
                {run.parentJob ?? 'parent'} run {run.parentRunId}
              </a>
            </dd>
          </div>
        )}
        <div>
          <dt>Worker</dt>
          <dd class="break">{run.workerId ?? '—'}</dd>
        </div>
        <div>
          <dt>Exit</dt>
          <dd>
            {run.exitCode ?? '—'}
            {run.signal ? ` (${run.signal})` : ''}
          </dd>
        </div>
        {run.error && (
          <div class="wide">
            <dt>Error</dt>
            <dd class="break">{run.error}</dd>
          </div>
        )}
      </dl>
      <div class="page-head">
        <h2>Output</h2>
        <span class="toolbar">
          {running && (
            <span class="live" role="status">
              ● live{live === 'poll' ? ' (polling)' : ''}
            </span>
          )}
          <label class="check">
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow(e.currentTarget.checked)}
            />{' '}
            Follow
          </label>
        </span>
      </div>
      <Output
        text={running && streamed !== undefined ? streamed : (run.output ?? '')}
        follow={follow}
      />
      {run.truncated && <p class="muted small">The output was cut at the size limit.</p>}
    </section>
  );
}
