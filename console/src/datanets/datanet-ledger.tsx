import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, data } from '../api/api-client';
import { StatusBadge } from '../components/status-badge';
import { Pager } from '../components/pager';
import { Empty, QueryState } from '../components/states';
import { Time } from '../components/time';

/** Dataset versions and settled epochs of a Datanet (public), with each epoch's challenge window. */
export function DatanetLedger({ datanet }: { datanet: string }) {
  const versions = useQuery({
    queryKey: ['datasets', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/datasets', { params: { path: { id: datanet } } })),
  });
  const epochs = useQuery({
    queryKey: ['settlements', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/settlements', { params: { path: { id: datanet } } })),
  });
  return (
    <div className="split">
      <section className="panel" aria-labelledby="versions-title">
        <h2 id="versions-title">Dataset versions</h2>
        <QueryState query={versions} what="dataset versions">
          {(d) =>
            d.versions.length === 0 ? (
              <Empty>No dataset version has been built yet.</Empty>
            ) : (
              <div className="table-wrap" tabIndex={0}>
                <table aria-label="Dataset versions">
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col" className="num">
                        Rows
                      </th>
                      <th scope="col" className="num">
                        Contributions
                      </th>
                      <th scope="col">Merkle root</th>
                      <th scope="col">Built</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...d.versions].reverse().map((v) => (
                      <tr key={v.version}>
                        <td>
                          v{v.version}
                          {v.parentVersion !== null ? <span className="muted"> (from v{v.parentVersion})</span> : null}
                          {v.createdRun ? (
                            <>
                              {' · '}
                              <Link to="/runs/$runId" params={{ runId: v.createdRun }}>
                                run
                              </Link>
                            </>
                          ) : null}
                        </td>
                        <td className="num">{v.rowCount.toLocaleString()}</td>
                        <td className="num">{v.contributionCount.toLocaleString()}</td>
                        <td className="mono" title={v.merkleRoot}>
                          {v.merkleRoot.slice(0, 12)}…
                        </td>
                        <td>
                          <Time ms={Date.parse(v.createdAt)} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </section>
      <section className="panel" aria-labelledby="epochs-title">
        <h2 id="epochs-title">Settlements</h2>
        <QueryState query={epochs} what="settlements">
          {(d) =>
            d.settlements.length === 0 ? (
              <Empty>No epoch has been settled yet.</Empty>
            ) : (
              <div className="table-wrap" tabIndex={0}>
                <table aria-label="Settlements">
                  <thead>
                    <tr>
                      <th scope="col">Epoch</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">
                        Paid
                      </th>
                      <th scope="col">Final</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.settlements.map((e) => (
                      <tr key={`${e.epoch}:${e.version}`}>
                        <td>
                          <Link to="/datanets/$datanetId/settlements" params={{ datanetId: datanet }} search={{ epoch: e.epoch }}>
                            {e.epoch}
                          </Link>
                        </td>
                        <td>
                          <StatusBadge status={e.status} />
                        </td>
                        <td className="num">{e.paid}</td>
                        <td>
                          {e.status === 'final' ? (
                            <Time ms={e.finalisedAt ?? e.finalAt} />
                          ) : (
                            <>
                              window closes <Time ms={e.finalAt} />
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </section>
    </div>
  );
}

/** The Datanet's chain commits: the roots of each epoch and the transactions that wrote and funded them. */
export function ChainCommits({ datanet }: { datanet: string }) {
  const q = useQuery({
    queryKey: ['commits', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/commits', { params: { path: { id: datanet } } })),
  });
  return (
    <section className="panel" aria-labelledby="commits-title">
      <h2 id="commits-title">Chain commits</h2>
      <QueryState query={q} what="chain commits">
        {(d) =>
          d.commits.length === 0 ? (
            <Empty>Nothing of this Datanet has been committed on-chain yet.</Empty>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table aria-label="Chain commits">
                <thead>
                  <tr>
                    <th scope="col">Epoch</th>
                    <th scope="col">Chain</th>
                    <th scope="col">Transaction</th>
                    <th scope="col">Funding</th>
                    <th scope="col">Settlement root</th>
                  </tr>
                </thead>
                <tbody>
                  {d.commits.map((c) => (
                    <tr key={`${c.epoch}:${c.chainId}`}>
                      <td>{c.epoch}</td>
                      <td>{c.chainId}</td>
                      <td className="mono" title={c.txHash ?? undefined}>
                        {c.txHash ? `${c.txHash.slice(0, 14)}…` : 'pending'}
                      </td>
                      <td className="mono" title={c.fundTxHash ?? undefined}>
                        {c.fundTxHash ? `${c.fundTxHash.slice(0, 14)}…` : '—'}
                      </td>
                      <td className="mono" title={c.settlementRoot}>
                        {c.settlementRoot.slice(0, 12)}…
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </section>
  );
}

const DISPUTES_PAGE = 50;

/** Disputes against the Datanet's contributions (signed-in people), newest first, a page at a time. */
export function Disputes({ datanet }: { datanet: string }) {
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['disputes', datanet, page],
    queryFn: () =>
      data(
        api.GET('/v1/datanets/{id}/disputes', {
          params: { path: { id: datanet }, query: { order: 'desc', page, pageSize: DISPUTES_PAGE } },
        }),
      ),
  });
  return (
    <section className="panel" aria-labelledby="disputes-title">
      <h2 id="disputes-title">Disputes</h2>
      <QueryState query={q} what="disputes">
        {(d) =>
          d.disputes.length === 0 && page === 1 ? (
            <Empty>No disputes.</Empty>
          ) : (
            <>
              <div className="table-wrap" tabIndex={0}>
                <table aria-label="Disputes">
                  <thead>
                    <tr>
                      <th scope="col">Opened</th>
                      <th scope="col">Reason</th>
                      <th scope="col">Contribution</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.disputes.map((x) => (
                      <tr key={x.id}>
                        <td>
                          <Time ms={x.openedAt} />
                        </td>
                        <td title={x.evidence}>{x.reason}</td>
                        <td className="mono">{x.contributionId.slice(0, 12)}…</td>
                        <td>
                          <StatusBadge status={x.status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {d.total > DISPUTES_PAGE ? (
                <Pager label="Pages of disputes" page={page} pageSize={DISPUTES_PAGE} total={d.total} onPage={setPage} />
              ) : null}
            </>
          )
        }
      </QueryState>
    </section>
  );
}
