import { createHash } from 'node:crypto';

/** The hash before the first entry of a chain. */
export const GENESIS_HASH = `0x${'0'.repeat(64)}`;

/** JSON with object keys sorted at every level: one text per value, whoever writes it. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });
}

export const sha256Hex = (text: string): string => `0x${createHash('sha256').update(text).digest('hex')}`;

/** What an entry's hash covers: everything but the hash itself, the payload through its hash. */
export interface AuditEntryFields {
  datanet: string;
  seq: number;
  key: string | null;
  at: number;
  actor: string;
  kind: string;
  subject: string;
  payloadHash: string;
  prevHash: string;
}

/**
 * hash = sha256 of the canonical JSON array of the fields, in a fixed order. Anyone can recompute
 * it from a row with any sha256 tool; a 32-byte value, it is committed on-chain as is.
 */
export function entryHash(e: AuditEntryFields): string {
  return sha256Hex(JSON.stringify([e.datanet, e.seq, e.key, e.at, e.actor, e.kind, e.subject, e.payloadHash, e.prevHash]));
}
