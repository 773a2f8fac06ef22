import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, type Job, type JobInput, type Role } from '../api';
import { Field } from '../components/Field';
import { ManagedBanner } from '../components/ManagedBanner';
import { ErrorBox, Loading, can } from '../components/ui';
import { describeCron } from '../cron-describe';
import { envToText, formatZoned, mapToText, parseEnv, parseMap, type EnvValue } from '../format';
import { navigate, paths } from '../router';

/** The form's state: text for everything typed, so a half-typed number is not lost. */
interface Draft {
  name: string;
  command: string;
  cronExpr: string;
  timezone: string;
  description: string;
  enabled: boolean;
  timeoutSeconds: string;
  concurrencyPolicy: string;
  misfirePolicy: string;
  catchupWindowSeconds: string;
  retriesMax: string;
  retriesBackoff: string;
  retriesFactor: string;
  labels: string;
  targetMode: string;
  env: string;
  alertOnFailure: boolean;
  alertOnTimeout: boolean;
  webhookUrl: string;
  runAs: string;
  shell: string;
  stdin: string;
}

const NEW_JOB: Draft = {
  name: '',
  command: '',
  cronExpr: '*/5 * * * *',
  timezone: 'UTC',
  description: '',
  enabled: true,
  timeoutSeconds: '0',
  concurrencyPolicy: 'forbid',
  misfirePolicy: 'runOnce',
  catchupWindowSeconds: '3600',
  retriesMax: '0',
  retriesBackoff: '10',
  retriesFactor: '2',
  labels: '',
  targetMode: 'one',
  env: '',
  alertOnFailure: true,
  alertOnTimeout: true,
  webhookUrl: '',
  runAs: '',
  shell: '',
  stdin: '',
};

function draftOf(job: Job): Draft {
  return {
    name: job.name,
    command: job.command,
    cronExpr: job.cronExpr,
    timezone: job.timezone,
    description: job.description,
    enabled: job.enabled,
    timeoutSeconds: String(job.timeoutSeconds),
    concurrencyPolicy: job.concurrencyPolicy,
    misfirePolicy: job.misfirePolicy,
    catchupWindowSeconds: String(job.catchupWindowSeconds),
    retriesMax: String(job.retries.max),
    retriesBackoff: String(job.retries.backoffSeconds),
    retriesFactor: String(job.retries.factor),
    labels: mapToText(job.target.labels, true),
    targetMode: job.target.mode,
    env: envToText(job.env),
    alertOnFailure: job.alerts.onFailure,
    alertOnTimeout: job.alerts.onTimeout,
    webhookUrl: job.alerts.webhookUrl ?? '',
    runAs: job.runAs ?? '',
    shell: job.shell ?? '',
    stdin: job.stdin ?? '',
  };
}

/** Numbers go to the API as typed ("abc" stays a string), so its validation speaks for them. */
function number(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

function inputOf(draft: Draft, problems: Record<string, string>): JobInput {
  let labels: Record<string, string> = {};
  let env: Record<string, EnvValue> = {};
  try {
    labels = parseMap(draft.labels);
  } catch (error) {
    problems['target.labels'] = (error as Error).message;
  }
  try {
    env = parseEnv(draft.env);
  } catch (error) {
    problems.env = (error as Error).message;
  }
  return {
    name: draft.name.trim(),
    command: draft.command,
    cronExpr: draft.cronExpr.trim(),
    timezone: draft.timezone.trim(),
    description: draft.description,
    enabled: draft.enabled,
    timeoutSeconds: number(draft.timeoutSeconds) as number,
    concurrencyPolicy: draft.concurrencyPolicy as Job['concurrencyPolicy'],
    misfirePolicy: draft.misfirePolicy,
    catchupWindowSeconds: number(draft.catchupWindowSeconds) as number,
    retries: {
      max: number(draft.retriesMax) as number,
      backoffSeconds: number(draft.retriesBackoff) as number,
      factor: number(draft.retriesFactor) as number,
    },
    target: { labels, mode: draft.targetMode as Job['target']['mode'] },
    env,
    alerts: {
      onFailure: draft.alertOnFailure,
      onTimeout: draft.alertOnTimeout,
      ...(draft.webhookUrl.trim() ? { webhookUrl: draft.webhookUrl.trim() } : {}),
    },
    ...(draft.runAs.trim() ? { runAs: draft.runAs.trim() } : {}),
    ...(draft.shell.trim() ? { shell: draft.shell.trim() } : {}),
    // Sent as typed: its bytes are the command's standard input.
    ...(draft.stdin !== '' ? { stdin: draft.stdin } : {}),
  };
}

/**
 * The form's fields, plus what a replace must carry over because the form has no field for it:
 * the job's own labels, the jobs it runs after, and an HTTP job's request (sent without a command).
 */
function replacement(input: JobInput, job: Job): Partial<JobInput> {
  const { command, ...rest } = input;
  return {
    ...rest,
    ...(job.executor ? { executor: job.executor } : { command }),
    ...(job.labels ? { labels: job.labels } : {}),
    ...(job.after?.length ? { after: job.after } : {}),
  };
}

const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf(
      'timeZone',
    );
  } catch {
    return ['UTC'];
  }
})();

/** Fire-time preview from the API, asked for 300 ms after typing stops. */
function usePreview(expr: string, timezone: string, dialect: string) {
  const [state, setState] = useState<{
    next?: string[];
    zone?: string;
    error?: string;
    loading: boolean;
  }>({
    loading: false,
  });
  useEffect(() => {
    if (!expr.trim()) {
      setState({ loading: false, error: 'Enter a schedule.' });
      return;
    }
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    const timer = setTimeout(() => {
      api.previewCron(expr.trim(), timezone.trim() || 'UTC', dialect, controller.signal).then(
        (preview) => setState({ next: preview.next, zone: preview.timezone, loading: false }),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          const reason =
            error instanceof ApiError
              ? (error.reasonFor('expr') ?? error.reasonFor('timezone') ?? error.message)
              : String(error);
          setState({ error: reason, loading: false });
        },
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [expr, timezone, dialect]);
  return state;
}

export function JobEditorPage({ role, name }: { role: Role; name?: string }) {
  const [loaded, setLoaded] = useState<Job>();
  const [loadError, setLoadError] = useState<unknown>();
  const [draft, setDraft] = useState<Draft>(NEW_JOB);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [conflict, setConflict] = useState(false);
  const [saving, setSaving] = useState(false);

  const load = (): void => {
    if (name === undefined) return;
    setLoadError(undefined);
    api.getJob(name).then((job) => {
      setLoaded(job);
      setDraft(draftOf(job));
      setConflict(false);
    }, setLoadError);
  };
  useEffect(load, [name]);

  const dialect = loaded?.cronDialect ?? 'standard';
  const preview = usePreview(draft.cronExpr, draft.timezone, dialect);
  const description = useMemo(
    () => describeCron(draft.cronExpr, dialect),
    [draft.cronExpr, dialect],
  );

  if (!can(role, 'admin')) {
    return (
      <section>
        <h1>{name ? 'Edit job' : 'New job'}</h1>
        <ErrorBox error="Only an admin token can create or change jobs." />
      </section>
    );
  }
  if (name !== undefined && !loaded) {
    return loadError ? <ErrorBox error={loadError} onRetry={load} /> : <Loading what="the job" />;
  }

  const set =
    <K extends keyof Draft>(key: K) =>
    (event: Event): void => {
      const target = event.currentTarget as HTMLInputElement;
      const value = (target.type === 'checkbox' ? target.checked : target.value) as Draft[K];
      setDraft((current) => ({ ...current, [key]: value }));
    };

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const input = inputOf(draft, problems);
    setFormError(undefined);
    setConflict(false);
    if (Object.keys(problems).length > 0) {
      setErrors(problems);
      setFormError('Fix the fields marked below.');
      return;
    }
    setSaving(true);
    try {
      const saved = loaded
        ? await api.replaceJob(loaded.name, replacement(input, loaded), loaded.revision)
        : await api.createJob(input);
      navigate(paths.job(saved.name));
    } catch (error) {
      if (!(error instanceof ApiError)) {
        setFormError(String(error));
      } else if (error.status === 412) {
        setConflict(true);
        setErrors({});
      } else {
        const byField: Record<string, string> = {};
        for (const detail of error.details)
          byField[detail.field] = byField[detail.field] ?? detail.reason;
        setErrors(byField);
        setFormError(
          error.details.length > 0
            ? `The job was not saved: ${error.details.map((d) => `${d.field} ${d.reason}`).join('; ')}.`
            : `The job was not saved: ${error.message}`,
        );
      }
    } finally {
      setSaving(false);
    }
  };

  const managed = Boolean(loaded?.managedBy);
  const error = (field: string): string | undefined =>
    errors[field] ?? Object.entries(errors).find(([key]) => key.startsWith(`${field}.`))?.[1];
  const a11y = (id: string, field: string) => ({
    id,
    name: id,
    'aria-invalid': error(field) ? true : undefined,
    'aria-describedby': error(field) ? `${id}-error` : undefined,
  });

  return (
    <section>
      <div class="page-head">
        <h1>{loaded ? `Edit ${loaded.name}` : 'New job'}</h1>
      </div>
      <ManagedBanner managedBy={loaded?.managedBy} />
      {conflict && (
        <div class="error-box" role="alert">
          <span>
            Someone changed this job after you opened it (revision {loaded?.revision} is no longer
            current). Your edits were not saved. Reload to see the current job, then make your
            change again.
          </span>
          <button type="button" class="secondary" onClick={load}>
            Reload the current job
          </button>
        </div>
      )}
      {formError && (
        <div class="error-box" role="alert">
          <span>{formError}</span>
        </div>
      )}
      <form class="editor" onSubmit={save} noValidate>
        <fieldset disabled={managed}>
          <legend>Job</legend>
          {!loaded && (
            <Field
              id="name"
              label="Name"
              error={error('name')}
              hint='Letters, digits, ".", "_" and "-"; it cannot be changed later.'
            >
              <input
                {...a11y('name', 'name')}
                value={draft.name}
                onInput={set('name')}
                required
                autocomplete="off"
              />
            </Field>
          )}
          <Field
            id="command"
            label="Command"
            error={error('command')}
            hint="Run on the worker as <shell> -c <command> (the shell below, or the worker's WORKER_SHELL)."
          >
            <textarea
              {...a11y('command', 'command')}
              class="mono"
              rows={3}
              value={draft.command}
              onInput={set('command')}
            />
          </Field>
          <Field id="description" label="Description" error={error('description')}>
            <input
              {...a11y('description', 'description')}
              value={draft.description}
              onInput={set('description')}
            />
          </Field>
          <label class="check">
            <input
              type="checkbox"
              name="enabled"
              checked={draft.enabled}
              onChange={set('enabled')}
            />{' '}
            Enabled (unchecked: paused)
          </label>
        </fieldset>

        <fieldset disabled={managed}>
          <legend>Schedule</legend>
          <div class="row">
            <Field
              id="cronExpr"
              label="Cron expression"
              error={error('cronExpr')}
              hint="min hour day month weekday; 6 fields with leading seconds; @daily, @every 90s…"
            >
              <input
                {...a11y('cronExpr', 'cronExpr')}
                class="mono"
                value={draft.cronExpr}
                onInput={set('cronExpr')}
                autocomplete="off"
                spellcheck={false}
              />
            </Field>
            <Field id="timezone" label="Time zone" error={error('timezone')}>
              <input
                {...a11y('timezone', 'timezone')}
                list="zones"
                value={draft.timezone}
                onInput={set('timezone')}
              />
              <datalist id="zones">
                {ZONES.map((zone) => (
                  <option key={zone} value={zone} />
                ))}
              </datalist>
            </Field>
          </div>
          <div class="preview" aria-live="polite" data-testid="cron-preview">
            {description && !preview.error && <p class="describe">{description}</p>}
            {preview.error ? (
              <p class="field-error">{preview.error}</p>
            ) : preview.next ? (
              <div class={preview.loading ? 'stale' : undefined}>
                <p class="muted small">Next 5 fire times in {preview.zone}:</p>
                <ol>
                  {preview.next.map((time) => (
                    <li key={time}>{formatZoned(time)}</li>
                  ))}
                </ol>
                {preview.next.length === 0 && <p class="muted">This schedule never fires again.</p>}
              </div>
            ) : (
              <p class="muted">Checking…</p>
            )}
          </div>
          <div class="row">
            <Field id="misfirePolicy" label="Missed ticks" error={error('misfirePolicy')}>
              <select
                {...a11y('misfirePolicy', 'misfirePolicy')}
                value={draft.misfirePolicy}
                onChange={set('misfirePolicy')}
              >
                <option value="runOnce">run once</option>
                <option value="runAll">run all</option>
                <option value="skip">skip</option>
              </select>
            </Field>
            <Field
              id="catchupWindowSeconds"
              label="Catch-up window (s)"
              error={error('catchupWindowSeconds')}
            >
              <input
                {...a11y('catchupWindowSeconds', 'catchupWindowSeconds')}
                inputMode="numeric"
                value={draft.catchupWindowSeconds}
                onInput={set('catchupWindowSeconds')}
              />
            </Field>
          </div>
        </fieldset>

        <fieldset disabled={managed}>
          <legend>Execution</legend>
          <Field
            id="runAs"
            label="Run as (user or user:group; empty: the worker's user)"
            error={error('runAs')}
          >
            <input
              {...a11y('runAs', 'runAs')}
              placeholder="backup:backup"
              value={draft.runAs}
              onInput={set('runAs')}
            />
          </Field>
          <Field
            id="shell"
            label="Shell (absolute path; empty: the worker's WORKER_SHELL)"
            error={error('shell')}
          >
            <input
              {...a11y('shell', 'shell')}
              class="mono"
              placeholder="/bin/bash"
              value={draft.shell}
              onInput={set('shell')}
            />
          </Field>
          <Field id="stdin" label="Standard input (empty: none, /dev/null)" error={error('stdin')}>
            <textarea
              {...a11y('stdin', 'stdin')}
              class="mono"
              rows={2}
              value={draft.stdin}
              onInput={set('stdin')}
            />
          </Field>
          <div class="row">
            <Field
              id="timeoutSeconds"
              label="Timeout (s, 0 = none)"
              error={error('timeoutSeconds')}
            >
              <input
                {...a11y('timeoutSeconds', 'timeoutSeconds')}
                inputMode="numeric"
                value={draft.timeoutSeconds}
                onInput={set('timeoutSeconds')}
              />
            </Field>
            <Field
              id="concurrencyPolicy"
              label="When still running"
              error={error('concurrencyPolicy')}
            >
              <select
                {...a11y('concurrencyPolicy', 'concurrencyPolicy')}
                value={draft.concurrencyPolicy}
                onChange={set('concurrencyPolicy')}
              >
                <option value="forbid">skip the new tick (forbid)</option>
                <option value="allow">run both (allow)</option>
                <option value="replace">kill the old run (replace)</option>
              </select>
            </Field>
          </div>
          <div class="row">
            <Field id="retriesMax" label="Retries" error={error('retries.max')}>
              <input
                {...a11y('retriesMax', 'retries.max')}
                inputMode="numeric"
                value={draft.retriesMax}
                onInput={set('retriesMax')}
              />
            </Field>
            <Field
              id="retriesBackoff"
              label="First retry after (s)"
              error={error('retries.backoffSeconds')}
            >
              <input
                {...a11y('retriesBackoff', 'retries.backoffSeconds')}
                inputMode="numeric"
                value={draft.retriesBackoff}
                onInput={set('retriesBackoff')}
              />
            </Field>
            <Field id="retriesFactor" label="Backoff factor" error={error('retries.factor')}>
              <input
                {...a11y('retriesFactor', 'retries.factor')}
                inputMode="decimal"
                value={draft.retriesFactor}
                onInput={set('retriesFactor')}
              />
            </Field>
          </div>
          <Field
            id="env"
            label="Environment"
            error={error('env')}
            hint="One KEY=value per line; KEY=secretRef:NAME takes a secret of the namespace."
          >
            <textarea
              {...a11y('env', 'env')}
              class="mono"
              rows={3}
              value={draft.env}
              onInput={set('env')}
            />
          </Field>
        </fieldset>

        <fieldset disabled={managed}>
          <legend>Target</legend>
          <div class="row">
            <Field
              id="labels"
              label="Worker labels"
              error={error('target.labels')}
              hint="key=value, one per line or comma-separated; only workers with all of them run the job."
            >
              <textarea
                {...a11y('labels', 'target.labels')}
                class="mono"
                rows={2}
                value={draft.labels}
                onInput={set('labels')}
              />
            </Field>
            <Field id="targetMode" label="Run on" error={error('target.mode')}>
              <select
                {...a11y('targetMode', 'target.mode')}
                value={draft.targetMode}
                onChange={set('targetMode')}
              >
                <option value="one">one matching worker per tick</option>
                <option value="all">every matching worker</option>
              </select>
            </Field>
          </div>
        </fieldset>

        <fieldset disabled={managed}>
          <legend>Alerts</legend>
          <label class="check">
            <input
              type="checkbox"
              name="alertOnFailure"
              checked={draft.alertOnFailure}
              onChange={set('alertOnFailure')}
            />{' '}
            Alert on failure
          </label>
          <label class="check">
            <input
              type="checkbox"
              name="alertOnTimeout"
              checked={draft.alertOnTimeout}
              onChange={set('alertOnTimeout')}
            />{' '}
            Alert on timeout
          </label>
          <Field id="webhookUrl" label="Webhook URL (optional)" error={error('alerts.webhookUrl')}>
            <input
              {...a11y('webhookUrl', 'alerts.webhookUrl')}
              type="url"
              value={draft.webhookUrl}
              onInput={set('webhookUrl')}
            />
          </Field>
        </fieldset>

        <div class="actions">
          <button type="submit" disabled={saving || managed}>
            {saving ? 'Saving…' : loaded ? 'Save changes' : 'Create job'}
          </button>
          <a class="button secondary" href={loaded ? paths.job(loaded.name) : paths.jobs()}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
