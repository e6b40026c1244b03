import { type Table, vectorFromArray, Table as ArrowTable, type Vector } from 'apache-arrow';

export interface Partition {
  key: string;
  table: Table;
}

/**
 * Splits a table into partitions: by the values of a column (sorted by value, so the order is
 * deterministic) or into N contiguous row shards. Rows are reordered once and then sliced without
 * copying.
 */
export function partitionTable(table: Table, spec: { by?: string; shards?: number }): Partition[] {
  if (spec.shards !== undefined) {
    const n = Math.min(spec.shards, Math.max(1, table.numRows));
    const size = Math.ceil(table.numRows / n);
    const width = String(n - 1).length;
    const out: Partition[] = [];
    for (let i = 0; i < n; i++)
      out.push({ key: `shard-${String(i).padStart(width, '0')}`, table: table.slice(i * size, Math.min(table.numRows, (i + 1) * size)) });
    return out;
  }
  const column = table.getChild(spec.by!);
  if (!column)
    throw new Error(
      `foreach.by: the input table has no column "${spec.by}" (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`,
    );
  const keys: string[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) keys[i] = String(column.get(i));
  const order = Array.from({ length: table.numRows }, (_, i) => i);
  order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
  const sorted = isIdentity(order) ? table : reorder(table, order);
  const out: Partition[] = [];
  let start = 0;
  for (let i = 1; i <= order.length; i++) {
    if (i === order.length || keys[order[i]] !== keys[order[start]]) {
      out.push({ key: keys[order[start]], table: sorted.slice(start, i) });
      start = i;
    }
  }
  return out;
}

function isIdentity(order: number[]): boolean {
  for (let i = 0; i < order.length; i++) if (order[i] !== i) return false;
  return true;
}

function reorder(table: Table, order: number[]): Table {
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const col = table.getChild(field.name)!;
    const values = order.map((i) => col.get(i));
    columns[field.name] = vectorFromArray(values, field.type);
  }
  return new ArrowTable(columns);
}
