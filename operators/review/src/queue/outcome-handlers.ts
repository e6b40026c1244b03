import type { Kysely } from 'kysely';
import type { ItemKind, ReviewOutcome } from './queue-types.js';

/** Called inside the transaction that settles an item: its writes commit (or roll back) with the decision. */
export type OutcomeHandler = (tx: Kysely<any>, outcome: ReviewOutcome) => Promise<void>;

const handlers = new Map<ItemKind, Map<string, OutcomeHandler>>();

/**
 * Registers what happens when an item of a kind is settled (e.g. issue 15's disputes: revoke on
 * 'approved', i.e. upheld; its audit log: every outcome). Several handlers may listen to a kind;
 * they run in registration order. A handler registered again under the same name (a module
 * loaded twice) replaces the first. The outcome row in review_outcomes is written exactly once,
 * in the same transaction, so each handler runs exactly once per settled item however often a
 * decision is retried; a handler that throws rolls the decision back.
 */
export function onReviewOutcome(kind: ItemKind, handler: OutcomeHandler, name = handler.name || 'anonymous'): void {
  let forKind = handlers.get(kind);
  if (!forKind) handlers.set(kind, (forKind = new Map()));
  forKind.set(name, handler);
}

/** Runs every handler of the item's kind. */
export async function runOutcomeHandlers(kind: string, tx: Kysely<any>, outcome: ReviewOutcome): Promise<void> {
  for (const h of handlers.get(kind as ItemKind)?.values() ?? []) await h(tx, outcome);
}
