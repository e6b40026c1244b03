/** One cell of a table read back from the server: null shown as such, objects as JSON. */
function cellText(v: unknown) {
  return v === null ? <span className="muted">null</span> : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Rows of a table the server read (an output preview, a SQL result), in a focusable scrolling region.
 * `label` names the table; `regionLabel`, when given, names the scrolling region instead.
 */
export function RowsTable(p: { columns: { name: string; title?: string }[]; rows: unknown[][]; label?: string; regionLabel?: string }) {
  return (
    <div className="table-wrap" tabIndex={0} {...(p.regionLabel ? { role: 'region', 'aria-label': p.regionLabel } : {})}>
      <table {...(p.label ? { 'aria-label': p.label } : {})}>
        <thead>
          <tr>
            {p.columns.map((c, i) => (
              <th key={i} scope="col" title={c.title}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((row, i) => (
            <tr key={i}>
              {row.map((v, j) => (
                <td key={j}>
                  <span className="cell">{cellText(v)}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
