/**
 * Paging through a list the API pages with a cursor. `trail` holds the cursors of the pages
 * before this one (the first page's is ''), so going back needs no cursor from the server.
 */
export function CursorPager({
  trail,
  cursor,
  nextCursor,
  previousLabel,
  nextLabel,
  onPage,
}: {
  trail: string[];
  cursor?: string;
  nextCursor?: string | null;
  previousLabel: string;
  nextLabel: string;
  onPage: (cursor: string | undefined, trail: string[]) => void;
}) {
  if (trail.length === 0 && !cursor && !nextCursor) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        class="secondary"
        disabled={!cursor}
        onClick={() => onPage(trail[trail.length - 1] || undefined, trail.slice(0, -1))}
      >
        {previousLabel}
      </button>
      <span class="muted">Page {trail.length + 1}</span>
      <button
        type="button"
        class="secondary"
        disabled={!nextCursor}
        onClick={() => onPage(nextCursor ?? undefined, [...trail, cursor ?? ''])}
      >
        {nextLabel}
      </button>
    </nav>
  );
}
