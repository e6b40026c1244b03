import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { api, data } from '../api/api-client';
import { StatusBadge } from '../components/status-badge';
import { Empty, QueryState } from '../components/states';
import { Time } from '../components/time';

type Commit = {
  epoch: number;
  chainId: string;
  txHash: string | null;
  blockNumber: number | null;
  fundTxHash: string | null;
  distributor: string | null;
  rewardTotal: string | null;
  settlementRoot: string;
};

/** The current time, ticking once a second (for the challenge window's countdown). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** Time left, to the second: `1 d 2 h 3 min 4 s`. */
function timeLeft(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor(s / 3600) % 24, 'h'],
    [Math.floor(s / 60) % 60, 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first < 0 ? 3 : first)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ');
}

/** The challenge window of a proposal: the time left while it is open, when it closed, or when it became final. */
function ChallengeWindow({ status, finalAt, finalisedAt }: { status: string; finalAt: number; finalisedAt: number | null }) {
  const now = useNow();
  if (status === 'final')
    return (
      <span>
        final since <Time ms={finalisedAt ?? finalAt} />
      </span>
    );
  if (status === 'superseded') return <span className="muted">superseded</span>;
  if (finalAt > now)
    return (
      <span data-testid="window-left">
        open, <strong>{timeLeft(finalAt - now)}</strong> left (closes <Time ms={finalAt} />)
      </span>
    );
  return (
    <span>
      closed <Time ms={finalAt} />, awaiting finalisation
    </span>
  );
}

function Hash({ value, label }: { value: string | null; label: string }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <code className="mono hash" title={value} aria-label={`${label} ${value}`}>
      {value}
    </code>
  );
}

function EpochCommits({ commits }: { commits: Commit[] }) {
  if (commits.length === 0) return <Empty>This epoch has not been committed on-chain yet.</Empty>;
  return (
    <div className="table-wrap" tabIndex={0}>
      <table aria-label="Chain commits of the epoch">
        <thead>
          <tr>
            <th scope="col">Chain</th>
            <th scope="col">Commit transaction</th>
            <th scope="col" className="num">
              Block
            </th>
            <th scope="col">Funding transaction</th>
            <th scope="col" className="num">
              Funded
            </th>
          </tr>
        </thead>
        <tbody>
          {commits.map((c) => (
            <tr key={`${c.chainId}:${c.epoch}`}>
              <td>{c.chainId}</td>
              <td>
                <Hash value={c.txHash} label="commit transaction" />
              </td>
              <td className="num">{c.blockNumber ?? '—'}</td>
              <td>
                <Hash value={c.fundTxHash} label="funding transaction" />
              </td>
              <td className="num">{c.rewardTotal ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One epoch: its proposals (re-settlements included), the payouts of the one in force with their receipts, and its chain commits. */
function EpochDetail({ datanet, epoch, commits }: { datanet: string; epoch: string; commits: Commit[] }) {
  const q = useQuery({
    queryKey: ['settlement', datanet, epoch],
    queryFn: () => data(api.GET('/v1/datanets/{id}/settlements/{epoch}', { params: { path: { id: datanet, epoch } } })),
  });
  return (
    <section className="panel" aria-labelledby="epoch-title">
      <h2 id="epoch-title">Epoch {epoch}</h2>
      <QueryState query={q} what={`epoch ${epoch}`}>
        {(d) => {
          const mine = commits.filter((c) => String(c.epoch) === d.current.epochNumber);
          const base = `/v1/datanets/${encodeURIComponent(datanet)}/settlements/${encodeURIComponent(epoch)}/receipts`;
          return (
            <>
              <dl className="facts inline">
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={d.current.status} />
                </dd>
                <dt>Challenge window</dt>
                <dd>
                  <ChallengeWindow status={d.current.status} finalAt={d.current.finalAt} finalisedAt={d.current.finalisedAt} />
                </dd>
                <dt>Fees</dt>
                <dd>{d.current.fees}</dd>
                <dt>Contributor pool</dt>
                <dd>{d.current.contributorPool}</dd>
                <dt>Paid</dt>
                <dd>{d.current.paid}</dd>
                <dt>Unallocated</dt>
                <dd>{d.current.unallocated}</dd>
              </dl>
              <h3>Proposals</h3>
              <div className="table-wrap" tabIndex={0}>
                <table aria-label="Proposals">
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        Version
                      </th>
                      <th scope="col">Status</th>
                      <th scope="col">Proposed</th>
                      <th scope="col">Why</th>
                      <th scope="col" className="num">
                        Paid
                      </th>
                      <th scope="col">Merkle root</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...d.proposals].reverse().map((p) => (
                      <tr key={p.version}>
                        <td className="num">{p.version}</td>
                        <td>
                          <StatusBadge status={p.status} />
                        </td>
                        <td>
                          <Time ms={p.proposedAt} />
                        </td>
                        <td>{p.reason}</td>
                        <td className="num">{p.paid}</td>
                        <td>
                          <Hash value={p.merkleRoot} label="Merkle root" />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h3>Payouts</h3>
              {d.payouts.length === 0 ? (
                <Empty>This proposal pays no one.</Empty>
              ) : (
                <div className="table-wrap" tabIndex={0}>
                  <table aria-label="Payouts">
                    <thead>
                      <tr>
                        <th scope="col">Account</th>
                        <th scope="col" className="num">
                          Amount
                        </th>
                        <th scope="col" className="num">
                          Attribution
                        </th>
                        <th scope="col" className="num">
                          Standing
                        </th>
                        <th scope="col">Receipt</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.payouts.map((p) => (
                        <tr key={p.index}>
                          <td>
                            <code className="mono hash">{p.account}</code>
                          </td>
                          <td className="num">{p.amount}</td>
                          <td className="num">{p.attribution.toFixed(4)}</td>
                          <td className="num">{p.standing.toFixed(2)}</td>
                          <td>
                            <a href={`${base}/${p.account}/html`} aria-label={`Receipt of ${p.account}`}>
                              receipt
                            </a>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <h3>Chain commits</h3>
              <EpochCommits commits={mine} />
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

/** A Datanet's settlements: epochs proposed and final, the challenge window's time left, payouts, receipts and chain commits. */
export function SettlementsPage() {
  const { datanetId } = useParams({ from: '/datanets/$datanetId/settlements' });
  const { epoch } = useSearch({ from: '/datanets/$datanetId/settlements' });
  const list = useQuery({
    queryKey: ['settlements', datanetId],
    queryFn: () => data(api.GET('/v1/datanets/{id}/settlements', { params: { path: { id: datanetId } } })),
  });
  const commits = useQuery({
    queryKey: ['commits', datanetId],
    queryFn: () => data(api.GET('/v1/datanets/{id}/commits', { params: { path: { id: datanetId } } })),
  });
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/datanets">Datanets</Link> /{' '}
        <Link to="/datanets/$datanetId" params={{ datanetId }}>
          {datanetId}
        </Link>{' '}
        / settlements
      </nav>
      <h1>Settlements of {datanetId}</h1>
      <section className="panel" aria-labelledby="epochs-title">
        <h2 id="epochs-title">Epochs</h2>
        <QueryState query={list} what="settlements">
          {(d) =>
            d.settlements.length === 0 ? (
              <Empty>No epoch of {datanetId} has been settled yet. Its nightly pipeline proposes one after paid inferences.</Empty>
            ) : (
              <div className="table-wrap" tabIndex={0}>
                <table aria-label="Epochs">
                  <thead>
                    <tr>
                      <th scope="col">Epoch</th>
                      <th scope="col">Status</th>
                      <th scope="col">Challenge window</th>
                      <th scope="col" className="num">
                        Paid
                      </th>
                      <th scope="col">Commit transaction</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...d.settlements].reverse().map((e) => {
                      const tx = commits.data?.commits.find((c) => String(c.epoch) === e.epochNumber && c.txHash)?.txHash ?? null;
                      return (
                        <tr key={e.epoch} aria-current={e.epoch === epoch ? 'true' : undefined}>
                          <td>
                            <Link to="/datanets/$datanetId/settlements" params={{ datanetId }} search={{ epoch: e.epoch }}>
                              {e.epoch}
                            </Link>
                          </td>
                          <td>
                            <StatusBadge status={e.status} />
                            {e.version > 1 ? <span className="muted"> (v{e.version})</span> : null}
                          </td>
                          <td>
                            <ChallengeWindow status={e.status} finalAt={e.finalAt} finalisedAt={e.finalisedAt} />
                          </td>
                          <td className="num">{e.paid}</td>
                          <td>{commits.isPending ? '…' : tx ? <Hash value={tx} label="commit transaction" /> : 'not committed'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </section>
      {epoch ? (
        <EpochDetail datanet={datanetId} epoch={epoch} commits={commits.data?.commits ?? []} />
      ) : (
        <p className="muted">Open an epoch to see its proposals, payouts, receipts and chain commits.</p>
      )}
    </div>
  );
}
