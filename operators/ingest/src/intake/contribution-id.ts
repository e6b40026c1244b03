import { createHash } from 'node:crypto';

/** Normalises text for hashing: Unicode NFC, whitespace runs collapsed to one space, trimmed. */
export function normaliseText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * The contribution id: hex sha256 of the record's normalised text parts, joined by a blank line
 * (normalised parts never contain a newline, so the join is unambiguous).
 */
export function contributionId(parts: string[]): string {
  return createHash('sha256').update(parts.map(normaliseText).join('\n\n')).digest('hex');
}
