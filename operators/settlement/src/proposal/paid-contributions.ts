import type { Kysely } from 'kysely';
import { epochContributors, paidSet, paidSetDigest } from './epoch-contributors.js';
import { listProposals, loadProposalPayouts, type Proposal } from './proposal-store.js';

/**
 * The contributions an epoch's final proposal paid for, recomputed from the stored rows, with their
 * digest (which the finalisation's audit entry carries). Undefined when the epoch is not final.
 */
export async function paidContributions(
  db: Kysely<any>,
  datanet: string,
  epochNumber: bigint,
): Promise<{ proposal: Proposal; ids: string[]; digest: string } | { proposal: Proposal; ids: null; digest: null } | undefined> {
  const ps = (await listProposals(db, datanet)).filter((p) => p.epochNumber === epochNumber);
  const p = ps.find((x) => x.status === 'final') ?? ps[ps.length - 1];
  if (!p) return undefined;
  if (p.status !== 'final') return { proposal: p, ids: null, digest: null };
  const payouts = await loadProposalPayouts(db, datanet, p.epoch, p.version);
  const { rows } = await epochContributors(db, datanet, p.epoch, p);
  const ids = paidSet(rows, p.excluded, new Set(payouts.map((x) => x.account)));
  return { proposal: p, ids, digest: paidSetDigest(ids) };
}
