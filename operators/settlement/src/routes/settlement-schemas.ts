import { z } from 'zod';

// Response schemas of the settlement routes (published in openapi.json for the console's client).
const Offsets = z.tuple([z.number(), z.number()]).nullable().describe('[start, end) character offsets, null when not found');

export const ProposalSchema = z.object({
  epoch: z.string(),
  epochNumber: z.string(),
  version: z.number(),
  status: z.enum(['proposed', 'superseded', 'final']),
  proposedAt: z.number(),
  finalAt: z.number().describe('when it becomes final unless a dispute against a contribution it pays is upheld (ms)'),
  finalisedAt: z.number().nullable(),
  reason: z.string(),
  fees: z.string(),
  contributorPool: z.string(),
  paid: z.string(),
  unallocated: z.string(),
  merkleRoot: z.string().nullable(),
  excluded: z.array(z.string()).describe('contributions left out because they were revoked'),
  auditHash: z.string().nullable(),
  auditRoot: z.string().nullable().describe("hash of the epoch's settlement.finalised audit entry, committed on-chain"),
  paidSetRoot: z.string().nullable(),
});

export const PayoutSchema = z.object({
  index: z.number(),
  account: z.string(),
  amount: z.string(),
  attribution: z.number(),
  standing: z.number(),
});

export const SettlementDetailSchema = z.object({
  datanet: z.string(),
  epoch: z.string(),
  current: ProposalSchema,
  proposals: z.array(ProposalSchema),
  payouts: z.array(PayoutSchema).describe('payouts of the current proposal'),
});

const SpanSchema = z.object({
  text: z.string(),
  start: z.number(),
  length: z.number(),
  count: z.number().nullable(),
  weight: z.number().nullable(),
  output: Offsets,
  contribution: Offsets,
});

export const ReceiptSchema = z.object({
  datanet: z.string(),
  epoch: z.string(),
  epochNumber: z.string(),
  status: z.enum(['proposed', 'superseded', 'final']),
  version: z.number(),
  proposedAt: z.number(),
  finalAt: z.number(),
  finalisedAt: z.number().nullable(),
  reason: z.string(),
  account: z.string(),
  amount: z.string().describe('base units; the lines add up to it exactly'),
  claim: z.object({ index: z.number(), leaf: z.string(), root: z.string(), proof: z.array(z.string()) }).nullable(),
  auditRoot: z.string().nullable(),
  method: z.object({ name: z.string(), version: z.string() }),
  weights: z.object({
    fees: z.string(),
    splitBps: z.object({ platform: z.number(), modelOwner: z.number(), stakers: z.number(), contributors: z.number() }),
    contributorPool: z.string(),
    standing: z.number(),
    standingWeight: z.number(),
    standingFunction: z.object({ floor: z.number(), gamma: z.number(), defaultStanding: z.number() }),
    attribution: z.number(),
    weight: z.number(),
    quota: z.object({ numerator: z.string(), denominator: z.string() }),
    floorQuota: z.string(),
    largestRemainderAdjustment: z.string(),
  }),
  lines: z.array(
    z.object({
      inferenceId: z.string(),
      model: z.string().nullable(),
      adapter: z.string().nullable(),
      fee: z.string(),
      contributionId: z.string(),
      contributor: z.string(),
      score: z.number(),
      units: z.string(),
      amount: z.string(),
      excluded: z.boolean(),
      evidence: z.union([
        z.object({ kind: z.literal('spans'), spans: z.array(SpanSchema) }),
        z.object({ kind: z.literal('influence'), influence: z.number().nullable(), method: z.string() }),
        z.object({ kind: z.literal('none') }),
      ]),
      prompt: z.string().nullable(),
      output: z.string().nullable(),
      contributionText: z.string().nullable(),
    }),
  ),
});

export const InferenceViewSchema = z.object({
  datanet: z.string(),
  epoch: z.string(),
  inferenceId: z.string(),
  model: z.string().nullable(),
  adapter: z.string().nullable(),
  fee: z.string(),
  prompt: z.string().nullable(),
  output: z.string().nullable(),
  spans: z.array(
    z.object({
      text: z.string(),
      output: Offsets,
      contributions: z.array(
        z.object({
          contributionId: z.string(),
          contributor: z.string(),
          account: z.string(),
          score: z.number(),
          offsets: Offsets,
          text: z.string().nullable(),
        }),
      ),
    }),
  ),
  influence: z.array(
    z.object({ contributionId: z.string(), contributor: z.string(), account: z.string(), score: z.number(), method: z.string() }),
  ),
});
