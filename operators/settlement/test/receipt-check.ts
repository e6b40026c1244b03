import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { computeReceipt, listProposals, loadProposalPayouts, receiptAccounts, type Receipt } from '../src/index.js';

/** Exact integers proportional to non-negative doubles (each double is m x 2^e exactly). Written apart from the settlement code on purpose. */
function exactInts(values: number[]): bigint[] {
  const parts = values.map((v) => {
    if (v === 0) return { m: 0n, e: 0 };
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v);
    const hi = b.getUint32(0);
    const lo = b.getUint32(4);
    const exp = (hi >>> 20) & 0x7ff;
    const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    return exp === 0 ? { m: frac, e: -1074 } : { m: frac | (1n << 52n), e: exp - 1075 };
  });
  const min = Math.min(...parts.filter((p) => p.m > 0n).map((p) => p.e));
  return parts.map((p) => (p.m === 0n ? 0n : p.m << BigInt(p.e - min)));
}

/** Hamilton's method with ties to the smaller key; again written apart from the settlement code. */
function apportion(total: bigint, weights: bigint[], keys: string[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return weights.map(() => 0n);
  const out = weights.map((w) => (total * w) / sum);
  let left = total - out.reduce((a, b) => a + b, 0n);
  const order = weights
    .map((w, i) => i)
    .sort((a, b) => {
      const ra = (total * weights[a]) % sum;
      const rb = (total * weights[b]) % sum;
      return ra > rb ? -1 : ra < rb ? 1 : keys[a] < keys[b] ? -1 : 1;
    });
  for (const i of order) {
    if (left === 0n) break;
    out[i] += 1n;
    left -= 1n;
  }
  return out;
}

/**
 * Recomputes one account's receipt from the raw attribution rows of the epoch (as captured), the
 * captured standing and the proposal's terms, without the settlement code, and compares every
 * number with the receipt.
 */
export async function recomputeReceipt(db: Kysely<any>, datanet: string, epoch: string, r: Receipt): Promise<void> {
  const p = (await listProposals(db, datanet, epoch)).find((x) => x.version === r.version)!;
  const raw = await db
    .selectFrom('settlement_input_attributions')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .orderBy('row')
    .execute();
  const standingRows = await db
    .selectFrom('settlement_input_standing')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .execute();
  const captured = new Map(standingRows.map((s: any) => [s.contributor as string, Number(s.standing)]));
  const excluded = new Set(p.excluded);
  const units = (score: number) => (score > 0 ? BigInt(Math.round(score * 1e10)) : 0n);
  const perAccount = new Map<string, { units: bigint; contributor: string }>();
  for (const row of raw as any[]) {
    if (excluded.has(row.contribution_id) || units(Number(row.score)) === 0n) continue;
    const e = perAccount.get(row.account) ?? { units: 0n, contributor: row.contributor };
    e.units += units(Number(row.score));
    perAccount.set(row.account, e);
  }
  const fn = p.terms.standingWeight;
  const accounts = [...perAccount.keys()].sort();
  const weights = accounts.map((a) => {
    const e = perAccount.get(a)!;
    const s = p.standingOverrides[e.contributor] ?? captured.get(e.contributor) ?? fn.defaultStanding;
    const clamped = Math.min(1, Math.max(0, s));
    return (Number(e.units) / 1e10) * (fn.floor + (1 - fn.floor) * clamped ** fn.gamma);
  });
  // The fee split: basis points, largest remainder, ties in the order platform, model owner, stakers, contributors.
  const bps = p.terms.split;
  const split = apportion(p.fees, [bps.platform, bps.modelOwner, bps.stakers, bps.contributors].map(BigInt), ['a', 'b', 'c', 'd']);
  expect(split[3]).toBe(p.contributorPool);
  const ints = exactInts(weights);
  const amounts = apportion(p.contributorPool, ints, accounts);
  const i = accounts.indexOf(r.account);
  expect(r.amount).toBe(String(i >= 0 ? amounts[i] : 0n));
  const W = ints.reduce((a, b) => a + b, 0n);
  if (i >= 0) {
    expect(r.weights.quota).toEqual({ numerator: (p.contributorPool * ints[i]).toString(), denominator: W.toString() });
    expect(r.weights.floorQuota).toBe(((p.contributorPool * ints[i]) / W).toString());
    expect(r.weights.attribution).toBe(Number(perAccount.get(r.account)!.units) / 1e10);
    expect(r.weights.weight).toBe(weights[i]);
  }
  // Lines: the account's amount split over its rows by their units.
  const mine = (raw as any[]).filter((x) => x.account === r.account);
  const earning = mine.filter((x) => !excluded.has(x.contribution_id) && units(Number(x.score)) > 0n);
  const lineAmounts = apportion(
    BigInt(r.amount),
    earning.map((x) => units(Number(x.score))),
    earning.map((x) => String(x.row).padStart(10, '0')),
  );
  expect(r.lines.filter((l) => !l.excluded && BigInt(l.units) > 0n).map((l) => l.amount)).toEqual(lineAmounts.map(String));
  expect(r.lines.length).toBe(mine.length);
}

/** Every account's receipt adds up exactly to its payout; the payouts add up to what was paid. */
export async function checkAllReceipts(db: Kysely<any>, datanet: string, epoch: string): Promise<Receipt[]> {
  const p =
    (await listProposals(db, datanet, epoch)).find((x) => x.status === 'final') ?? (await listProposals(db, datanet, epoch)).at(-1)!;
  const payouts = await loadProposalPayouts(db, datanet, epoch, p.version);
  const receipts: Receipt[] = [];
  let total = 0n;
  for (const account of await receiptAccounts(db, datanet, epoch)) {
    const r = (await computeReceipt(db, { datanet, epoch, account }))!;
    const lines = r.lines.reduce((n, l) => n + BigInt(l.amount), 0n);
    expect(lines, `lines of ${account}`).toBe(BigInt(r.amount));
    expect(r.amount).toBe(String(payouts.find((x) => x.account === account)?.amount ?? 0n));
    total += BigInt(r.amount);
    receipts.push(r);
  }
  expect(total).toBe(p.paid);
  return receipts;
}
