import { useQuery } from '@tanstack/react-query';
import { api, data } from '../api/api-client';
import { ErrorBox, Loading } from '../components/states';
import { RowsTable } from '../components/rows-table';

/** The first rows of a step's table output, read by DuckDB on the server (capped there). */
export function OutputPreview({ runId, stepId, output }: { runId: string; stepId: string; output: string }) {
  const q = useQuery({
    queryKey: ['preview', runId, stepId, output],
    queryFn: () =>
      data(
        api.GET('/api/runs/{id}/steps/{step}/outputs/{output}/preview', {
          params: { path: { id: runId, step: stepId, output }, query: { limit: 20 } },
        }),
      ),
    staleTime: Infinity,
  });
  if (q.isPending) return <Loading what={`the first rows of ${output}`} />;
  if (q.error) return <ErrorBox error={q.error} retry={() => q.refetch()} />;
  const p = q.data;
  return (
    <div className="preview">
      <p className="muted">
        {p.rows.length} of {p.numRows.toLocaleString()} rows
      </p>
      {p.rows.length === 0 ? (
        <p className="muted">The table is empty.</p>
      ) : (
        <RowsTable
          columns={p.columns.map((c) => ({ name: c.name, title: c.type }))}
          rows={p.rows}
          label={`First rows of ${stepId}.${output}`}
        />
      )}
    </div>
  );
}
