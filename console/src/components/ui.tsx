import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Role, type RunStatus } from '../api';

export function StatusBadge({ status }: { status: RunStatus | string | undefined }) {
  if (!status) return <span class="muted">never ran</span>;
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return (
    <span class={`badge ${enabled ? 'enabled' : 'paused'}`}>{enabled ? 'enabled' : 'paused'}</span>
  );
}

export function Labels({ labels }: { labels: Record<string, string> | undefined }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <span class="labels">
      {entries.map(([key, value]) => (
        <span class="label" key={key}>
          {key}={value}
        </span>
      ))}
    </span>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message =
    error instanceof ApiError
      ? error.status === 403
        ? `Not allowed: ${error.message}`
        : error.message
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div class="error-box" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

/** A data load that re-runs when `deps` change, with an abort on change or unmount. */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, loading: false }),
      (error: unknown) =>
        !controller.signal.aborted &&
        setState((previous) => ({ data: previous.data, error, loading: false })),
    );
    return () => controller.abort();
  }, [...deps, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: () => setTick((t) => t + 1),
  };
}

export function can(role: Role, needed: Role): boolean {
  const order: Role[] = ['viewer', 'operator', 'admin'];
  return order.indexOf(role) >= order.indexOf(needed);
}

/** A confirmation in a modal <dialog>: focus moves into it, Escape cancels. */
export function ConfirmButton({
  label,
  title,
  message,
  confirmLabel,
  danger,
  onConfirm,
  id,
}: {
  label: string;
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void | Promise<void>;
  /** Tells apart the dialogs of several buttons with the same label (one per table row). */
  id?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = `confirm-${(id ?? label).toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <>
      <button
        type="button"
        class={danger ? 'secondary danger-outline' : 'secondary'}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <form
          method="dialog"
          onSubmit={(event) => {
            const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
            if (submitter?.value === 'confirm') void onConfirm();
          }}
        >
          <h2 id={titleId}>{title}</h2>
          <p>{message}</p>
          <div class="actions">
            <button type="submit" value="cancel" class="secondary" autofocus>
              Cancel
            </button>
            <button type="submit" value="confirm" class={danger ? 'danger' : ''}>
              {confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A short-lived notice at the top of the page. */
export function Notice({ notice }: { notice: { kind: 'ok' | 'error'; text: string } | undefined }) {
  if (!notice) return null;
  return (
    <div class={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      {notice.text}
    </div>
  );
}
