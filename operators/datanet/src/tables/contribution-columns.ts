import { Table, makeVector, type Vector } from 'apache-arrow';
import { utf8Vector, type ColumnType, type TableSchemaSpec } from '@datanet/pipelines';
import type { DatanetDefinition } from '../definition/datanet-definition.js';

/**
 * Columns of the accepted-contributions table that flows from intake (besides the record fields).
 * When and in which run a record was accepted are kept in the registry, not here: a table is
 * content-addressed, and the same submissions must give the same table in any run, local or
 * distributed.
 */
export const CONTRIBUTION_COLUMNS = {
  id: 'utf8',
  datanet: 'utf8',
  contributor: 'utf8',
  text: 'utf8',
  licence: 'utf8',
  consent: 'utf8',
  // When intake received the record (its receipt time), and the receipt's arrival number: credit
  // goes by these. signed_at is the contributor's own claim, kept for reference only.
  submitted_at: 'int64',
  receipt_seq: 'int64',
  signed_at: 'int64',
  validator_version: 'utf8',
  source_file: 'utf8',
  submission_id: 'utf8',
  record_index: 'int32',
} as const satisfies Record<string, ColumnType>;

/** Columns of the rejections table. `file` is '' and `record_index` -1 when a whole submission/file is rejected. */
export const REJECTION_COLUMNS = {
  datanet: 'utf8',
  submission_id: 'utf8',
  file: 'utf8',
  record_index: 'int32',
  contributor: 'utf8',
  reason_code: 'utf8',
  message: 'utf8',
  duplicate_of: 'utf8',
} as const satisfies Record<string, ColumnType>;

/** The accepted table's schema for a Datanet: provenance columns plus one utf8 column per record field. */
export function contributionsSchema(def?: DatanetDefinition): TableSchemaSpec {
  const columns: Record<string, ColumnType> = { ...CONTRIBUTION_COLUMNS };
  for (const f of def?.recordSchema?.fields ?? []) columns[f.name] = 'utf8';
  return { columns, open: true };
}

export interface ContributionRow {
  id: string;
  datanet: string;
  contributor: string;
  text: string;
  licence: string;
  consent: string;
  submitted_at: number;
  receipt_seq: number;
  signed_at: number;
  accepted_at: number;
  validator_version: string;
  source_file: string;
  submission_id: string;
  record_index: number;
  run_id: string | null;
  fields: Record<string, string | null>;
}

export interface RejectionTableRow {
  datanet: string;
  submission_id: string;
  file: string;
  record_index: number;
  contributor: string;
  reason_code: string;
  message: string;
  duplicate_of: string | null;
}

export function contributionsTable(rows: ContributionRow[], fieldNames: string[]): Table {
  const cols: Record<string, Vector> = {};
  for (const [name, type] of Object.entries(CONTRIBUTION_COLUMNS)) {
    cols[name] = column(
      rows.map((r) => (r as unknown as Record<string, unknown>)[name]),
      type,
    );
  }
  for (const f of fieldNames)
    cols[f] = column(
      rows.map((r) => r.fields[f] ?? null),
      'utf8',
    );
  return new Table(cols);
}

export function rejectionsTable(rows: RejectionTableRow[]): Table {
  const cols: Record<string, Vector> = {};
  for (const [name, type] of Object.entries(REJECTION_COLUMNS)) {
    cols[name] = column(
      rows.map((r) => (r as unknown as Record<string, unknown>)[name]),
      type,
    );
  }
  return new Table(cols);
}

function column(values: unknown[], type: ColumnType): Vector {
  if (type === 'int64') return makeVector(BigInt64Array.from(values.map((v) => BigInt(v as number))));
  if (type === 'int32') return makeVector(Int32Array.from(values as number[]));
  return utf8Vector(values as (string | null)[]);
}
