import { useState } from 'react';
import { wordDiff, type DiffPart } from '../review/word-diff';
import type { StewardReport } from './report-types';

function Marked({ parts }: { parts: DiffPart[] }) {
  return (
    <>
      {parts.map((p, i) =>
        p.kind === 'same' ? <span key={i}>{p.text}</span> : p.kind === 'added' ? <ins key={i}>{p.text}</ins> : <del key={i}>{p.text}</del>,
      )}
    </>
  );
}

/** The biggest duplicate clusters; opening one shows the kept record beside each duplicate, differences marked. */
export function DuplicateClusters({ dup }: { dup: StewardReport['duplicates'] }) {
  const [open, setOpen] = useState<string>();
  if (dup.top.length === 0) return <p className="muted">No duplicates were dropped.</p>;
  return (
    <>
      <p className="muted">
        {dup.rows.toLocaleString()} duplicate rows in {dup.clusters.toLocaleString()} clusters; the largest has {dup.largestCluster}.
      </p>
      <ul className="plain">
        {dup.top.map((c) => (
          <li key={c.clusterId} className="cluster">
            <div className="output-row">
              <span>
                Cluster <code>{c.clusterId.slice(0, 12)}</code> · {c.size} records
                {c.keeperFromEarlierRun ? ' · kept record from an earlier run' : ''}
              </span>
              <button
                type="button"
                aria-expanded={open === c.clusterId}
                onClick={() => setOpen(open === c.clusterId ? undefined : c.clusterId)}
              >
                {open === c.clusterId ? 'Close cluster' : 'Open cluster'}
              </button>
            </div>
            {open === c.clusterId ? (
              <div className="cluster-body">
                {c.examples.map((m) => {
                  const d = wordDiff(c.keeper.excerpt ?? '', m.excerpt ?? '');
                  return (
                    <div key={m.id} className="side-by-side">
                      <section aria-label={`Kept record ${c.keeper.id}`}>
                        <h3>
                          Kept: <code>{c.keeper.id}</code>
                        </h3>
                        <p className="muted mono">{c.keeper.contributor ?? 'contributor unknown'}</p>
                        <p className="excerpt">
                          <Marked parts={d.left} />
                        </p>
                      </section>
                      <section aria-label={`Duplicate ${m.id}`}>
                        <h3>
                          Duplicate: <code>{m.id}</code>
                          {m.similarity !== null ? ` (${Math.round(m.similarity * 100)}% similar)` : ''}
                        </h3>
                        <p className="muted mono">{m.contributor ?? 'contributor unknown'}</p>
                        <p className="excerpt">
                          <Marked parts={d.right} />
                        </p>
                      </section>
                    </div>
                  );
                })}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
}
