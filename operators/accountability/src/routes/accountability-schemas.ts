import { z } from 'zod';
import { DISPUTE_STATUSES } from '../disputes/dispute-status.js';

// Response schemas of the accountability routes (published in openapi.json for the console's client).
export const DisputeSchema = z.object({
  id: z.string(),
  datanet: z.string(),
  contributionId: z.string(),
  contributor: z.string().describe('owner of the disputed contribution'),
  filer: z.string(),
  filerRole: z.string(),
  reason: z.enum(['incorrect', 'duplicate', 'licence', 'consent', 'poisoning']),
  duplicateOf: z.string().nullable(),
  evidence: z.string(),
  status: z
    .enum(DISPUTE_STATUSES)
    .describe('moot: another dispute revoked the contribution first; closed without a decision, counted neither for nor against the filer'),
  openedAt: z.number(),
  resolvedAt: z.number().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedVia: z.string().nullable(),
  resolutionNote: z.string().nullable(),
});

export const AuditEntrySchema = z.object({
  datanet: z.string(),
  seq: z.number(),
  key: z.string().nullable(),
  at: z.number(),
  actor: z.string(),
  kind: z.string(),
  subject: z.string(),
  payload: z.unknown(),
  payloadHash: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

export const AuditVerificationSchema = z.object({
  datanet: z.string(),
  ok: z.boolean(),
  entries: z.number(),
  head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
  firstBad: z.object({ seq: z.number(), kind: z.string().nullable(), key: z.string().nullable(), problem: z.string() }).nullable(),
  heads: z.array(
    z.object({ epoch: z.string(), epochNumber: z.string(), seq: z.number(), hash: z.string(), onChain: z.string().nullable().optional() }),
  ),
});
