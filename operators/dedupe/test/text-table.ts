import { Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';

/** A table of (id, text) rows, with an Int32 order column `t` (the row number unless given) when `order` is set. */
export function textTable(rows: { id: string; text: string; t?: number }[], order = true): Table {
  return new Table({
    id: vectorFromArray(
      rows.map((r) => r.id),
      new Utf8(),
    ),
    text: vectorFromArray(
      rows.map((r) => r.text),
      new Utf8(),
    ),
    ...(order
      ? {
          t: vectorFromArray(
            rows.map((r, i) => r.t ?? i),
            new Int32(),
          ),
        }
      : {}),
  });
}

/** A column's values as strings (numbers kept as numbers when `raw`). */
export function col(t: Table | undefined, name: string, raw = false): (string | number)[] {
  return [...(t?.getChild(name) ?? [])].map((v) => (raw && typeof v === 'number' ? v : String(v)));
}
