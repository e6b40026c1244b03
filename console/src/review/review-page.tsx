import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { scopesWith, useSession } from '../api/session';
import { api, ApiError, data } from '../api/api-client';
import { Empty, ErrorBox, Loading, SIGNED_OUT } from '../components/states';
import { Time } from '../components/time';
import { RecordView } from './record-view';
import type { ReviewItem } from './review-types';

type Verdict = 'approve' | 'reject' | 'skip' | 'flag';

/**
 * Refusals that mean the item moved on without this vote: decided meanwhile (a steward, the
 * deadline), or its lease ran out (next hands it back while it still needs a vote). The inbox says
 * so and asks for its next items, rather than keep the item on screen behind an error.
 */
const movedOn = (e: unknown): e is ApiError =>
  e instanceof ApiError && e.status === 409 && ['already_decided', 'lease_expired', 'not_assigned'].includes(e.code);

/**
 * The reviewer inbox: the next item, decided with the keyboard alone (A approve, R then a digit
 * reject with that reason, S skip, F flag, B blind mode), the earlier record beside a near
 * duplicate, and my accuracy and agreement.
 */
export function ReviewPage() {
  const session = useSession();
  const search = useSearch({ from: '/review' });
  const navigate = useNavigate({ from: '/review' });
  const qc = useQueryClient();
  const datanets = scopesWith(session.data, 'reviewer').filter((s) => s !== '*');
  const datanet = search.datanet ?? datanets[0];
  const id = datanet ?? '';
  const next = useQuery({
    queryKey: ['review-next', datanet],
    enabled: Boolean(datanet),
    queryFn: () => data(api.GET('/v1/datanets/{id}/review/next', { params: { path: { id } } })),
    // An empty queue is asked again every 10 s, not at once (that was a request loop).
    refetchInterval: (q) => (q.state.data?.items.length === 0 ? 10_000 : false),
  });
  const me = useQuery({
    queryKey: ['review-me', datanet],
    enabled: Boolean(datanet),
    queryFn: () => data(api.GET('/v1/datanets/{id}/review/me', { params: { path: { id } } })),
  });
  const [done, setDone] = useState<Set<string>>(new Set());
  const [rejecting, setRejecting] = useState(false);
  const [blind, setBlind] = useState(false);
  const [said, setSaid] = useState('');
  const [notice, setNotice] = useState('');
  const item = next.data?.items.find((i) => !done.has(i.id));

  const decide = useMutation({
    mutationFn: (d: { item: ReviewItem; verdict: Verdict; reason?: string }) =>
      data(
        api.POST('/v1/datanets/{id}/review/items/{item}/decision', {
          params: { path: { id, item: d.item.id } },
          body: { verdict: d.verdict, ...(d.reason ? { reason: d.reason } : {}) },
        }),
      ),
    onError: (e, d) => {
      if (!movedOn(e)) return;
      setRejecting(false);
      // A lapsed lease is renewed by next (same item); a decided item is gone for good.
      if (e.code !== 'lease_expired') setDone((s) => new Set(s).add(d.item.id));
      setNotice(e.message);
      void next.refetch();
    },
    onSuccess: (r, d) => {
      setNotice('');
      setRejecting(false);
      setDone((s) => new Set(s).add(d.item.id));
      setSaid(
        `${d.verdict === 'approve' ? 'Approved' : d.verdict === 'reject' ? `Rejected (${d.reason})` : d.verdict === 'skip' ? 'Skipped' : 'Flagged'}.${r.suspended ? ' Your review rights are suspended.' : ''}`,
      );
      void qc.invalidateQueries({ queryKey: ['review-me', datanet] });
    },
  });
  // When the batch held for me is used up, ask for the next one (an empty batch waits for the interval).
  const remaining = next.data && next.data.items.length > 0 ? next.data.items.filter((i) => !done.has(i.id)).length : -1;
  useEffect(() => {
    if (remaining === 0 && !next.isFetching) void next.refetch();
  }, [remaining, next]);

  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keys.current = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
    const k = e.key.toLowerCase();
    if (k === 'b') return setBlind((b) => !b);
    if (!item || decide.isPending) return;
    if (rejecting) {
      const n = Number(k);
      if (k === 'escape') setRejecting(false);
      else if (Number.isInteger(n) && n >= 1 && n <= item.reasons.length)
        decide.mutate({ item, verdict: 'reject', reason: item.reasons[n - 1] });
      else return;
    } else if (k === 'a') decide.mutate({ item, verdict: 'approve' });
    else if (k === 'r') setRejecting(true);
    else if (k === 's') decide.mutate({ item, verdict: 'skip' });
    else if (k === 'f') decide.mutate({ item, verdict: 'flag' });
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const on = (e: KeyboardEvent) => keys.current(e);
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);

  if (session.isPending) return <Loading what="your session" />;
  if (!session.data) return <ErrorBox error={SIGNED_OUT} />;
  if (!datanet) return <Empty>You review no Datanet. A Datanet's owners name its reviewers in its definition.</Empty>;
  return (
    <div className="page">
      <div className="title-row">
        <h1>Review inbox</h1>
        <div className="actions">
          {datanets.length > 1 ? (
            <label className="inline-label">
              Datanet{' '}
              <select value={datanet} onChange={(e) => navigate({ search: { datanet: e.target.value } })}>
                {datanets.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
          ) : (
            <span className="muted">{datanet}</span>
          )}
          <label className="check">
            <input type="checkbox" checked={blind} onChange={(e) => setBlind(e.target.checked)} /> Blind mode <kbd>B</kbd>
          </label>
        </div>
      </div>
      <p className="sr-only" role="status" aria-live="polite">
        {said}
      </p>
      {notice ? (
        <p className="state" role="status">
          {notice}
        </p>
      ) : null}
      <div className="split review-split">
        <section className="panel" aria-labelledby="item-title">
          {next.isPending ? (
            <Loading what="your next item" />
          ) : next.error ? (
            <ErrorBox error={next.error} retry={() => next.refetch()} />
          ) : !item && next.isFetching ? (
            // The batch held for me is used up and the next one is on its way: not "nothing to review".
            <Loading what="your next items" />
          ) : !item ? (
            <Empty>Nothing to review right now. New items arrive as intake holds them for people.</Empty>
          ) : (
            <>
              <h2 id="item-title">
                {item.kind === 'dispute' ? 'Dispute' : 'Record'} <code>{item.id.slice(0, 8)}</code>
              </h2>
              <p className="muted">
                {blind ? 'Contributor hidden (blind mode)' : item.contributor ? `From ${item.contributor}` : 'Contributor hidden by policy'}
                {!blind && item.heldFor.length ? ` · held for ${item.heldFor.join(', ')}` : ''} · decide by{' '}
                <Time ms={Date.parse(item.deadline)} />
              </p>
              <RecordView payload={item.payload} />
              {rejecting ? (
                <fieldset className="reasons">
                  <legend>Reject: choose a reason (press its number, Esc to go back)</legend>
                  {item.reasons.map((r, i) => (
                    <button key={r} type="button" onClick={() => decide.mutate({ item, verdict: 'reject', reason: r })}>
                      <kbd>{i + 1}</kbd> {r}
                    </button>
                  ))}
                  <button type="button" className="link" onClick={() => setRejecting(false)}>
                    Back
                  </button>
                </fieldset>
              ) : (
                <div className="actions decide">
                  <button type="button" className="primary" onClick={() => decide.mutate({ item, verdict: 'approve' })}>
                    <kbd>A</kbd> Approve
                  </button>
                  <button type="button" className="danger" onClick={() => setRejecting(true)}>
                    <kbd>R</kbd> Reject…
                  </button>
                  <button type="button" onClick={() => decide.mutate({ item, verdict: 'skip' })}>
                    <kbd>S</kbd> Skip
                  </button>
                  <button type="button" onClick={() => decide.mutate({ item, verdict: 'flag' })}>
                    <kbd>F</kbd> Flag for stewards
                  </button>
                </div>
              )}
              {decide.error && !movedOn(decide.error) ? <ErrorBox error={decide.error} /> : null}
            </>
          )}
        </section>
        <section className="panel" aria-labelledby="me-title">
          <h2 id="me-title">My figures</h2>
          {me.isPending ? (
            <Loading what="your figures" />
          ) : me.error ? (
            <ErrorBox error={me.error} retry={() => me.refetch()} />
          ) : (
            <dl className="facts">
              <dt>Decisions</dt>
              <dd data-testid="my-decisions">{me.data.decisions}</dd>
              <dt>Accuracy on gold items</dt>
              <dd>{me.data.accuracy === null ? `— (${me.data.goldAnswered} answered)` : `${Math.round(me.data.accuracy * 100)}%`}</dd>
              <dt>Agreement with consensus</dt>
              <dd>{me.data.agreement === null ? `— (${me.data.compared} compared)` : `${Math.round(me.data.agreement * 100)}%`}</dd>
              <dt>Status</dt>
              <dd>{me.data.status === 'active' ? 'active' : `suspended: ${me.data.suspendedReason ?? ''}`}</dd>
            </dl>
          )}
          <h3>Keys</h3>
          <ul className="plain small">
            <li>
              <kbd>A</kbd> approve · <kbd>R</kbd> reject, then <kbd>1</kbd>–<kbd>9</kbd> for the reason · <kbd>S</kbd> skip · <kbd>F</kbd>{' '}
              flag · <kbd>B</kbd> blind mode
            </li>
          </ul>
          <p>
            <Link to="/datanets/$datanetId" params={{ datanetId: datanet }}>
              {datanet}'s rules
            </Link>
          </p>
        </section>
      </div>
    </div>
  );
}
