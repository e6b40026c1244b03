import { defineOperator, type OperatorContext } from '@datanet/pipelines';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { z } from 'zod';
import { epochAt, parseEpoch, type Epoch } from '../core/epoch.js';
import { checkFeeSplit } from '../core/fee-split.js';
import { standingWeightSchema } from '../core/standing-weight.js';
import { settleThroughWindow } from '../proposal/settle-through-window.js';
import { rewardsFile, type SettleResult } from '../settle/settle-epoch.js';
import { renderStatementHtml, statementOf } from './statement.js';

const bps = z.number().int().min(0).max(10_000);

export const settleConfig = z.object({
  datanet: z.string().min(1).describe('Datanet id: settlements are unique per (datanet, epoch)'),
  epoch: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2}(@.+)?|today|yesterday)$/, 'epoch must be YYYY-MM-DD, YYYY-MM-DD@ZONE, "today" or "yesterday"')
    .describe('the day to settle; "yesterday" (in `timezone`) suits a nightly schedule'),
  timezone: z.string().default('UTC').describe('IANA zone the epoch day is counted in, unless the epoch names one'),
  split: z
    .object({ platform: bps, modelOwner: bps, stakers: bps, contributors: bps })
    .default({ platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 })
    .superRefine((v, ctx) => {
      try {
        checkFeeSplit(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .describe('shares of net fees in basis points, summing to 10000'),
  token: z
    .object({ symbol: z.string().default('DNT'), decimals: z.number().int().min(0).max(36).default(18) })
    .default({ symbol: 'DNT', decimals: 18 }),
  standingWeight: standingWeightSchema,
  accounts: z.record(z.string(), z.string()).default({}).describe('payout address of contributors not named by an address'),
  inlineProofsUpTo: z.number().int().min(0).default(50_000).describe('claims up to which the rewards file carries every proof inline'),
  challengeWindow: z
    .union([z.int().min(0), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 24h, 30m or 0')])
    .optional()
    .describe("how long the proposed settlement stays open to challenge (default: the Datanet definition's challengeWindow, else 0)"),
});

export type SettleConfig = z.output<typeof settleConfig>;

export function resolveEpoch(epoch: string, timezone: string, now = Date.now()): Epoch {
  if (epoch === 'today') return epochAt(now, timezone);
  if (epoch === 'yesterday') return epochAt(epochAt(now, timezone).startMs - 1, timezone);
  return parseEpoch(epoch, timezone);
}

/**
 * The epoch a run of the step settles. A relative epoch (`today`, `yesterday`) is resolved once: a
 * step parked through its challenge window runs again from the top when woken, maybe after
 * midnight, and must go on with the epoch it proposed (its checkpoint), not the next day's.
 */
export async function stepEpoch(
  ctx: Pick<OperatorContext<SettleConfig>, 'checkpoint'>,
  c: Pick<SettleConfig, 'epoch' | 'timezone'>,
  now = Date.now(),
): Promise<Epoch> {
  if (c.epoch === 'today' || c.epoch === 'yesterday') {
    const cp = await ctx.checkpoint<{ epoch?: unknown }>().catch((err: Error) => {
      // runOperator over a bare test database: the engine's tables are not there, so nothing parked.
      if (/step_waits/.test(err.message)) return undefined;
      throw err;
    });
    if (typeof cp?.value?.epoch === 'string') return parseEpoch(cp.value.epoch);
  }
  return resolveEpoch(c.epoch, c.timezone, now);
}

export function payoutsTable(result: SettleResult): Table {
  const p = result.payouts;
  return new Table({
    epoch: vectorFromArray(
      p.map(() => result.settlement.epoch),
      new Utf8(),
    ),
    index: vectorFromArray(
      p.map((x) => x.index),
      new Int32(),
    ),
    account: vectorFromArray(
      p.map((x) => x.account),
      new Utf8(),
    ),
    amount: vectorFromArray(
      p.map((x) => x.amount.toString()),
      new Utf8(),
    ),
    attribution: vectorFromArray(
      p.map((x) => x.attribution),
      new Float64(),
    ),
    standing: vectorFromArray(
      p.map((x) => x.standing),
      new Float64(),
    ),
  });
}

export const settlementSettle = defineOperator({
  type: 'settlement.settle',
  version: '1',
  description:
    "Settles one epoch: the epoch's inference fees are split by basis points, the contributor pool is paid by standing-weighted attribution exactly (largest remainder), written once to a double-entry ledger, and exported as an OpenZeppelin reward tree.",
  config: settleConfig,
  // Paying is an effect outside the artifact store: never served from the cache, idempotent by (datanet, epoch).
  cacheable: false,
  inputs: {
    attributions: {
      kind: 'table',
      description: 'attribution.spans / attribution.influence output',
      schema: { columns: { inference_id: 'utf8', contribution_id: 'utf8', contributor: 'utf8', score: 'float64' }, open: true },
    },
    inferences: {
      kind: 'table',
      description: 'the inference log: fee in base units (string or int64), time',
      schema: { columns: { inference_id: 'utf8', fee: 'any', time: 'any' }, open: true },
    },
    standing: {
      kind: 'table',
      optional: true,
      description: 'contributor standing in [0, 1]; absent contributors get standingWeight.defaultStanding',
      schema: { columns: { contributor: 'utf8', standing: 'float64' }, open: true },
    },
    dataset: {
      kind: 'table',
      optional: true,
      description: 'the dataset version attributed against (contribution_id, text): receipts show the matched contribution text',
      schema: { columns: { contribution_id: 'utf8' }, open: true },
    },
  },
  outputs: {
    payouts: {
      kind: 'table',
      description: 'one row per paid account: the claim list of the reward tree',
      schema: {
        columns: { epoch: 'utf8', index: 'int32', account: 'utf8', amount: 'utf8', attribution: 'float64', standing: 'float64' },
        open: false,
      },
    },
    statement: { kind: 'report', description: 'fees, split, pool, payouts and the ledger check of the epoch' },
    rewards: { kind: 'file', description: 'OpenZeppelin StandardMerkleTree dump with the root and every claim with its proof (JSON)' },
  },
  resources: { pool: 'cpu' },
  async run(ctx) {
    const c = ctx.config;
    const epoch = await stepEpoch(ctx, c);
    ctx.progress(0, 3, `settling ${c.datanet} ${epoch.id}`);
    const { result, proposal, inputsChanged, lateUnpaid } = await settleThroughWindow(ctx, c, epoch);
    ctx.signal.throwIfAborted();
    if (!result.created)
      ctx.logger.info(`epoch ${epoch.id} of ${c.datanet} was already settled; returning the stored settlement, nothing paid again`);
    if (inputsChanged) {
      ctx.logger.warn(
        `epoch ${epoch.id} was settled with other inputs (${inputsChanged.stored}); the stored settlement stands`,
        inputsChanged,
      );
    }
    const st = result.settlement;
    if (result.created && st.payoutCount === 0 && st.split.contributors > 0n) {
      // Paying nobody is legal (the pool stays unallocated) but almost never what a steward meant:
      // usually the attribution step credited no contribution (a small model that reproduces no span
      // of its dataset, or a minTokens above what the outputs share with it).
      ctx.logger.warn(
        `epoch ${epoch.id} of ${c.datanet}: the contributor pool of ${st.split.contributors} base units paid nobody; ` +
          'no contribution was credited by the attribution input. Check the attribution step (its spans report, minTokens) before the next epoch',
        { epoch: epoch.id, contributorPool: st.split.contributors.toString(), unallocated: st.unallocated.toString() },
      );
    }
    ctx.progress(1, 3, 'writing outputs');
    await ctx.output('payouts').writeTable(payoutsTable(result), { epoch: epoch.id, root: result.tree?.root ?? null });
    const statement = {
      ...(await statementOf(ctx.db, result, c.token)),
      ...(lateUnpaid
        ? {
            lateUnpaid: {
              inferences: lateUnpaid.count,
              fees: lateUnpaid.fees.toString(),
              reason: `arrived after epoch ${epoch.id} was settled; a settled epoch is never paid again`,
              inferenceIds: lateUnpaid.inferenceIds.slice(0, 1000),
            },
          }
        : {}),
    };
    const top = [...result.payouts].sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : 0)).slice(0, 5);
    const paid = result.payouts.reduce((n, p) => n + p.amount, 0n);
    await ctx.output('statement').writeReport(statement, renderStatementHtml(statement), {
      epoch: epoch.id,
      summary: [
        `epoch ${epoch.id}: ${paid} base units paid to ${result.payouts.length} contributors${result.created ? '' : ' (settled before; nothing paid again)'}`,
        ...(lateUnpaid
          ? [
              `  ${lateUnpaid.count} inference(s) of epoch ${epoch.id} (fees ${lateUnpaid.fees}) left unpaid: they arrived after the epoch was settled`,
            ]
          : []),
        ...top.map((p) => `  ${p.account} ${p.amount} (attribution ${p.attribution.toFixed(3)}, standing ${p.standing.toFixed(3)})`),
      ],
    });
    await ctx.output('rewards').writeJson(
      {
        ...rewardsFile(result, c.inlineProofsUpTo),
        status: 'final',
        version: proposal.version,
        auditRoot: proposal.finalAuditHash,
        paidSetRoot: proposal.paidSetRoot,
      },
      { epoch: epoch.id, root: result.tree?.root ?? null, auditRoot: proposal.finalAuditHash },
    );
    ctx.progress(3, 3);
  },
});
