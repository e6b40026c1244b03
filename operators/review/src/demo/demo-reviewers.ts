import { Wallet, keccak256, toUtf8Bytes } from 'ethers';

/**
 * The three DEMO reviewers of the medical-qa Datanet: keys derived from a public seed (never use
 * them for anything real), listed in configs/datanets/medical-qa.yaml under review.reviewers.
 * Two are careful; one approves everything at once and is caught by the gold items.
 */
export const DEMO_REVIEWERS = ['careful-1', 'careful-2', 'careless'] as const;
export type DemoReviewer = (typeof DEMO_REVIEWERS)[number];
export const DEMO_REVIEW_SEED = 'datanet-review-demo';

export function demoReviewerKey(name: string, seed = DEMO_REVIEW_SEED): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`${seed}:${name}`)));
}

const STOP = new Set([
  'about',
  'their',
  'there',
  'which',
  'these',
  'those',
  'what',
  'causes',
  'cause',
  'symptoms',
  'treatments',
  'treatment',
  'prevent',
  'diagnose',
  'information',
  'should',
  'would',
  'could',
  'being',
  'other',
]);

const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 5 && !STOP.has(w)),
  );

/**
 * How a careful demo reviewer judges a Q&A pair: too short an answer is low quality; an answer
 * sharing no subject word with its question (or focus) is incorrect; otherwise it is approved.
 * Deterministic, so two careful reviewers agree and a test knows what to expect.
 */
export function carefulVerdict(payload: Record<string, unknown>): { verdict: 'approve' | 'reject'; reason?: string } {
  const question = String(payload.question ?? '');
  const answer = String(payload.answer ?? '');
  if (answer.trim().length < 40) return { verdict: 'reject', reason: 'low_quality' };
  const subject = words(`${question} ${String(payload.focus ?? '')}`);
  const said = words(answer);
  for (const w of subject) if (said.has(w) || said.has(w.replace(/s$/, ''))) return { verdict: 'approve' };
  return { verdict: 'reject', reason: 'incorrect' };
}

/** What a demo reviewer decides: the careless one approves everything unread. */
export function demoVerdict(who: DemoReviewer, payload: Record<string, unknown>): { verdict: 'approve' | 'reject'; reason?: string } {
  return who === 'careless' ? { verdict: 'approve' } : carefulVerdict(payload);
}
