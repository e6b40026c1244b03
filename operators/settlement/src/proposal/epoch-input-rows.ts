import { sql, type Kysely } from 'kysely';
import { parseEpoch, type Epoch } from '../core/epoch.js';
import { migrateSettlement } from '../store/migrations.js';
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

/** An epoch's inference rows and their attribution rows, numbered from `firstRow` (capture and late additions). */
async function insertInferenceRows(
  trx: Kysely<any>,
  datanet: string,
  epoch: string,
  inferences: InferenceRow[],
  attributions: AttributionRow[],
  firstRow: number,
): Promise<void> {
  await insertChunks(
    trx,
    'settlement_input_inferences',
    inferences.map((r) => ({
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
    attributions.map((r, i) => ({
      datanet,
      epoch,
      row: firstRow + i,
      inference_id: r.inferenceId,
      contribution_id: r.contributionId,
      contributor: r.contributor,
      account: r.account.toLowerCase(),
      score: r.score,
      evidence: r.evidence ?? null,
    })),
  );
}

async function insertChunks(db: Kysely<any>, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK))
      .execute();
}

/** The lock of one epoch's inputs, proposals and recording (held to the end of the transaction). */
export const lockEpoch = (db: Kysely<any>, datanet: string, epoch: string) =>
  sql`select pg_advisory_xact_lock(hashtext(${`datanet-settlement:${datanet}:${epoch}`}))`.execute(db);

/**
 * Refuses an epoch whose interval meets one already captured for the Datanet: an inference in the
 * shared hours would be paid by both. Run inside the capturing transaction, under the Datanet's
 * capture lock, so two concurrent captures of overlapping epochs cannot both pass.
 */
async function checkNoOverlap(trx: Kysely<any>, datanet: string, epoch: Epoch): Promise<void> {
  const captured = await trx.selectFrom('settlement_epoch_inputs').select('epoch').where('datanet', '=', datanet).execute();
  for (const { epoch: id } of captured as { epoch: string }[]) {
    if (id === epoch.id) continue;
    const other = parseEpoch(id);
    if (other.startMs < epoch.endMs && epoch.startMs < other.endMs) {
      const iso = (ms: number) => new Date(ms).toISOString();
      throw new Error(
        `epoch ${epoch.id} of ${datanet} [${iso(epoch.startMs)}, ${iso(epoch.endMs)}) overlaps epoch ${id} [${iso(other.startMs)}, ${iso(other.endMs)}), ` +
          `captured for settlement before: inferences in [${iso(Math.max(epoch.startMs, other.startMs))}, ${iso(Math.min(epoch.endMs, other.endMs))}) would be paid twice. ` +
          `Settle every epoch of a Datanet in one time zone (here: ${other.timezone})`,
      );
    }
  }
}

/**
 * Records an epoch's settlement inputs once: the marker row and every input row in ONE transaction
 * (`ON CONFLICT DO NOTHING` on the marker). A crash leaves nothing; a second capture (a retry, a
 * resumed run) writes nothing and returns false. Proposals, re-settlements and receipts all read
 * these rows, so a later change of the upstream artifacts cannot change an epoch being settled.
 * An epoch that overlaps another captured epoch of the Datanet (another zone's day) is refused.
 */
export async function recordEpochInputs(db: Kysely<any>, rows: EpochInputRows): Promise<boolean> {
  await migrateProposals(db);
  const { datanet } = rows;
  const epoch = rows.epoch.id;
  const fees = rows.inferences.reduce((n, r) => n + r.fee, 0n);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`datanet-settlement-capture:${datanet}`}))`.execute(trx);
    await checkNoOverlap(trx, datanet, rows.epoch);
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
    await insertInferenceRows(trx, datanet, epoch, rows.inferences, rows.attributions, 0);
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

export interface AppendedInputs {
  /** Inferences added to the epoch's inputs (0 when the epoch was final: nothing is added then). */
  added: number;
  /** The epoch was already recorded (paid): the given inferences were not added. */
  settled: boolean;
}

/**
 * Adds inferences that arrived after the epoch was captured (with their attribution rows, and the
 * standing and texts of contributors and contributions not captured yet) while the epoch is not
 * yet recorded, bumping the inputs' revision so its proposal is re-proposed. Under the epoch's
 * lock, which recording holds too: either they are added before the epoch is recorded (and the
 * recording, seeing a new revision, re-proposes) or the epoch is final and nothing is added.
 * Inferences already captured are left as they are.
 */
export async function appendEpochInputs(
  db: Kysely<any>,
  rows: Pick<EpochInputRows, 'datanet' | 'epoch' | 'inferences' | 'attributions' | 'standing' | 'texts'>,
): Promise<AppendedInputs> {
  await migrateProposals(db);
  await migrateSettlement(db);
  const { datanet } = rows;
  const epoch = rows.epoch.id;
  return db.transaction().execute(async (trx) => {
    await lockEpoch(trx, datanet, epoch);
    const settled = await trx
      .selectFrom('settlements')
      .select('epoch')
      .where('datanet', '=', datanet)
      .where('epoch', '=', epoch)
      .executeTakeFirst();
    if (settled) return { added: 0, settled: true };
    const have = new Set(
      (
        await trx
          .selectFrom('settlement_input_inferences')
          .select('inference_id')
          .where('datanet', '=', datanet)
          .where('epoch', '=', epoch)
          .execute()
      ).map((r: { inference_id: string }) => r.inference_id),
    );
    const inferences = rows.inferences.filter((r) => !have.has(r.inferenceId));
    if (!inferences.length) return { added: 0, settled: false };
    const ids = new Set(inferences.map((r) => r.inferenceId));
    const last = await trx
      .selectFrom('settlement_input_attributions')
      .select(sql<number>`coalesce(max(row), -1)`.as('row'))
      .where('datanet', '=', datanet)
      .where('epoch', '=', epoch)
      .executeTakeFirstOrThrow();
    const first = Number(last.row) + 1;
    const fees = inferences.reduce((n, r) => n + r.fee, 0n);
    await insertInferenceRows(
      trx,
      datanet,
      epoch,
      inferences,
      rows.attributions.filter((r) => ids.has(r.inferenceId)),
      first,
    );
    // Standing and texts as captured stay; only contributors and contributions new to the epoch are added.
    const standingHave = new Set(
      (
        await trx
          .selectFrom('settlement_input_standing')
          .select('contributor')
          .where('datanet', '=', datanet)
          .where('epoch', '=', epoch)
          .execute()
      ).map((r: { contributor: string }) => r.contributor),
    );
    const standing = new Map<string, number>();
    for (const s of rows.standing)
      if (!standingHave.has(s.contributor)) standing.set(s.contributor, Math.max(standing.get(s.contributor) ?? -Infinity, s.standing));
    await insertChunks(
      trx,
      'settlement_input_standing',
      [...standing].map(([contributor, s]) => ({ datanet, epoch, contributor, standing: s })),
    );
    const textsHave = new Set(
      (
        await trx
          .selectFrom('settlement_input_texts')
          .select('contribution_id')
          .where('datanet', '=', datanet)
          .where('epoch', '=', epoch)
          .execute()
      ).map((r: { contribution_id: string }) => r.contribution_id),
    );
    const texts = new Map((rows.texts ?? []).filter((t) => !textsHave.has(t.contributionId)).map((t) => [t.contributionId, t.text]));
    await insertChunks(
      trx,
      'settlement_input_texts',
      [...texts].map(([contribution_id, text]) => ({ datanet, epoch, contribution_id, text })),
    );
    await trx
      .updateTable('settlement_epoch_inputs')
      .set({
        fees: sql`fees + ${fees.toString()}::numeric`,
        inference_count: sql`inference_count + ${inferences.length}`,
        revision: sql`revision + 1`,
      })
      .where('datanet', '=', datanet)
      .where('epoch', '=', epoch)
      .execute();
    return { added: inferences.length, settled: false };
  });
}

/** Ids of the inferences captured for an epoch. */
export async function capturedInferenceIds(db: Kysely<any>, datanet: string, epoch: string): Promise<Set<string>> {
  await migrateProposals(db);
  const rows = await db
    .selectFrom('settlement_input_inferences')
    .select('inference_id')
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .execute();
  return new Set(rows.map((r: { inference_id: string }) => r.inference_id));
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
  /** Bumped each time inferences that arrived late were added while the epoch was only proposed. */
  revision: number;
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
    revision: Number(r.revision ?? 0),
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
