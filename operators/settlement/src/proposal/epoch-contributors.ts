import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ContributorAttribution } from '../core/rewards.js';
import { loadAttributionRows, loadStandingRows, type StoredAttributionRow } from './epoch-input-rows.js';

/**
 * Scores are summed as integers of 1e-10 units (each score rounded once), so a sum never depends on
 * the order of the rows; receipts split an amount by the same units.
 */
export const SCORE_UNITS = 1e10;
export const scoreUnits = (score: number): bigint => (score > 0 ? BigInt(Math.round(score * SCORE_UNITS)) : 0n);

export interface EpochTerms {
  /** Contributions left out (revoked before this proposal), sorted. */
  excluded: string[];
  /** Standing used instead of the captured one, for contributors who lost a contribution since capture. */
  standingOverrides: Record<string, number>;
}

/** Per account: summed positive scores of rows not excluded, and the standing of its contributor. */
export async function epochContributors(
  db: Kysely<any>,
  datanet: string,
  epoch: string,
  terms: EpochTerms,
): Promise<{ contributors: ContributorAttribution[]; rows: StoredAttributionRow[] }> {
  const rows = await loadAttributionRows(db, datanet, epoch);
  const standing = await loadStandingRows(db, datanet, epoch);
  const excluded = new Set(terms.excluded);
  const byAccount = new Map<string, { units: bigint; contributor: string }>();
  for (const r of rows) {
    if (excluded.has(r.contributionId)) continue;
    const u = scoreUnits(r.score);
    if (u === 0n) continue;
    const e = byAccount.get(r.account) ?? { units: 0n, contributor: r.contributor };
    e.units += u;
    byAccount.set(r.account, e);
  }
  const contributors = [...byAccount].map(([account, e]) => ({
    account,
    attribution: Number(e.units) / SCORE_UNITS,
    standing: terms.standingOverrides[e.contributor] ?? standing.get(e.contributor),
  }));
  return { contributors, rows };
}

/**
 * Contributions attributed in the epoch that the registry now marks revoked, with their owners and
 * revocation times. A store without the registry (settlement used on its own) revokes nothing.
 */
export async function revokedAmong(
  db: Kysely<any>,
  datanet: string,
  epoch: string,
): Promise<{ id: string; contributor: string; revokedAt: number }[]> {
  const has = await sql<{ t: boolean }>`select to_regclass('contributions') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return [];
  const rows = await sql<{ id: string; contributor: string; revoked_at: unknown }>`
    select distinct c.id, a.contributor, c.revoked_at from contributions c
      join settlement_input_attributions a on a.contribution_id = c.id and a.datanet = c.datanet
     where c.datanet = ${datanet} and a.epoch = ${epoch} and c.revoked_at is not null
     order by c.id`.execute(db);
  return rows.rows.map((r) => ({ id: r.id, contributor: r.contributor, revokedAt: Number(r.revoked_at) }));
}

/**
 * The paid set of an epoch: contributions with positive score, not excluded, whose account is paid.
 * Its digest (sha256 of the sorted ids, one per line) goes into the finalisation's audit entry,
 * which the audit root on-chain commits.
 */
export function paidSet(rows: StoredAttributionRow[], excluded: readonly string[], paidAccounts: ReadonlySet<string>): string[] {
  const ex = new Set(excluded);
  const ids = new Set<string>();
  for (const r of rows) if (!ex.has(r.contributionId) && scoreUnits(r.score) > 0n && paidAccounts.has(r.account)) ids.add(r.contributionId);
  return [...ids].sort();
}

export const paidSetDigest = (ids: readonly string[]): string => `0x${createHash('sha256').update(ids.join('\n')).digest('hex')}`;
