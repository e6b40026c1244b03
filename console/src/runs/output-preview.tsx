import { useQuery } from '@tanstack/react-query';
import { api, data } from '../api/api-client';
import { ErrorBox, Loading } from '../components/states';

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
        <div className="table-wrap" tabIndex={0}>
          <table aria-label={`First rows of ${stepId}.${output}`}>
            <thead>
              <tr>
                {p.columns.map((c) => (
                  <th key={c.name} scope="col" title={c.type}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j}>
                      <span className="cell">
                        {v === null ? <span className="muted">null</span> : typeof v === 'object' ? JSON.stringify(v) : String(v)}
                      </span>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
