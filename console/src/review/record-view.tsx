import { wordDiff, type DiffPart } from './word-diff';

function Parts({ parts }: { parts: DiffPart[] }) {
  return (
    <>
      {parts.map((p, i) =>
        p.kind === 'same' ? <span key={i}>{p.text}</span> : p.kind === 'added' ? <ins key={i}>{p.text}</ins> : <del key={i}>{p.text}</del>,
      )}
    </>
  );
}

const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * A record's fields; beside a near duplicate, the earlier record it resembles with the differing
 * words marked (removed in the earlier one, added in this one).
 */
export function RecordView({ payload }: { payload: Record<string, unknown> }) {
  const { earlier, similarity, ...fields } = payload;
  const before = earlier && typeof earlier === 'object' ? (earlier as Record<string, unknown>) : undefined;
  const keys = Object.keys(fields).filter((k) => !k.startsWith('__'));
  if (!before)
    return (
      <dl className="record">
        {keys.map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{text(fields[k])}</dd>
          </div>
        ))}
      </dl>
    );
  return (
    <div>
      <p className="muted">
        Near duplicate of an earlier record{typeof similarity === 'number' ? ` (similarity ${(similarity * 100).toFixed(0)}%)` : ''}.
        Differences are marked.
      </p>
      <div className="side-by-side">
        <section aria-label="Earlier record">
          <h3>Earlier record</h3>
          <dl className="record">
            {keys.map((k) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>
                  <Parts parts={wordDiff(text(before[k]), text(fields[k])).left} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
        <section aria-label="This record">
          <h3>This record</h3>
          <dl className="record">
            {keys.map((k) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>
                  <Parts parts={wordDiff(text(before[k]), text(fields[k])).right} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
    </div>
  );
}
