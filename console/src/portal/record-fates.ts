/** How many records are in each state, as one submission's summary and the portal's Today box say it. */
export interface RecordFates {
  standing: number;
  waitingForReview: number;
  /** Refused at intake (a submission's own; the Today box has none). */
  refusedAtIntake?: number;
  /** Dropped after intake by a later step (dedupe, quality, a review rejection). */
  dropped: number;
  revoked: number;
}

/** "3 records standing, 2 waiting for review, 1 refused at intake, 2 dropped by later steps, 1 revoked" (none said when 0). */
export function recordFatesText(f: RecordFates): string {
  const parts = [`${f.standing} ${f.standing === 1 ? 'record standing' : 'records standing'}`];
  if (f.waitingForReview) parts.push(`${f.waitingForReview} waiting for review`);
  if (f.refusedAtIntake) parts.push(`${f.refusedAtIntake} refused at intake`);
  if (f.dropped) parts.push(`${f.dropped} ${f.dropped === 1 ? 'dropped by a later step' : 'dropped by later steps'}`);
  if (f.revoked) parts.push(`${f.revoked} revoked`);
  return parts.join(', ');
}
