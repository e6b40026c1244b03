import { sql, type Kysely } from 'kysely';
import { LEDGER_ACCOUNTS, ledgerPostings, type LedgerPosting, type Payout, type SettlementPlan } from '../core/plan-settlement.js';
import { copyRows, usesPgClient } from './copy-rows.js';
import { migrateSettlement } from './migrations.js';

export interface StoredSettlement {
  datanet: string;
  epoch: string;
  epochNumber: bigint;
  status: 'settled';
  inputsDigest: string;
  fees: bigint;
  split: { platform: bigint; modelOwner: bigint; stakers: bigint; contributors: bigint };
  paid: bigint;
  unallocated: bigint;
  payoutCount: number;
  merkleRoot: string | null;
  runId: string | null;
  createdAt: number;
}

export interface RecordResult {
  settlement: StoredSettlement;
  /** False when the epoch was already settled: nothing was written, the stored result is returned. */
  created: boolean;
}

const big = (v: unknown): bigint => BigInt(String(v));
const CHUNK = 20_000;
const COPY_CHUNK = 5_000;

function fromRow(r: Record<string, any>): StoredSettlement {
  return {
    datanet: r.datanet,
    epoch: r.epoch,
    epochNumber: big(r.epoch_number),
    status: r.status,
    inputsDigest: r.inputs_digest,
    fees: big(r.fees),
    split: { platform: big(r.platform), modelOwner: big(r.model_owner), stakers: big(r.stakers), contributors: big(r.contributor_pool) },
    paid: big(r.paid),
    unallocated: big(r.unallocated),
    payoutCount: Number(r.payout_count),
    merkleRoot: r.merkle_root,
    runId: r.run_id,
    createdAt: Number(r.created_at), // int8: number on PGlite, string on pg
  };
}

export async function loadSettlement(db: Kysely<any>, datanet: string, epoch: string): Promise<StoredSettlement | undefined> {
  await migrateSettlement(db);
  const row = await db.selectFrom('settlements').selectAll().where('datanet', '=', datanet).where('epoch', '=', epoch).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function listSettlements(db: Kysely<any>, datanet?: string): Promise<StoredSettlement[]> {
  await migrateSettlement(db);
  let q = db.selectFrom('settlements').selectAll();
  if (datanet) q = q.where('datanet', '=', datanet);
  return (await q.orderBy('datanet').orderBy('epoch').execute()).map(fromRow);
}

export async function loadPayouts(db: Kysely<any>, datanet: string, epoch: string, account?: string): Promise<Payout[]> {
  await migrateSettlement(db);
  let q = db.selectFrom('settlement_payouts').selectAll().where('datanet', '=', datanet).where('epoch', '=', epoch);
  if (account) q = q.where('account', '=', account.toLowerCase());
  const rows = await q.orderBy('idx').execute();
  return rows.map((r: Record<string, any>) => ({
    index: Number(r.idx),
    account: r.account,
    amount: big(r.amount),
    attribution: Number(r.attribution),
    standing: Number(r.standing),
  }));
}

/**
 * Records an epoch's settlement exactly once: the settlement row, its payouts and its ledger in ONE
 * transaction, keyed by (datanet, epoch). A crash before COMMIT leaves nothing; a second call (a
 * retry, a resumed run, a concurrent worker) writes nothing and returns what is stored.
 *
 * The ledger (the settlement_ledger view) is the few stored entries (fee split, the pool's debit,
 * unallocated) plus one credit per payout row: each payout is written once, by COPY on PostgreSQL.
 */
export async function recordSettlement(
  db: Kysely<any>,
  plan: SettlementPlan,
  extra: {
    /**
     * The reward tree's root; a promise lets the tree be hashed (in the kernel threads) while the
     * payouts and ledger are written: the root is set in the same transaction once both are done.
     */
    merkleRoot: string | null | Promise<string | null>;
    runId?: string;
    now?: number;
    /**
     * Runs first inside the recording transaction; throwing rolls it back and nothing is recorded
     * (the proposal step re-reads the revoked set there, behind the revocation fence).
     */
    guard?: (trx: Kysely<any>) => Promise<void>;
  },
): Promise<RecordResult> {
  await migrateSettlement(db);
  checkPayoutOrder(plan);
  const pending = typeof extra.merkleRoot === 'object' && extra.merkleRoot !== null ? extra.merkleRoot : undefined;
  pending?.catch(() => undefined); // awaited inside the transaction; a failure rolls it back
  const existing = await loadSettlement(db, plan.datanet, plan.epoch);
  if (existing) return { settlement: existing, created: false };
  const created = await db.transaction().execute(async (trx) => {
    await extra.guard?.(trx);
    // ON CONFLICT DO NOTHING waits for a concurrent settler of the same epoch; if it commits we
    // insert nothing and back off.
    const inserted = await trx
      .insertInto('settlements')
      .values({
        datanet: plan.datanet,
        epoch: plan.epoch,
        epoch_number: plan.epochNumber.toString(),
        status: 'settled',
        inputs_digest: plan.inputsDigest,
        fees: plan.fees.toString(),
        platform: plan.split.platform.toString(),
        model_owner: plan.split.modelOwner.toString(),
        stakers: plan.split.stakers.toString(),
        contributor_pool: plan.split.contributors.toString(),
        paid: plan.paid.toString(),
        unallocated: plan.unallocated.toString(),
        payout_count: plan.payouts.length,
        merkle_root: pending ? null : (extra.merkleRoot as string | null),
        plan: JSON.stringify({ split: Object.fromEntries(Object.entries(plan.split).map(([k, v]) => [k, v.toString()])) }),
        run_id: extra.runId ?? null,
        created_at: extra.now ?? Date.now(),
      })
      .onConflict((oc) => oc.columns(['datanet', 'epoch']).doNothing())
      .returning('epoch')
      .executeTakeFirst();
    if (!inserted) return false;
    if (await usesPgClient(trx)) await copyPayouts(trx, plan);
    else await insertPayouts(trx, plan);
    await insertLedgerEntries(trx, plan);
    if (pending) {
      await trx
        .updateTable('settlements')
        .set({ merkle_root: await pending })
        .where('datanet', '=', plan.datanet)
        .where('epoch', '=', plan.epoch)
        .execute();
    }
    return true;
  });
  const settlement = await loadSettlement(db, plan.datanet, plan.epoch);
  if (!settlement) throw new Error(`settlement ${plan.datanet} ${plan.epoch} vanished after commit`);
  return { settlement, created };
}

/** The COPY text-format escape of a value that may hold backslashes, tabs or line breaks. */
const copyText = (v: string) => v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

/** Lines of `rows`, joined into chunks of COPY_CHUNK lines (one string per write keeps the stream calls few). */
function* chunked<T>(rows: Iterable<T>, line: (row: T) => string): Generator<string> {
  let lines: string[] = [];
  for (const r of rows) {
    lines.push(line(r));
    if (lines.length === COPY_CHUNK) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length) yield lines.join('');
}

/**
 * Each payout's index is its position and the accounts strictly ascend (as planSettlement makes
 * them): so no account is paid twice in an epoch. Checked before anything is written.
 */
function checkPayoutOrder(plan: SettlementPlan): void {
  const p = plan.payouts;
  for (let i = 0; i < p.length; i++) {
    if (p[i].index !== i) throw new Error(`settlement ${plan.datanet} ${plan.epoch}: payout ${i} has index ${p[i].index}`);
    if (i > 0 && !(p[i - 1].account < p[i].account)) {
      throw new Error(
        `settlement ${plan.datanet} ${plan.epoch}: payout accounts must be distinct and ascending, ${p[i].account} follows ${p[i - 1].account}`,
      );
    }
  }
}

/**
 * The postings stored in settlement_ledger_entries: all but the contributors' credits, which are
 * the payout rows themselves (the settlement_ledger view adds one per payout). A credit that is
 * not exactly its payout row would be counted twice: refused.
 */
function storedPostings(plan: SettlementPlan): LedgerPosting[] {
  const stored: LedgerPosting[] = [];
  let credits = 0;
  for (const p of ledgerPostings(plan)) {
    if (p.txn === 'payouts' && p.line > 0) {
      const paid = plan.payouts[p.line - 1];
      if (!paid || p.account !== LEDGER_ACCOUNTS.contributor(paid.account) || p.amount !== paid.amount) {
        throw new Error(`settlement ${plan.datanet} ${plan.epoch}: posting payouts/${p.line} is not the credit of payout ${p.line - 1}`);
      }
      credits++;
    } else stored.push(p);
  }
  if (credits !== plan.payouts.length)
    throw new Error(`settlement ${plan.datanet} ${plan.epoch}: ${credits} credits for ${plan.payouts.length} payouts`);
  return stored;
}

async function insertLedgerEntries(trx: Kysely<any>, plan: SettlementPlan): Promise<void> {
  const rows = storedPostings(plan).map((p) => ({
    datanet: plan.datanet,
    epoch: plan.epoch,
    txn: p.txn,
    line: p.line,
    account: p.account,
    amount: p.amount.toString(),
  }));
  if (rows.length) await trx.insertInto('settlement_ledger_entries').values(rows).execute();
}

/** PostgreSQL: the payouts through COPY (1M rows in about a second and a half). */
async function copyPayouts(trx: Kysely<any>, plan: SettlementPlan): Promise<void> {
  const key = `${copyText(plan.datanet)}\t${copyText(plan.epoch)}\t`;
  await copyRows(
    trx,
    'settlement_payouts',
    ['datanet', 'epoch', 'idx', 'account', 'amount', 'attribution', 'standing'],
    chunked(plan.payouts, (p) => `${key}${p.index}\t${copyText(p.account)}\t${p.amount}\t${p.attribution}\t${p.standing}\n`),
  );
}

/**
 * PGlite (no COPY FROM STDIN through Kysely): unnest() of one array per column, one statement per
 * CHUNK rows instead of a row of parameters each.
 */
async function insertPayouts(trx: Kysely<any>, plan: SettlementPlan): Promise<void> {
  for (let i = 0; i < plan.payouts.length; i += CHUNK) {
    const p = plan.payouts.slice(i, i + CHUNK);
    await sql`insert into settlement_payouts (datanet, epoch, idx, account, amount, attribution, standing)
      select ${plan.datanet}, ${plan.epoch}, * from unnest(${p.map((x) => x.index)}::int4[], ${p.map((x) => x.account)}::text[],
        ${p.map((x) => x.amount.toString())}::numeric[], ${p.map((x) => x.attribution)}::float8[], ${p.map((x) => x.standing)}::float8[])`.execute(
      trx,
    );
  }
}

export interface LedgerCheck {
  /** Transactions whose postings do not sum to zero (must be empty). */
  unbalanced: string[];
  /** Balance of the contributor pool after the epoch (must be zero). */
  poolBalance: bigint;
  /** Sum of all postings (must be zero). */
  total: bigint;
  /** Credits to contributor accounts, by account. */
  credited: Map<string, bigint>;
}

export async function checkLedger(db: Kysely<any>, datanet: string, epoch?: string): Promise<LedgerCheck> {
  await migrateSettlement(db);
  const scope = (q: any) => (epoch ? q.where('datanet', '=', datanet).where('epoch', '=', epoch) : q.where('datanet', '=', datanet));
  const unbalanced = await scope(db.selectFrom('settlement_ledger').select(['epoch', 'txn', sql<string>`sum(amount)::text`.as('s')]))
    .groupBy(['epoch', 'txn'])
    .having(sql`sum(amount)`, '<>', 0)
    .execute();
  const pool = await scope(db.selectFrom('settlement_ledger').select(sql<string>`coalesce(sum(amount), 0)::text`.as('s')))
    .where('account', '=', 'contributor-pool')
    .executeTakeFirst();
  const total = await scope(
    db.selectFrom('settlement_ledger').select(sql<string>`coalesce(sum(amount), 0)::text`.as('s')),
  ).executeTakeFirst();
  const credits = await scope(db.selectFrom('settlement_ledger').select(['account', sql<string>`sum(amount)::text`.as('s')]))
    .where('account', 'like', 'contributor:%')
    .groupBy('account')
    .execute();
  return {
    unbalanced: unbalanced.map((r: any) => `${r.epoch} ${r.txn}`),
    poolBalance: big(pool?.s ?? 0),
    total: big(total?.s ?? 0),
    credited: new Map(credits.map((r: any) => [r.account.slice('contributor:'.length), big(r.s)])),
  };
}
