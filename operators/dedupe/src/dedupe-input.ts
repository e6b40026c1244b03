import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { requireColumn, stringValues } from '@datanet/connector-duckdb';

/** The `with:` fields every dedupe operator shares, so they run on any table. */
export const BaseDedupeConfig = {
  datanet: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Datanet definition (its id, or a path relative to the pipeline file) whose dedupe: section supplies the settings this step leaves out',
    ),
  enabled: z.boolean().optional().describe("false keeps every record (default: the Datanet's setting, else true)"),
  textColumn: z.string().min(1).optional().describe("column holding the text to compare (default: the Datanet's textColumn, else text)"),
  idColumn: z.string().min(1).default('id').describe('column identifying each record (unique, not null)'),
  orderColumn: z
    .string()
    .min(1)
    .optional()
    .describe('column giving each record its time (submitted-at, sequence); the earliest keeps the credit. Without it, row order decides'),
  index: z
    .string()
    .min(1)
    .optional()
    .describe(
      'persistent index scope (e.g. the Datanet id): records are also checked against everything accepted into it before, and kept ones are added',
    ),
};

export interface DedupeRows {
  ids: string[];
  /** Row numbers in credit order: earliest first. */
  order: Int32Array;
}

/** Reads ids (checked unique and present) and the credit order of an input table. */
export function dedupeRows(
  table: Table,
  config: { textColumn: string; idColumn: string; orderColumn?: string },
  operator: string,
): DedupeRows {
  requireColumn(table, config.textColumn, 'textColumn', operator);
  requireColumn(table, config.idColumn, 'idColumn', operator);
  if (config.orderColumn) requireColumn(table, config.orderColumn, 'orderColumn', operator);
  const raw = stringValues(table, config.idColumn);
  const seen = new Map<string, number>();
  const ids = raw.map((id, row) => {
    if (id === undefined || id === '') throw new Error(`${operator}: row ${row} has no ${config.idColumn}; every record needs an id`);
    const before = seen.get(id);
    if (before !== undefined)
      throw new Error(`${operator}: ${config.idColumn} "${id}" appears twice (rows ${before} and ${row}); ids must be unique`);
    seen.set(id, row);
    return id;
  });
  const order = new Int32Array(table.numRows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  if (config.orderColumn) {
    const keys = orderKeys(table, config.orderColumn);
    order.sort((x, y) => compareKeys(keys[x], keys[y]) || x - y);
  }
  return { ids, order };
}

type Key = number | string | undefined;

function orderKeys(table: Table, column: string): Key[] {
  const out: Key[] = [];
  for (const v of table.getChild(column)!) {
    if (v == null) out.push(undefined);
    else if (typeof v === 'number' || typeof v === 'string') out.push(v);
    else if (typeof v === 'bigint') out.push(Number(v));
    else if (v instanceof Date) out.push(v.getTime());
    else out.push(String(v));
  }
  return out;
}

/** Missing order values sort last: a record with no time cannot claim to be first. */
function compareKeys(a: Key, b: Key): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}
