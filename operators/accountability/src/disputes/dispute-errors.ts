/** A dispute the rules refuse: who asked, what is wrong and what to do; HTTP routes answer it as 4xx. */
export class DisputeRefusedError extends Error {
  override name = 'DisputeRefusedError';
  constructor(
    readonly code:
      | 'not_allowed'
      | 'bad_evidence'
      | 'unknown_contribution'
      | 'already_revoked'
      | 'not_accepted'
      | 'rate_limited'
      | 'not_open'
      | 'unknown_dispute',
    message: string,
    /** HTTP status the refusal maps to. */
    readonly status: 400 | 403 | 404 | 409 | 429 = 400,
    /** For rate_limited: when the filer may open a dispute again (ms). */
    readonly retryAt?: number,
  ) {
    super(message);
  }
}
