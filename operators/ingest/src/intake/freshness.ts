import type { IntakeLimits } from '@datanet/datanet';

/**
 * Why a signing time is refused, or undefined. It must lie between maxSubmissionAge before the
 * receipt and maxClockSkew after it: a contributor cannot backdate a submission to claim credit
 * it did not earn by arriving first, nor date it in the future.
 */
export function freshnessProblem(
  signedAt: number,
  receivedAt: number,
  limits: Pick<IntakeLimits, 'maxSubmissionAge' | 'maxClockSkew'>,
): string | undefined {
  const iso = (t: number) => (Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t));
  if (signedAt > receivedAt + limits.maxClockSkew) {
    return `signed at ${iso(signedAt)}, ${signedAt - receivedAt} ms after it was received (${iso(receivedAt)}); limit maxClockSkew allows ${limits.maxClockSkew} ms. Check the signer's clock and sign again`;
  }
  if (signedAt < receivedAt - limits.maxSubmissionAge) {
    return `signed at ${iso(signedAt)}, ${receivedAt - signedAt} ms before it was received (${iso(receivedAt)}); limit maxSubmissionAge allows ${limits.maxSubmissionAge} ms. Sign it again now`;
  }
  return undefined;
}
