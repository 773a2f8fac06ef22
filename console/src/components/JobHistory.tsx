import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type FieldChange, type JobVersionDetail, type Role } from '../api';
import { formatTime, relativeTime } from '../format';
import { ConfirmButton, Empty, ErrorBox, Loading, can, useLoad } from './ui';

function show(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

const OP_LABEL: Record<FieldChange['op'], string> = {
  add: 'added since',
  remove: 'removed since',
  replace: 'changed',
};

/** The diff of a version against the current definition, one row per field. */
export function VersionDiff({ detail }: { detail: JobVersionDetail }) {
  if (detail.current === null)
    return <p class="muted">The job has been deleted since this version.</p>;
  if (detail.diff.length === 0)
    return <p class="muted">Version {detail.version} is the current definition.</p>;
  return (
    <div class="table-wrap">
      <table class="diff" aria-label={`Changes from version ${detail.version} to now`}>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Version {detail.version}</th>
            <th scope="col">Current</th>
          </tr>
        </thead>
        <tbody>
          {detail.diff.map((change) => (
            <tr key={change.path} class={`diff-${change.op}`} title={OP_LABEL[change.op]}>
              <td data-label="Field">
                <code>{change.path}</code>
              </td>
              <td data-label={`Version ${detail.version}`} class="diff-before break">
                <code>{show(change.before)}</code>
              </td>
              <td data-label="Current" class="diff-after break">
                <code>{show(change.after)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A job's history: its versions, the diff of the selected one against the current definition,
 * and (admins, unmanaged jobs) a Roll back button. `revision` is the job's current revision:
 * the rollback is based on it (412 if the job changed since the page loaded).
 */
export function JobHistory({
  role,
  name,
  revision,
  managedBy,
  onRolledBack,
  onError,
}: {
  role: Role;
  name: string;
  revision: number;
  managedBy?: string;
  onRolledBack: (version: number) => void;
  onError: (text: string) => void;
}) {
  const versions = useLoad((signal) => api.listVersions(name, signal), [name, revision]);
  const [selected, setSelected] = useState<number>();
  const [detail, setDetail] = useState<JobVersionDetail>();
  const [detailError, setDetailError] = useState<unknown>();

  useEffect(() => {
    if (selected === undefined) return;
    const controller = new AbortController();
    setDetail(undefined);
    setDetailError(undefined);
    api.getVersion(name, selected, controller.signal).then(
      (found) => setDetail(found),
      (error: unknown) => !controller.signal.aborted && setDetailError(error),
    );
    return () => controller.abort();
  }, [name, selected, revision]);

  const rollback = async (version: number): Promise<void> => {
    try {
      await api.rollbackJob(name, version, revision);
      onRolledBack(version);
    } catch (error) {
      onError(
        error instanceof ApiError && error.status === 412
          ? 'The job changed since this page loaded; nothing was rolled back. Review it and try again.'
          : error instanceof Error
            ? error.message
            : String(error),
      );
    }
  };

  const items = versions.data?.items;
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {versions.error ? <ErrorBox error={versions.error} onRetry={versions.reload} /> : null}
      {!items && !versions.error ? <Loading what="the history" /> : null}
      {items && items.length === 0 ? (
        <Empty>No versions yet: the job has not changed since history began.</Empty>
      ) : null}
      {items && items.length > 0 && (
        <div class="table-wrap">
          <table class="versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {items.map((version) => (
                <tr key={version.version} class={version.version === selected ? 'selected' : ''}>
                  <td data-label="Version">
                    <button
                      type="button"
                      class="link"
                      aria-pressed={version.version === selected}
                      onClick={() => setSelected(version.version)}
                    >
                      v{version.version}
                    </button>
                  </td>
                  <td data-label="When" title={formatTime(version.at)}>
                    {relativeTime(version.at)}
                  </td>
                  <td data-label="Who" class="break">
                    {version.tokenName}
                  </td>
                  <td data-label="Action">
                    {version.action}
                    {version.fromVersion !== undefined ? ` to v${version.fromVersion}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected !== undefined && (
        <div class="version-detail" aria-live="polite">
          <div class="page-head">
            <h3>Version {selected} → current</h3>
            {can(role, 'admin') &&
              detail &&
              detail.diff.length + (detail.current ? 0 : 1) > 0 &&
              (managedBy ? (
                <button
                  type="button"
                  class="secondary"
                  disabled
                  title={`Managed by ${managedBy}: change it in its files`}
                >
                  Roll back
                </button>
              ) : (
                <ConfirmButton
                  label="Roll back"
                  title={`Roll back to version ${selected}?`}
                  message={
                    <>
                      <strong class="break">{name}</strong> becomes version {selected} again; the
                      rollback is itself recorded as a new version.
                    </>
                  }
                  confirmLabel={`Roll back to v${selected}`}
                  onConfirm={() => rollback(selected)}
                />
              ))}
          </div>
          {detailError ? <ErrorBox error={detailError} /> : null}
          {!detail && !detailError ? <Loading what="the version" /> : null}
          {detail && <VersionDiff detail={detail} />}
        </div>
      )}
    </section>
  );
}
