import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, data } from '../api/api-client';
import { ErrorBox } from '../components/states';
import { RowsTable } from '../components/rows-table';

/** Read-only SQL over one dataset version, run by DuckDB on the server (one SELECT, row cap, time limit). */
export function SqlBox({ datanet, version, initial }: { datanet: string; version: number; initial?: string }) {
  const [sql, setSql] = useState(initial ?? 'SELECT contributor, split, count(*) AS rows FROM dataset GROUP BY ALL ORDER BY rows DESC');
  const id = useId();
  const run = useMutation({
    mutationFn: (text: string) =>
      data(api.POST('/v1/datanets/{id}/datasets/{version}/query', { params: { path: { id: datanet, version } }, body: { sql: text } })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate(sql);
  };
  const r = run.data;
  return (
    <section className="panel sql-box" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Query this version</h2>
      <p className="muted">
        Views <code>dataset</code> (its rows) and <code>contributions</code> (one row per contribution). One read-only SELECT; the server
        returns at most 1,000 rows and stops a query after 5 s.
      </p>
      <form onSubmit={submit} className="form">
        <label htmlFor={`${id}-sql`}>SQL</label>
        <textarea
          id={`${id}-sql`}
          value={sql}
          rows={4}
          spellCheck={false}
          onChange={(e) => setSql(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e);
          }}
        />
        <div>
          <button type="submit" className="primary" disabled={run.isPending || !sql.trim()}>
            {run.isPending ? 'Running…' : 'Run query'}
          </button>{' '}
          <span className="muted">Ctrl+Enter runs it</span>
        </div>
      </form>
      {run.error ? <ErrorBox error={run.error} /> : null}
      {r ? (
        <div className="sql-result" data-testid="sql-result">
          <p className="muted" role="status">
            {r.rows.length.toLocaleString()} row{r.rows.length === 1 ? '' : 's'}
            {r.truncated ? ` (the first ${r.maxRows.toLocaleString()}; more matched)` : ''} in {r.elapsedMs} ms
          </p>
          {r.rows.length ? <RowsTable columns={r.columns.map((name) => ({ name }))} rows={r.rows} regionLabel="Query result" /> : null}
        </div>
      ) : null}
    </section>
  );
}
