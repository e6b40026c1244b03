import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo } from 'react';
import { api, data } from '../api/api-client';
import { Empty, ErrorBox, Loading } from '../components/states';
import { duration } from '../components/time';
import { ContributorsTable } from './contributors-table';
import { DuplicateClusters } from './duplicate-clusters';

const BarChart = lazy(() => import('../charts/bar-chart'));

/** The steward's view of a Datanet: contributors, rejections, duplicates, quality and the review queue. */
export function StewardDashboard({ datanet }: { datanet: string }) {
  const report = useQuery({
    queryKey: ['report', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/report', { params: { path: { id: datanet } } })),
  });
  const queue = useQuery({
    queryKey: ['queue-stats', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/review/stats', { params: { path: { id: datanet } } })),
    retry: false,
  });
  const overTime = useMemo(() => {
    const rows = report.data?.rejectionsByDay ?? [];
    const days = [...new Set(rows.map((r) => r.day))];
    const reasons = [...new Set(rows.map((r) => r.reason))];
    return {
      days,
      series: reasons.map((reason) => ({
        name: reason,
        values: days.map((d) => rows.find((r) => r.day === d && r.reason === reason)?.count ?? 0),
      })),
    };
  }, [report.data]);

  if (report.isPending) return <Loading what="the steward report" />;
  if (report.error)
    return (report.error as { status?: number }).status === 404 ? (
      <Empty>No intake run has reported on {datanet} yet. Run its intake pipeline; the dashboard fills in from its report.</Empty>
    ) : (
      <ErrorBox error={report.error} retry={() => report.refetch()} />
    );
  const r = report.data;
  const t = r.totals;
  return (
    <>
      <section className="panel" aria-labelledby="totals-title">
        <h2 id="totals-title">Overview</h2>
        <div className="stats">
          <div>
            <span className="stat-label">Acceptance rate (files)</span>
            <span className="stat">{t.acceptanceRate === null ? '—' : `${Math.round(t.acceptanceRate * 100)}%`}</span>
            <span className="muted">
              {t.acceptedFiles ?? '—'} of {t.submittedFiles ?? '—'} files
            </span>
          </div>
          <div>
            <span className="stat-label">Records kept</span>
            <span className="stat">{t.keptRecords.toLocaleString()}</span>
            <span className="muted">of {t.acceptedRecords.toLocaleString()} accepted at intake</span>
          </div>
          <div>
            <span className="stat-label">Duplicates dropped</span>
            <span className="stat">{t.duplicates.toLocaleString()}</span>
          </div>
          <div>
            <span className="stat-label">Quality rejections</span>
            <span className="stat">{t.qualityRejected.toLocaleString()}</span>
          </div>
        </div>
        <p className="muted small">{r.notes[0]}</p>
      </section>
      <section className="panel" aria-labelledby="contributors-title">
        <h2 id="contributors-title">Contributors</h2>
        {r.contributors.length ? <ContributorsTable rows={r.contributors} /> : <Empty>No contributors yet.</Empty>}
      </section>
      <div className="split">
        <section className="panel" aria-labelledby="reasons-title">
          <h2 id="reasons-title">Rejection reasons</h2>
          {r.rejectionReasons.length === 0 ? (
            <Empty>Nothing was rejected.</Empty>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table aria-label="Rejection reasons">
                <thead>
                  <tr>
                    <th scope="col">Stage</th>
                    <th scope="col">Reason</th>
                    <th scope="col" className="num">
                      Count
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.rejectionReasons.map((x) => (
                    <tr key={`${x.stage}:${x.reason}`}>
                      <td>{x.stage}</td>
                      <td title={x.example ?? undefined}>{x.reason}</td>
                      <td className="num">{x.count.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3>Over time (intake, per day, UTC)</h3>
          {overTime.days.length === 0 ? (
            <p className="muted">No intake rejections recorded.</p>
          ) : (
            <Suspense fallback={<Loading what="the chart" />}>
              <BarChart categories={overTime.days} series={overTime.series} label="Intake rejections per day by reason" />
            </Suspense>
          )}
        </section>
        <section className="panel" aria-labelledby="quality-title">
          <h2 id="quality-title">Quality</h2>
          {r.qualityScores ? (
            <Suspense fallback={<Loading what="the chart" />}>
              <BarChart
                categories={r.qualityScores.bins.map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}`)}
                series={[{ name: 'records', values: r.qualityScores.bins.map((b) => b.count) }]}
                label={`Quality scores of ${r.qualityScores.count} records, median ${r.qualityScores.median.toFixed(2)}`}
              />
            </Suspense>
          ) : (
            <p className="muted">No quality scores in this run.</p>
          )}
          {r.rules.length ? (
            <div className="table-wrap" tabIndex={0}>
              <table aria-label="Rule pass rates">
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col" className="num">
                      Pass rate
                    </th>
                    <th scope="col" className="num">
                      Failed
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.rules.map((x) => (
                    <tr key={x.rule}>
                      <td>{x.rule}</td>
                      <td className="num">{(x.passRate * 100).toFixed(1)}%</td>
                      <td className="num">{x.failed.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </section>
      </div>
      <section className="panel" aria-labelledby="dups-title">
        <h2 id="dups-title">Duplicate clusters</h2>
        <DuplicateClusters dup={r.duplicates} />
      </section>
      <section className="panel" aria-labelledby="queue-title">
        <h2 id="queue-title">Review queue</h2>
        {queue.isPending ? (
          <Loading what="the review queue" />
        ) : queue.error ? (
          (queue.error as { status?: number }).status === 404 ? (
            <Empty>{datanet} has no review policy: nothing waits for people.</Empty>
          ) : (
            <ErrorBox error={queue.error} retry={() => queue.refetch()} />
          )
        ) : (
          <>
            <dl className="facts inline">
              <dt>Open</dt>
              <dd>{queue.data.items.open}</dd>
              <dt>Escalated</dt>
              <dd>{queue.data.items.escalated}</dd>
              <dt>Oldest</dt>
              <dd>{duration(queue.data.age.oldestMs)}</dd>
              <dt>Median age</dt>
              <dd>{duration(queue.data.age.medianMs)}</dd>
              <dt>Decisions today</dt>
              <dd>{queue.data.throughput.decisionsLastDay}</dd>
            </dl>
            {queue.data.reviewers.length ? (
              <div className="table-wrap" tabIndex={0}>
                <table aria-label="Reviewers">
                  <thead>
                    <tr>
                      <th scope="col">Reviewer</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">
                        Decisions
                      </th>
                      <th scope="col" className="num">
                        Gold accuracy
                      </th>
                      <th scope="col" className="num">
                        Agreement
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {queue.data.reviewers.map((v) => (
                      <tr key={v.reviewer}>
                        <td className="mono">{v.reviewer}</td>
                        <td>{v.status}</td>
                        <td className="num">{v.decisions}</td>
                        <td className="num">{v.accuracy === null ? '—' : `${Math.round(v.accuracy * 100)}%`}</td>
                        <td className="num">{v.agreement === null ? '—' : `${Math.round(v.agreement * 100)}%`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No reviewer has decided anything yet.</p>
            )}
          </>
        )}
      </section>
    </>
  );
}
