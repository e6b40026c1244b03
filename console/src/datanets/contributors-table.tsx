import { useState } from 'react';
import type { StewardReport } from './report-types';

type Row = StewardReport['contributors'][number];
const rejections = (r: Row) => r.intakeRejections + r.duplicates + r.qualityRejected + (r.rejectedFiles ?? 0);
const COLUMNS: { key: string; label: string; value: (r: Row) => number }[] = [
  { key: 'rejections', label: 'Rejections', value: rejections },
  { key: 'accepted', label: 'Accepted records', value: (r) => r.acceptedRecords },
  { key: 'rate', label: 'Acceptance rate', value: (r) => r.acceptanceRate },
  { key: 'standing', label: 'Standing', value: (r) => r.standing },
  { key: 'duplicates', label: 'Duplicates', value: (r) => r.duplicates },
];

/** Contributors with acceptance rate, standing and rejections; sortable by each figure. */
export function ContributorsTable({ rows }: { rows: Row[] }) {
  const [sort, setSort] = useState('rejections');
  const col = COLUMNS.find((c) => c.key === sort) ?? COLUMNS[0];
  const sorted = [...rows].sort((a, b) => col.value(b) - col.value(a) || a.contributor.localeCompare(b.contributor));
  return (
    <div className="table-wrap" tabIndex={0}>
      <table aria-label="Contributors">
        <thead>
          <tr>
            <th scope="col">Contributor</th>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" className="num" aria-sort={sort === c.key ? 'descending' : 'none'}>
                <button type="button" className="sort" onClick={() => setSort(c.key)}>
                  {c.label}
                  {sort === c.key ? ' ▼' : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.contributor}>
              <td className="mono">{r.contributor}</td>
              <td className="num">{rejections(r).toLocaleString()}</td>
              <td className="num">{r.acceptedRecords.toLocaleString()}</td>
              <td className="num">{Math.round(r.acceptanceRate * 100)}%</td>
              <td className="num">{r.standing.toLocaleString(undefined, { maximumFractionDigits: 1 })}</td>
              <td className="num">{r.duplicates.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
