import { createHash } from 'node:crypto';
import type { ReviewPolicy } from '@datanet/datanet';

export type HoldReason = 'newcomer' | 'low_standing' | 'low_quality' | 'near_duplicate' | 'exposure' | 'audit';

export interface HoldCandidate {
  id: string;
  contributor: string;
  /** Order of arrival (receipt sequence); a contributor's first records are the lowest. */
  order: number;
  qualityScore?: number | null;
  exposure?: number | null;
}

export interface HoldContext {
  /** Records of each contributor (lower-cased) already held as their first ones, in earlier batches. */
  newcomerHeld: Map<string, number>;
  /** Current standing per contributor (lower-cased); absent means 0. */
  standing: Map<string, number>;
}

/**
 * Which records a person must see, and why (every reason that applies). Pure and deterministic:
 * the audit sample is a seeded hash of the record id, so the same policy holds the same records.
 * Records held for no reason go through as without review.
 */
export function selectHeld(records: HoldCandidate[], ctx: HoldContext, hold: ReviewPolicy['hold']): Map<string, HoldReason[]> {
  const out = new Map<string, HoldReason[]>();
  const add = (id: string, r: HoldReason) => {
    const list = out.get(id);
    if (list) list.push(r);
    else out.set(id, [r]);
  };
  const ordered = [...records].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  const newcomerLeft = new Map<string, number>();
  for (const r of ordered) {
    const who = r.contributor.toLowerCase();
    if (hold.firstRecords > 0) {
      const left = newcomerLeft.get(who) ?? Math.max(0, hold.firstRecords - (ctx.newcomerHeld.get(who) ?? 0));
      if (left > 0) add(r.id, 'newcomer');
      newcomerLeft.set(who, Math.max(0, left - 1));
    }
    if (hold.belowStanding !== undefined && (ctx.standing.get(who) ?? 0) < hold.belowStanding) add(r.id, 'low_standing');
    if (hold.qualityBelow !== undefined && r.qualityScore != null && r.qualityScore < hold.qualityBelow) add(r.id, 'low_quality');
  }
  if (hold.topExposure > 0) {
    const exposed = records
      .filter((r) => r.exposure != null && r.exposure > 0)
      .sort((a, b) => b.exposure! - a.exposure! || a.id.localeCompare(b.id));
    for (const r of exposed.slice(0, Math.floor(records.length * hold.topExposure))) add(r.id, 'exposure');
  }
  if (hold.auditFraction > 0)
    for (const r of records) if (!out.has(r.id) && auditDraw(hold.seed, r.id) < hold.auditFraction) add(r.id, 'audit');
  return out;
}

/** A uniform draw in [0, 1) from the seed and the record id. */
export function auditDraw(seed: string, id: string): number {
  return createHash('sha256').update(`${seed}\n${id}`).digest().readUInt32BE(0) / 2 ** 32;
}
