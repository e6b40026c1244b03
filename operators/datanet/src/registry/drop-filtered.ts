import type { Table } from 'apache-arrow';
import { sql, type Kysely } from 'kysely';
import { loadDatanetDefinition, resolveDatanetPath } from '../definition/load-datanet.js';
import { dropContributions, type DroppedContribution } from './contributions.js';
import { migrateRegistry } from './migrations.js';

export interface FilteredRows {
  /** The step's input table. */
  table: Table;
  /** Rows of it the step dropped. */
  rows: readonly number[];
  idColumn: string;
  /** The step and why row i was dropped, e.g. "dedupe.exact: duplicate of <id>". */
  reason: (row: number) => string;
  /** The Datanet when the table has no `datanet` column (a step configured with `datanet:`). */
  datanet?: string;
  /** Where the step's pipeline lives: each Datanet's standing policy is read from its definition. */
  pipelineDir?: string;
}

/**
 * For a filter step (dedupe, quality): when the rows it dropped are a Datanet's contributions (the
 * table names its Datanet in a `datanet` column, as intake's `accepted` output does, or the step
 * was given one) and the run store holds the registry, they are dropped there too, so standing
 * stops counting them (see dropContributions). Any other table, or a store without a registry,
 * is left alone. Returns how many contributions were dropped now.
 */
export async function dropFilteredRows(db: Kysely<any>, f: FilteredRows): Promise<number> {
  if (!f.rows.length) return 0;
  const idCol = f.table.getChild(f.idColumn);
  const datanetCol = f.table.getChild('datanet');
  if (!idCol || (!datanetCol && !f.datanet)) return 0;
  const has = await sql<{ t: boolean }>`select to_regclass('contributions') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return 0;
  await migrateRegistry(db);
  const byDatanet = new Map<string, DroppedContribution[]>();
  for (const row of f.rows) {
    const id = idCol.get(row);
    const datanet = datanetCol?.get(row) ?? f.datanet;
    if (id === null || id === undefined || !datanet) continue;
    const list = byDatanet.get(String(datanet)) ?? [];
    list.push({ datanet: String(datanet), id: String(id), reason: f.reason(row) });
    byDatanet.set(String(datanet), list);
  }
  let n = 0;
  for (const [datanet, dropped] of byDatanet)
    n += (await dropContributions(db, dropped, { policy: policyOf(datanet, f.pipelineDir) })).length;
  return n;
}

/** The Datanet's standing policy (for the standing history), or the default where its definition is not found. */
function policyOf(datanet: string, pipelineDir: string | undefined) {
  try {
    return loadDatanetDefinition(resolveDatanetPath(datanet, pipelineDir)).standing;
  } catch {
    return undefined;
  }
}
