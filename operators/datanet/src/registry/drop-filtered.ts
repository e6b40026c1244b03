import type { Table } from 'apache-arrow';
import { sql, type Kysely } from 'kysely';
import { loadDatanetDefinition, resolveDatanetPath } from '../definition/load-datanet.js';
import { dropContributions, restoreContributions, type DroppedContribution } from './contributions.js';
import { migrateRegistry } from './migrations.js';

export interface FilteredRows {
  /** The step's input table. */
  table: Table;
  /** The step's operator type: each drop reason starts with it ("quality.filter: ..."). */
  operator: string;
  /** Rows of it the step dropped. */
  rows: readonly number[];
  /** Rows it kept: a contribution with a kept row is not dropped, and one this operator dropped before is restored. */
  kept: readonly number[];
  idColumn: string;
  /** Why row i was dropped, after the operator's name: "duplicate of <id>". */
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
 * stops counting them (see dropContributions). A contribution with any row the step kept is not
 * dropped (a table of several rows per contribution), and one this operator had dropped in an
 * earlier run but keeps now (its rules or threshold changed) is restored. Any other table, or a
 * store without a registry, is left alone. Returns how many contributions were dropped now.
 */
export async function dropFilteredRows(db: Kysely<any>, f: FilteredRows): Promise<{ dropped: number; restored: number }> {
  const none = { dropped: 0, restored: 0 };
  const idCol = f.table.getChild(f.idColumn);
  const datanetCol = f.table.getChild('datanet');
  if (!idCol || (!datanetCol && !f.datanet)) return none;
  const has = await sql<{ t: boolean }>`select to_regclass('contributions') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return none;
  await migrateRegistry(db);
  const keyOf = (row: number) => {
    const id = idCol.get(row);
    const datanet = datanetCol?.get(row) ?? f.datanet;
    return id === null || id === undefined || !datanet ? undefined : { datanet: String(datanet), id: String(id) };
  };
  const kept = new Map<string, Set<string>>();
  for (const row of f.kept) {
    const k = keyOf(row);
    if (k) kept.set(k.datanet, (kept.get(k.datanet) ?? new Set()).add(k.id));
  }
  const dropped = new Map<string, DroppedContribution[]>();
  for (const row of f.rows) {
    const k = keyOf(row);
    if (!k || kept.get(k.datanet)?.has(k.id)) continue;
    dropped.set(k.datanet, [...(dropped.get(k.datanet) ?? []), { ...k, reason: `${f.operator}: ${f.reason(row)}` }]);
  }
  const out = { ...none };
  for (const datanet of new Set([...dropped.keys(), ...kept.keys()])) {
    const policy = policyOf(datanet, f.pipelineDir);
    out.dropped += (await dropContributions(db, dropped.get(datanet) ?? [], { policy })).length;
    const keep = [...(kept.get(datanet) ?? [])];
    if (keep.length) out.restored += (await restoreContributions(db, datanet, keep, `${f.operator}:`, { policy })).length;
  }
  return out;
}

/** The Datanet's standing policy (for the standing history), or the default where its definition is not found. */
function policyOf(datanet: string, pipelineDir: string | undefined) {
  try {
    return loadDatanetDefinition(resolveDatanetPath(datanet, pipelineDir)).standing;
  } catch {
    return undefined;
  }
}
