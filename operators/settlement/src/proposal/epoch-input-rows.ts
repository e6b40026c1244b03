import type { Kysely } from 'kysely';
import type { Epoch } from '../core/epoch.js';
import { migrateProposals } from './proposal-migrations.js';

export interface InferenceRow {
  inferenceId: string;
  fee: bigint;
  time: number;
  model?: string | null;
  adapter?: string | null;
  prompt?: string | null;
  output?: string | null;
}

export interface AttributionRow {
  inferenceId: string;
  contributionId: string;
  /** As named by attribution (an address, or e.g. a MedQuAD site). */
  contributor: string;
  /** Where the contributor is paid (lower-case 0x address). */
  account: string;
  score: number;
  /** JSON as attribution wrote it: spans `[{text, start, length, count, weight}]` or `{method, influence}`. */
  evidence?: string | null;
}

export interface EpochInputRows {
  datanet: string;
  epoch: Epoch;
  /** The epoch's inferences only (time inside the epoch). */
  inferences: InferenceRow[];
  /** Attribution rows of those inferences. */
  attributions: AttributionRow[];
  standing: { contributor: string; standing: number }[];
  /** Texts of the attributed contributions, for receipts' highlighting (optional). */
  texts?: { contributionId: string; text: string }[];
  /** Attribution method (e.g. `attribution.spans`) and its version (e.g. the attributions artifact digest). */
  method: string;
  methodVersion: string;
  runId?: string | null;
  now?: number;
}

const CHUNK = 2_000;

async function insertChunks(db: Kysely<any>, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK))
      .execute();
}

/**
 * Records an epoch's settlement inputs once: the marker row and every input row in ONE transaction
 * (`ON CONFLICT DO NOTHING` on the marker). A crash leaves nothing; a second capture (a retry, a
 * resumed run) writes nothing and returns false. Proposals, re-settlements and receipts all read
 * these rows, so a later change of the upstream artifacts cannot change an epoch being settled.
 */
export async function recordEpochInputs(db: Kysely<any>, rows: EpochInputRows): Promise<boolean> {
  await migrateProposals(db);
  const { datanet } = rows;
  const epoch = rows.epoch.id;
  const fees = rows.inferences.reduce((n, r) => n + r.fee, 0n);
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('settlement_epoch_inputs')
      .values({
        datanet,
        epoch,
        epoch_number: rows.epoch.number.toString(),
        fees: fees.toString(),
        inference_count: rows.inferences.length,
        method: rows.method,
        method_version: rows.methodVersion,
        captured_at: rows.now ?? Date.now(),
        run_id: rows.runId ?? null,
      })
      .onConflict((oc) => oc.columns(['datanet', 'epoch']).doNothing())
      .returning('epoch')
      .executeTakeFirst();
    if (!inserted) return false;
    await insertChunks(
      trx,
      'settlement_input_inferences',
      rows.inferences.map((r) => ({
        datanet,
        epoch,
        inference_id: r.inferenceId,
        fee: r.fee.toString(),
        time: r.time,
        model: r.model ?? null,
        adapter: r.adapter ?? null,
        prompt: r.prompt ?? null,
        output: r.output ?? null,
      })),
    );
    await insertChunks(
      trx,
      'settlement_input_attributions',
      rows.attributions.map((r, i) => ({
        datanet,
        epoch,
        row: i,
        inference_id: r.inferenceId,
        contribution_id: r.contributionId,
        contributor: r.contributor,
        account: r.account.toLowerCase(),
        score: r.score,
        evidence: r.evidence ?? null,
      })),
    );
    const standing = new Map<string, number>();
    for (const s of rows.standing) standing.set(s.contributor, Math.max(standing.get(s.contributor) ?? -Infinity, s.standing));
    await insertChunks(
      trx,
      'settlement_input_standing',
      [...standing].map(([contributor, s]) => ({ datanet, epoch, contributor, standing: s })),
    );
    const texts = new Map((rows.texts ?? []).map((t) => [t.contributionId, t.text]));
    await insertChunks(
      trx,
      'settlement_input_texts',
      [...texts].map(([contribution_id, text]) => ({ datanet, epoch, contribution_id, text })),
    );
    return true;
  });
}

export interface StoredEpochInputs {
  datanet: string;
  epoch: string;
  epochNumber: bigint;
  fees: bigint;
  inferenceCount: number;
  method: string;
  methodVersion: string;
  capturedAt: number;
}

export async function loadEpochInputs(db: Kysely<any>, datanet: string, epoch: string): Promise<StoredEpochInputs | undefined> {
  await migrateProposals(db);
  const r = await db
    .selectFrom('settlement_epoch_inputs')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    datanet,
    epoch,
    epochNumber: BigInt(r.epoch_number),
    fees: BigInt(String(r.fees)),
    inferenceCount: Number(r.inference_count),
    method: r.method,
    methodVersion: r.method_version,
    capturedAt: Number(r.captured_at),
  };
}

export interface StoredAttributionRow extends AttributionRow {
  row: number;
}

/** The epoch's stored attribution rows, optionally of one account, in capture order. */
export async function loadAttributionRows(
  db: Kysely<any>,
  datanet: string,
  epoch: string,
  account?: string,
): Promise<StoredAttributionRow[]> {
  await migrateProposals(db);
  let q = db.selectFrom('settlement_input_attributions').selectAll().where('datanet', '=', datanet).where('epoch', '=', epoch);
  if (account) q = q.where('account', '=', account.toLowerCase());
  const rows = await q.orderBy('row').execute();
  return rows.map((r: Record<string, any>) => ({
    row: Number(r.row),
    inferenceId: r.inference_id,
    contributionId: r.contribution_id,
    contributor: r.contributor,
    account: r.account,
    score: Number(r.score),
    evidence: r.evidence,
  }));
}

export async function loadStandingRows(db: Kysely<any>, datanet: string, epoch: string): Promise<Map<string, number>> {
  await migrateProposals(db);
  const rows = await db
    .selectFrom('settlement_input_standing')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .execute();
  return new Map(rows.map((r: Record<string, any>) => [r.contributor as string, Number(r.standing)]));
}
