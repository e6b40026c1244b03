import { sql, type Kysely } from 'kysely';
import { holdContributionDisputes } from '@datanet/datanet';

/**
 * Takes, for the dispute items among these (by id, or of one batch), the lock of the contribution
 * each disputes (holdContributionDisputes), in one order, before the caller locks the items: a
 * revocation closes the other open disputes of its contribution and their items while it holds
 * that lock, so whatever decides a dispute item takes it first, or the two would wait on each other.
 */
export async function holdDisputedContributions(tx: Kysely<any>, items: { ids: string[] } | { batch: string }): Promise<void> {
  const rows = await sql<{ datanet: string; payload: string }>`select datanet, payload from review_items
    where kind = 'dispute' and ${'ids' in items ? sql`id in (${sql.join(items.ids.length ? items.ids : [''])})` : sql`batch = ${items.batch}`}`.execute(
    tx,
  );
  const keys = new Map<string, [string, string]>();
  for (const r of rows.rows) {
    const contribution = (JSON.parse(r.payload) as { contribution?: unknown }).contribution;
    if (typeof contribution === 'string') keys.set(`${r.datanet}\n${contribution}`, [r.datanet, contribution]);
  }
  for (const k of [...keys.keys()].sort()) await holdContributionDisputes(tx, ...keys.get(k)!);
}
