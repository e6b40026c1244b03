import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, data } from '../api/api-client';
import { StatusBadge } from '../components/status-badge';
import { ErrorBox } from '../components/states';
import { Time } from '../components/time';
import { recordFatesText } from './record-fates';

/** One submission: received, then each file accepted or rejected with its reason, and record rejections. */
export function SubmissionFate({ id, at }: { id: string; at: number }) {
  const q = useQuery({
    queryKey: ['submission', id],
    queryFn: () => data(api.GET('/v1/submissions/{id}', { params: { path: { id } } })),
    // Intake decides later: ask again until it has.
    refetchInterval: (query) => (query.state.data?.status === 'decided' ? false : 3000),
  });
  const qc = useQueryClient();
  const decided = q.data?.status === 'decided';
  // Once decided, acceptance rate, standing and contributions change: read them again.
  useEffect(() => {
    if (decided) void qc.invalidateQueries({ queryKey: ['contributor'] });
  }, [decided, qc]);
  return (
    <li className="panel submission" aria-label={`Submission ${id.slice(0, 12)}`}>
      <div className="output-row">
        <span>
          <code>{id.slice(0, 12)}</code> · sent <Time ms={at} />
        </span>
        {q.data ? <StatusBadge status={q.data.status} /> : null}
      </div>
      {q.error ? <ErrorBox error={q.error} /> : null}
      {q.data?.status === 'received' ? <p className="muted">Received; intake has not decided yet.</p> : null}
      {q.data?.files.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Fate</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {q.data.files.map((f) => (
                <tr key={f.name}>
                  <td>{f.name}</td>
                  <td>
                    <StatusBadge status={f.status} />
                  </td>
                  <td>{f.reasonCode ? `${f.reasonCode}: ${f.message ?? ''}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {q.data?.status === 'decided' ? (
        <p className="muted">{fateSummary(q.data.accepted, q.data.pending.length, q.data.rejections)}</p>
      ) : null}
      {q.data?.pending.length ? (
        <ul className="plain small" aria-label="Waiting for review">
          {q.data.pending.slice(0, 20).map((p) => (
            <li key={`${p.file}:${p.recordIndex}`}>
              {p.file} record {p.recordIndex}: <strong>waiting for review</strong> ({p.heldFor.join(', ').replaceAll('_', ' ')})
            </li>
          ))}
          <MoreNotShown total={q.data.pending.length} shown={20} />
        </ul>
      ) : null}
      {q.data?.rejections.length ? (
        <ul className="plain small">
          {q.data.rejections.slice(0, 20).map((r) => (
            <li key={`${r.file}:${r.recordIndex}`}>
              {r.file}
              {r.recordIndex >= 0 ? ` record ${r.recordIndex}` : ' (whole file)'}: <strong>{r.reasonCode}</strong>
              {r.step === 'intake' ? '' : ` (${r.step})`} {r.message}
            </li>
          ))}
          <MoreNotShown total={q.data.rejections.length} shown={20} />
        </ul>
      ) : null}
    </li>
  );
}

/** The last line of a list cut at `shown` items: how many more there are (the API has them all). */
function MoreNotShown({ total, shown }: { total: number; shown: number }) {
  return total > shown ? <li className="muted">and {total - shown} more not shown</li> : null;
}

/** "3 records standing, 2 waiting for review, 1 refused at intake, 2 dropped by later steps, 1 revoked:" */
function fateSummary(standing: number, waiting: number, rejections: { step: string }[]): string {
  const intake = rejections.filter((r) => r.step === 'intake').length;
  const revoked = rejections.filter((r) => r.step === 'dispute').length;
  const text = recordFatesText({
    standing,
    waitingForReview: waiting,
    refusedAtIntake: intake,
    dropped: rejections.length - intake - revoked,
    revoked,
  });
  return text + (rejections.length || waiting ? ':' : '.');
}
