/**
 * The banner of a job managed by files (`cronplane apply`): the console shows such a job
 * read-only, saying who manages it and where to change it.
 */
export function ManagedBanner({ managedBy }: { managedBy?: string }) {
  if (!managedBy) return null;
  return (
    <div class="notice managed" role="note" data-testid="managed-banner">
      <span>
        Managed by <code class="break">{managedBy}</code> — change it in its files. It is read-only
        here: edits made outside its files would be undone by the next apply (the API takes them
        only with an <code>X-Cronplane-Override</code> reason, which the audit log keeps).
      </span>
    </div>
  );
}
