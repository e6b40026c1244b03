import type { Kysely } from 'kysely';
import { migrateAccountability } from '../store/migrations.js';
import { GENESIS_HASH, entryHash, sha256Hex } from './audit-hash.js';

export interface AuditProblem {
  /** The first entry that does not check (by position in the chain). */
  seq: number;
  kind: string | null;
  key: string | null;
  problem: string;
}

/** A finalised epoch's head: the hash of its `settlement.finalised` entry, committed on-chain. */
export interface EpochHead {
  epoch: string;
  epochNumber: string;
  seq: number;
  hash: string;
  onChain?: string | null;
}

export interface AuditVerification {
  datanet: string;
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  firstBad: AuditProblem | null;
  heads: EpochHead[];
}

/** Reads the audit root committed on-chain for an epoch number (undefined: the epoch is not committed). */
export type OnChainAuditRoot = (epochNumber: string) => Promise<string | undefined>;

/**
 * Recomputes a Datanet's chain from the stored rows, oldest first: each payload against its hash,
 * each entry's hash from its fields, each link to the entry before, the numbering (no gaps), the
 * stored head, and, given `onChainRoot`, each finalised epoch's entry hash against the audit root
 * committed for that epoch. Any edited, deleted or reordered entry breaks one of these at or before
 * it; the first entry that fails is named.
 */
export async function verifyAudit(db: Kysely<any>, datanet: string, onChainRoot?: OnChainAuditRoot): Promise<AuditVerification> {
  await migrateAccountability(db);
  const rows = await db.selectFrom('audit_log').selectAll().where('datanet', '=', datanet).orderBy('seq').execute();
  const storedHead = await db.selectFrom('audit_heads').selectAll().where('datanet', '=', datanet).executeTakeFirst();
  const heads: EpochHead[] = [];
  let prev = GENESIS_HASH;
  let firstBad: AuditProblem | null = null;
  const bad = (seq: number, r: Record<string, any> | null, problem: string) => {
    firstBad ??= { seq, kind: r?.kind ?? null, key: r?.key ?? null, problem };
  };
  for (let i = 0; i < rows.length && !firstBad; i++) {
    const r = rows[i];
    const seq = Number(r.seq);
    if (seq !== i + 1) {
      bad(i + 1, null, `entry ${i + 1} is missing (the next stored entry is ${seq}): deleted or renumbered`);
      break;
    }
    if (r.prev_hash !== prev) {
      bad(
        seq,
        r,
        `its link to the entry before (${r.prev_hash}) is not the hash of entry ${seq - 1} (${prev}): entries reordered, deleted or edited`,
      );
      break;
    }
    if (sha256Hex(r.payload) !== r.payload_hash) {
      bad(seq, r, 'its payload does not match its payload hash: the payload was edited');
      break;
    }
    const computed = entryHash({
      datanet: r.datanet,
      seq,
      key: r.key ?? null,
      at: Number(r.at),
      actor: r.actor,
      kind: r.kind,
      subject: r.subject,
      payloadHash: r.payload_hash,
      prevHash: r.prev_hash,
    });
    if (computed !== r.hash) {
      bad(seq, r, `its fields hash to ${computed}, not the stored ${r.hash}: the entry was edited`);
      break;
    }
    if (r.kind === 'settlement.finalised') {
      const p = JSON.parse(r.payload) as { epoch?: string; epochNumber?: string };
      heads.push({ epoch: String(p.epoch), epochNumber: String(p.epochNumber), seq, hash: computed });
    }
    prev = computed;
  }
  if (!firstBad && rows.length) {
    const last = rows[rows.length - 1];
    if (!storedHead) bad(Number(last.seq), last, 'the chain has entries but no stored head');
    else if (Number(storedHead.seq) !== rows.length || storedHead.hash !== prev) {
      const missing = Number(storedHead.seq) > rows.length ? Number(storedHead.seq) : rows.length;
      bad(
        missing,
        Number(storedHead.seq) > rows.length ? null : last,
        `the stored head is entry ${storedHead.seq} (${storedHead.hash}) but the chain ends at entry ${rows.length} (${prev}): the newest entries were deleted or edited`,
      );
    }
  } else if (!firstBad && storedHead) {
    bad(1, null, `the log is empty but its head says entry ${storedHead.seq}: entries were deleted`);
  }
  if (onChainRoot) {
    for (const h of heads) {
      h.onChain = (await onChainRoot(h.epochNumber)) ?? null;
      if (!firstBad && h.onChain && h.onChain.toLowerCase() !== h.hash) {
        const r = rows[h.seq - 1];
        bad(h.seq, r, `epoch ${h.epoch} committed audit root ${h.onChain} on-chain, but the log recomputes to ${h.hash} at this entry`);
      }
    }
  }
  return {
    datanet,
    ok: !firstBad,
    entries: rows.length,
    head: rows.length ? { seq: rows.length, hash: prev } : null,
    firstBad,
    heads,
  };
}
