/**
 * Newer/Older buttons over a list the API pages, newest first: "Page 2 of 5 (230 in all)". The
 * caller shows it when there is more than one page.
 */
export function Pager({
  label,
  page,
  pageSize,
  total,
  onPage,
  note,
}: {
  /** What the group of buttons pages, for screen readers ("Pages of disputes"). */
  label: string;
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  /** Said after the count, e.g. "newest first". */
  note?: string;
}) {
  return (
    <div className="actions" role="group" aria-label={label}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Newer
      </button>
      <span className="muted">
        Page {page} of {Math.ceil(total / pageSize)} ({total} in all{note ? `, ${note}` : ''})
      </span>
      <button type="button" disabled={page * pageSize >= total} onClick={() => onPage(page + 1)}>
        Older
      </button>
    </div>
  );
}
