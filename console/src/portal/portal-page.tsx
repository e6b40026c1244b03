import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, data } from '../api/api-client';
import { useSession } from '../api/session';
import { Pager } from '../components/pager';
import { Empty, ErrorBox, Loading, QueryState } from '../components/states';
import { Time } from '../components/time';
import { MY_SUBMISSIONS_PAGE, useMySubmissions } from './my-submissions-store';
import { recordFatesText } from './record-fates';
import { Rewards } from './rewards';
import { SubmissionFate } from './submission-fate';
import { SubmitForm } from './submit-form';

const CONTRIBUTIONS_PAGE = 20;

/** The contributor portal: quota and standing, submit, my submissions, contributions and rewards. */
export function PortalPage() {
  const session = useSession();
  const search = useSearch({ from: '/portal' });
  const navigate = useNavigate({ from: '/portal' });
  const datanets = useQuery({ queryKey: ['datanets'], queryFn: () => data(api.GET('/v1/datanets')) });
  const address = session.data?.address ?? undefined;
  const datanet = search.datanet ?? datanets.data?.datanets[0]?.id;
  // The page of "your contributions", newest first, per Datanet (another Datanet starts at its newest).
  const [contribPaging, setContribPaging] = useState<{ datanet?: string; page: number }>({ page: 1 });
  const contribPage = contribPaging.datanet === datanet ? contribPaging.page : 1;
  const me = useQuery({
    queryKey: ['contributor', address, datanet, contribPage],
    enabled: Boolean(address && datanet),
    placeholderData: keepPreviousData,
    queryFn: () =>
      data(
        api.GET('/v1/contributors/{address}', {
          params: { path: { address: address! }, query: { datanet, pageSize: CONTRIBUTIONS_PAGE, page: contribPage, order: 'newest' } },
        }),
      ),
  });
  // The page of "my submissions", per Datanet (another Datanet starts at its newest).
  const [paging, setPaging] = useState<{ datanet?: string; page: number }>({ page: 1 });
  const page = paging.datanet === datanet ? paging.page : 1;
  const setPage = (p: number) => setPaging({ datanet, page: p });
  const mine = useMySubmissions(address ?? '', datanet ?? '', page);
  if (session.isPending || datanets.isPending) return <Loading what="the portal" />;
  if (datanets.error) return <ErrorBox error={datanets.error} retry={() => datanets.refetch()} />;
  if (!address)
    return (
      <div className="page narrow">
        <h1>Contribute</h1>
        <p>Submit data to a Datanet, follow what happens to it, and claim what it earns.</p>
        <Link to="/sign-in" search={{ next: '/portal' }} className="button primary">
          Sign in with your wallet
        </Link>
      </div>
    );
  const rules = datanets.data.datanets.find((d) => d.id === datanet);
  if (!rules) return <Empty>This server serves no Datanet to contribute to.</Empty>;
  const stats = me.data?.datanets.find((d) => d.datanet === datanet);
  // Another Datanet's figures are not shown while this one's load.
  const records = mine.data && !mine.isPlaceholderData ? mine.data.records : undefined;
  const limits = rules.limits as Record<string, unknown>;
  return (
    <div className="page">
      <div className="title-row">
        <h1>Contribute</h1>
        <label className="inline-label">
          Datanet{' '}
          <select value={rules.id} onChange={(e) => navigate({ search: { datanet: e.target.value } })}>
            {datanets.data.datanets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.title ?? d.id}
              </option>
            ))}
          </select>
        </label>
      </div>
      <section className="panel" aria-labelledby="quota-title">
        <h2 id="quota-title">Today</h2>
        <QueryState query={me} what="your quota">
          {() =>
            stats ? (
              <div className="stats">
                <div>
                  <span className="stat-label">Quota left today</span>
                  <span className="stat" data-testid="bytes-left">
                    {stats.quota.bytesLeft.toLocaleString()} bytes
                  </span>
                  <div className="meter" aria-hidden="true">
                    <span
                      style={{ width: `${(100 * stats.quota.bytesLeft) / Math.max(1, stats.quota.bytesLeft + stats.quota.bytesUsed)}%` }}
                    />
                  </div>
                  <span className="muted">
                    {stats.quota.filesLeft === null ? '' : `${stats.quota.filesLeft} files left · `}resets{' '}
                    <Time ms={Date.parse(stats.quota.resetsAt)} />
                  </span>
                </div>
                <div>
                  <span className="stat-label">Acceptance rate</span>
                  <span className="stat">{stats.submittedFiles ? `${Math.round(stats.acceptanceRate * 100)}%` : '—'}</span>
                  <span className="muted">
                    {stats.acceptedFiles} of {stats.submittedFiles} files accepted
                  </span>
                </div>
                <div>
                  <span className="stat-label">Standing</span>
                  <span className="stat">{stats.standing.toLocaleString()}</span>
                  {/* Counted as each submission's summary counts them (a held near duplicate waits, it is not dropped). */}
                  {records ? (
                    <span className="muted" data-testid="record-fates">
                      {recordFatesText(records)}
                    </span>
                  ) : null}
                </div>
              </div>
            ) : (
              <div className="stats">
                <div>
                  <span className="stat-label">Quota left today</span>
                  <span className="stat" data-testid="bytes-left">
                    {Number(limits.dailyBytesPerContributor ?? 0).toLocaleString()} bytes
                  </span>
                  <span className="muted">You have not contributed to {rules.id} yet: the whole day's quota is yours.</span>
                </div>
              </div>
            )
          }
        </QueryState>
      </section>
      <SubmitForm
        key={rules.id}
        datanet={rules.id}
        address={address}
        rules={{
          formats: rules.formats,
          minFileBytes: rules.minFileBytes,
          filesPerSubmission: Number(limits.filesPerSubmission ?? 20),
          maxFileBytes: typeof limits.maxFileBytes === 'number' ? limits.maxFileBytes : undefined,
        }}
        licences={rules.licences}
        consents={rules.consent.required}
        quota={stats ? { bytesLeft: stats.quota.bytesLeft, filesLeft: stats.quota.filesLeft } : undefined}
      />
      <section aria-labelledby="mine-title">
        <h2 id="mine-title">My submissions</h2>
        <QueryState query={mine} what="your submissions">
          {(m) =>
            m.items.length === 0 ? (
              <Empty>You have sent nothing to {rules.id} yet.</Empty>
            ) : (
              <>
                <ul className="plain">
                  {m.items.map((s) => (
                    <SubmissionFate key={s.id} id={s.id} at={s.receivedAt} />
                  ))}
                </ul>
                {m.total > MY_SUBMISSIONS_PAGE ? (
                  <Pager label="Pages of my submissions" page={page} pageSize={MY_SUBMISSIONS_PAGE} total={m.total} onPage={setPage} />
                ) : null}
              </>
            )
          }
        </QueryState>
      </section>
      <section className="panel" aria-labelledby="contrib-title">
        <h2 id="contrib-title">Your contributions</h2>
        <QueryState query={me} what="your contributions">
          {(d) =>
            d.contributions.items.length === 0 ? (
              <Empty>None yet.</Empty>
            ) : (
              <div className="table-wrap" tabIndex={0}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">File</th>
                      <th scope="col">Record</th>
                      <th scope="col">Recorded</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.contributions.items.map((c) => (
                      <tr key={c.id}>
                        <td>{c.sourceFile}</td>
                        <td>{c.recordIndex}</td>
                        <td>
                          <Time ms={c.acceptedAt} />
                        </td>
                        <td>
                          {c.revokedAt !== null
                            ? 'revoked'
                            : c.waitingForReview
                              ? `waiting for review (${c.waitingForReview.join(', ').replaceAll('_', ' ')})`
                              : c.droppedAt !== null
                                ? `dropped: ${c.dropReason ?? 'by a later step'}`
                                : 'accepted'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {d.contributions.total > CONTRIBUTIONS_PAGE ? (
                  <Pager
                    label="Pages of your contributions"
                    page={contribPage}
                    pageSize={CONTRIBUTIONS_PAGE}
                    total={d.contributions.total}
                    onPage={(p) => setContribPaging({ datanet, page: p })}
                    note="newest first"
                  />
                ) : (
                  <p className="muted">{d.contributions.total} in all</p>
                )}
              </div>
            )
          }
        </QueryState>
      </section>
      <Rewards datanet={rules.id} address={address} />
    </div>
  );
}
