import { z } from 'zod';

/**
 * How standing (0..1, from the Datanet's standing policy) scales a contributor's attribution:
 *
 *   w(s) = floor + (1 - floor) * s^gamma
 *
 * `floor` is what a contributor with no standing still earns per unit of attribution (so a
 * newcomer's data is never worth nothing); `gamma` > 1 favours established contributors more
 * strongly, < 1 flattens the curve. w is non-decreasing in s, so with equal attribution a higher
 * standing never earns less. Standing outside [0, 1] is clamped.
 */
export const standingWeightSchema = z
  .object({
    floor: z.number().min(0).max(1).default(0.25).describe('weight at standing 0 (0..1)'),
    gamma: z.number().positive().max(16).default(1).describe('curvature: w(s) = floor + (1 - floor) * s^gamma'),
    defaultStanding: z.number().min(0).max(1).default(0.5).describe('standing of a contributor absent from the standing table'),
  })
  .default({ floor: 0.25, gamma: 1, defaultStanding: 0.5 });

export type StandingWeight = z.output<typeof standingWeightSchema>;

export function standingWeight(standing: number, fn: Pick<StandingWeight, 'floor' | 'gamma'>): number {
  const s = Number.isFinite(standing) ? Math.min(1, Math.max(0, standing)) : 0;
  return fn.floor + (1 - fn.floor) * s ** fn.gamma;
}
