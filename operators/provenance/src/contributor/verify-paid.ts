import type { Kysely } from 'kysely';
import { auditEntryByKey, verifyAudit } from '@datanet/accountability';
import { datanetIdOf, type DatanetChain } from '@datanet/connector-evm';
import { paidContributions } from '@datanet/settlement';

export interface VerifyPaidResult {
  datanet: string;
  epoch: string | null;
  contributionId: string;
  /** The proof holds (either way): the paid set recomputes to the digest the on-chain audit root commits. */
  verified: boolean;
  /** Whether the contribution was in the epoch's paid set. */
  inPaidSet: boolean;
  paidContributions: number;
  paidSetRoot: string | null;
  auditEntry: { seq: number; hash: string } | null;
  onChainAuditRoot: string | null;
  reason?: string;
}

/**
 * Proves that a contribution was, or was not, in a final epoch's paid set: the paid set is
 * recomputed from the stored settlement rows; its digest must be the one in the epoch's
 * `settlement.finalised` audit entry; that entry's hash, recomputed with the whole chain before
 * it, must be the audit root committed on-chain for the epoch.
 */
export async function verifyPaid(
  db: Kysely<any>,
  chain: DatanetChain,
  req: { datanet: string; epoch: number; contributionId: string },
): Promise<VerifyPaidResult> {
  const base = {
    datanet: req.datanet,
    contributionId: req.contributionId,
    inPaidSet: false,
    paidContributions: 0,
    auditEntry: null,
    onChainAuditRoot: null,
  };
  const paid = await paidContributions(db, req.datanet, BigInt(req.epoch));
  if (!paid)
    return {
      ...base,
      epoch: null,
      verified: false,
      paidSetRoot: null,
      reason: `no settlement of epoch ${req.epoch} for ${req.datanet} in this store`,
    };
  const epoch = paid.proposal.epoch;
  if (!paid.ids)
    return {
      ...base,
      epoch,
      verified: false,
      paidSetRoot: null,
      reason: `epoch ${epoch} is proposed, not final: final at ${new Date(paid.proposal.finalAt).toISOString()} unless a dispute is upheld`,
    };
  const inPaidSet = paid.ids.includes(req.contributionId);
  const common = { ...base, epoch, inPaidSet, paidContributions: paid.ids.length, paidSetRoot: paid.digest };
  const entry = await auditEntryByKey(db, req.datanet, `settlement.finalised:${epoch}`);
  if (!entry) return { ...common, verified: false, reason: `the audit log has no finalisation entry for ${epoch}` };
  const payloadRoot = (entry.payload as { paidSetRoot?: string }).paidSetRoot;
  if (payloadRoot !== paid.digest)
    return {
      ...common,
      auditEntry: { seq: entry.seq, hash: entry.hash },
      verified: false,
      reason: `the stored rows give paid-set digest ${paid.digest}, the finalisation entry says ${payloadRoot}`,
    };
  const id = datanetIdOf(req.datanet);
  const onChain = (await chain.readCommit(id, BigInt(req.epoch)))?.auditRoot ?? null;
  const audit = await verifyAudit(db, req.datanet, async (n) => (n === String(req.epoch) ? (onChain ?? undefined) : undefined));
  const head = audit.heads.find((h) => h.epoch === epoch);
  const ok = audit.ok && !!onChain && head?.hash === onChain.toLowerCase() && head.seq === entry.seq;
  return {
    ...common,
    auditEntry: { seq: entry.seq, hash: entry.hash },
    onChainAuditRoot: onChain,
    verified: ok,
    ...(ok
      ? {}
      : {
          reason: !onChain
            ? `epoch ${epoch} has no audit root on-chain yet (not committed)`
            : !audit.ok
              ? `the audit log does not verify: entry ${audit.firstBad!.seq}: ${audit.firstBad!.problem}`
              : `the on-chain audit root ${onChain} is not the finalisation entry's hash ${entry.hash}`,
        }),
  };
}
