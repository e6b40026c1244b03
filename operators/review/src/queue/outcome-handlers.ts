import type { Kysely } from 'kysely';
import type { ItemKind, ReviewOutcome } from './queue-types.js';

/** Called inside the transaction that settles an item: its writes commit (or roll back) with the decision. */
export type OutcomeHandler = (tx: Kysely<any>, outcome: ReviewOutcome) => Promise<void>;

const handlers = new Map<ItemKind, OutcomeHandler>();

/**
 * Registers what happens when an item of a kind is settled (e.g. issue 15's disputes: revoke on
 * 'approved', i.e. upheld). One handler per kind; registering again replaces it (a module reloaded).
 * The outcome row in review_outcomes is written exactly once, in the same transaction, so a
 * handler runs exactly once per settled item however often a decision is retried.
 */
export function onReviewOutcome(kind: ItemKind, handler: OutcomeHandler): void {
  handlers.set(kind, handler);
}

export function outcomeHandler(kind: string): OutcomeHandler | undefined {
  return handlers.get(kind as ItemKind);
}
