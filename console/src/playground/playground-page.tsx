import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { Fragment, useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, data } from '../api/api-client';
import { useSession } from '../api/session';
import { Empty, ErrorBox, QueryState } from '../components/states';
import { contributionSql } from '../datasets/datasets-search';
import '../datasets/datasets.css';

interface Span {
  start: number;
  end: number;
  text: string;
  count: number;
  weight: number;
  contributions: { contributionId: string; contributor: string }[];
  contributionCount: number;
}

function datasetOf(ref: string | null): { datanet: string; version: number } | undefined {
  const m = ref ? /^(.+)@(\d+)$/.exec(ref) : null;
  return m ? { datanet: m[1], version: Number(m[2]) } : undefined;
}

/** Spans that do not overlap, earliest first (maximal spans may overlap; the longer one is kept). */
function disjoint(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = out[out.length - 1];
    if (!last || s.start >= last.end) out.push(s);
    else if (s.end - s.start > last.end - last.start) out[out.length - 1] = s;
  }
  return out;
}

/** Prompt -> output of a registered adapter, with the spans found in its training data highlighted. */
export function PlaygroundPage() {
  const { model } = useSearch({ from: '/playground' });
  const navigate = useNavigate({ from: '/playground' });
  const session = useSession();
  const models = useQuery({ queryKey: ['models'], queryFn: () => data(api.GET('/v1/models')) });
  const [prompt, setPrompt] = useState('');
  const [maxNewTokens, setMaxNewTokens] = useState(64);
  const [minTokens, setMinTokens] = useState(3);
  const id = useId();
  const run = useMutation({
    mutationFn: (body: { model: string; prompt: string; maxNewTokens: number; minTokens: number }) =>
      data(
        api.POST('/v1/models/{model}/generate', {
          params: { path: { model: body.model } },
          body: { prompt: body.prompt, maxNewTokens: body.maxNewTokens, minTokens: body.minTokens },
        }),
      ),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen && prompt.trim()) run.mutate({ model: chosen, prompt, maxNewTokens, minTokens });
  };
  const builtin = models.data?.models.filter((m) => m.backend === 'builtin') ?? [];
  const chosen = model ?? builtin[builtin.length - 1]?.id;
  if (!session.isPending && !session.data)
    return (
      <div className="page narrow">
        <h1>Playground</h1>
        <p>
          <Link to="/sign-in" search={{ next: '/playground' }}>
            Sign in
          </Link>{' '}
          to try a model: each generation runs on this server.
        </p>
      </div>
    );
  const r = run.data;
  const ds = r ? datasetOf(r.datasetVersion) : undefined;
  const contributionLink = (c: { contributionId: string }, children: ReactNode) =>
    ds ? (
      <Link to="/datasets" search={{ ...ds, sql: contributionSql(c.contributionId) }}>
        {children}
      </Link>
    ) : (
      <>{children}</>
    );
  return (
    <div className="page">
      <h1>Playground</h1>
      <QueryState query={models} what="models">
        {() =>
          builtin.length === 0 ? (
            <Empty>No builtin adapters on this server yet: train one with a train.lora step (backend: builtin).</Empty>
          ) : (
            <form onSubmit={submit} className="form panel">
              <label htmlFor={`${id}-model`}>Model</label>
              <select id={`${id}-model`} value={chosen} onChange={(e) => navigate({ search: { model: e.target.value } })}>
                {builtin.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id}
                    {m.lineage.datasetVersion ? ` (trained on ${m.lineage.datasetVersion})` : ''}
                  </option>
                ))}
              </select>
              <label htmlFor={`${id}-prompt`}>Prompt</label>
              <textarea
                id={`${id}-prompt`}
                value={prompt}
                maxLength={500}
                rows={3}
                onChange={(e) => setPrompt(e.target.value)}
                aria-describedby={`${id}-hint`}
              />
              <span id={`${id}-hint`} className="muted">
                Up to 500 characters; the output is greedy, so the same prompt gives the same answer.
              </span>
              <label htmlFor={`${id}-tokens`}>New tokens (at most 128)</label>
              <input
                id={`${id}-tokens`}
                type="number"
                min={1}
                max={128}
                value={maxNewTokens}
                onChange={(e) => setMaxNewTokens(Math.max(1, Math.min(128, Number(e.target.value) || 1)))}
              />
              <label htmlFor={`${id}-min`}>Shortest span to attribute (words)</label>
              <input
                id={`${id}-min`}
                type="number"
                min={1}
                max={50}
                value={minTokens}
                onChange={(e) => setMinTokens(Math.max(1, Math.min(50, Number(e.target.value) || 1)))}
              />
              <div>
                <button type="submit" className="primary" disabled={run.isPending || !prompt.trim()}>
                  {run.isPending ? 'Generating…' : 'Generate'}
                </button>
              </div>
            </form>
          )
        }
      </QueryState>
      {run.isPending ? (
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" /> Generating and attributing…
        </div>
      ) : null}
      {run.error ? <ErrorBox error={run.error} /> : null}
      {r ? (
        <section className="panel" aria-labelledby={`${id}-out`} data-testid="playground-result">
          <h2 id={`${id}-out`}>Output</h2>
          <p className="muted" role="status">
            {r.outputTokens} tokens in {(r.elapsedMs / 1000).toFixed(1)} s · {r.spans.length} span{r.spans.length === 1 ? '' : 's'} found in{' '}
            {r.datasetVersion ?? 'the training data'} ({r.words.toLocaleString()} words)
          </p>
          <p className="generated" data-testid="generated">
            <Highlighted text={r.output} spans={disjoint(r.spans)} link={contributionLink} />
          </p>
          {r.spans.length ? (
            <>
              <h3>Attributed spans</h3>
              <ol className="span-list">
                {disjoint(r.spans).map((s) => (
                  <li key={s.start} id={`span-${s.start}`}>
                    “{s.text}”{' '}
                    <span className="muted">
                      ({s.count} occurrence{s.count === 1 ? '' : 's'} in the dataset)
                    </span>{' '}
                    matched:{' '}
                    {s.contributions.slice(0, INLINE_MATCHES).map((c, i) => (
                      <Fragment key={c.contributionId}>
                        {i ? ', ' : ''}
                        <MatchedContribution c={c} link={contributionLink} />
                      </Fragment>
                    ))}
                    {s.contributionCount > INLINE_MATCHES ? (
                      s.contributions.length > INLINE_MATCHES ? (
                        // A common phrase matches hundreds of rows: the first few inline, the rest on request.
                        <details className="more-matches">
                          <summary>
                            {' '}
                            and {s.contributionCount - INLINE_MATCHES} more contribution
                            {s.contributionCount - INLINE_MATCHES === 1 ? '' : 's'}
                          </summary>
                          <ul>
                            {s.contributions.slice(INLINE_MATCHES).map((c) => (
                              <li key={c.contributionId}>
                                <MatchedContribution c={c} link={contributionLink} />
                              </li>
                            ))}
                            {s.contributionCount > s.contributions.length ? (
                              <li className="muted">and {s.contributionCount - s.contributions.length} more not listed</li>
                            ) : null}
                          </ul>
                        </details>
                      ) : (
                        <span className="muted"> and {s.contributionCount - s.contributions.length} more</span>
                      )
                    ) : null}
                  </li>
                ))}
              </ol>
              <h3>Contributions credited</h3>
              <ul>
                {r.contributions.slice(0, 20).map((c) => (
                  <li key={c.contributionId}>
                    {(c.score * 100).toFixed(1)}% <MatchedContribution c={c} link={contributionLink} />
                  </li>
                ))}
                {r.contributions.length > 20 ? (
                  <li className="muted">
                    and {r.contributions.length - 20} more, each under {(r.contributions[20].score * 100).toFixed(1)}%
                  </li>
                ) : null}
              </ul>
            </>
          ) : (
            <p>No span of this output of {run.variables?.minTokens ?? minTokens} or more words occurs in the training data.</p>
          )}
        </section>
      ) : null}
    </div>
  );
}

function Highlighted({
  text,
  spans,
  link,
}: {
  text: string;
  spans: Span[];
  link: (c: { contributionId: string }, children: ReactNode) => ReactNode;
}) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.start > at) parts.push(text.slice(at, s.start));
    const first = s.contributions[0];
    const label = text.slice(s.start, s.end);
    parts.push(
      <mark
        key={s.start}
        data-span={s.start}
        title={`found ${s.count}× in the dataset; matched ${s.contributionCount} contribution${s.contributionCount === 1 ? '' : 's'}`}
      >
        {first ? link(first, label) : label}
      </mark>,
    );
    at = s.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

/** Matches shown inline per span; the rest (up to what the server lists) fold away. */
const INLINE_MATCHES = 3;

/** A contribution's short id (its link) and its contributor's short address, both whole on hover. */
function MatchedContribution({
  c,
  link,
}: {
  c: { contributionId: string; contributor: string };
  link: (c: { contributionId: string }, children: ReactNode) => ReactNode;
}) {
  const who = /^0x[0-9a-fA-F]{40}$/.test(c.contributor) ? `${c.contributor.slice(0, 6)}…${c.contributor.slice(-4)}` : c.contributor;
  return (
    <>
      {link(c, <code title={c.contributionId}>{c.contributionId.slice(0, 14)}…</code>)}{' '}
      <span className="muted" title={c.contributor}>
        by {who}
      </span>
    </>
  );
}
