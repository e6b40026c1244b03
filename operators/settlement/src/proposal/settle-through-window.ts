import { createHash } from 'node:crypto';
import type { OperatorContext } from '@datanet/pipelines';
import { appendAudit } from '@datanet/accountability';
import { challengeWindowMs, loadDatanetDefinition, resolveDatanetPath, type DatanetDefinition } from '@datanet/datanet';
import type { Epoch } from '../core/epoch.js';
import type { SettleConfig } from '../operators/settle-operator.js';
import { treeOf, type SettleResult } from '../settle/settle-epoch.js';
import { loadPayouts } from '../store/settlement-store.js';
import { advanceSettlement, planFromStore, type EpochState } from './advance-settlement.js';
import { captureEpochFiles, type CaptureResult } from './capture-epoch-files.js';
import { loadEpochInputs } from './epoch-input-rows.js';
import type { Proposal } from './proposal-store.js';

/** The Datanet's definition when the step's `datanet` names one that can be found; settlement works without. */
function definitionOf(ref: string, pipelineDir: string): DatanetDefinition | undefined {
  try {
    return loadDatanetDefinition(resolveDatanetPath(ref, pipelineDir));
  } catch {
    return undefined;
  }
}

/**
 * The settle step's path: capture the epoch's inputs, propose, wait through the challenge window
 * with the engine's waiting step (`ctx.wait({ until })`: the step parks and holds nothing; it runs
 * again from the top when woken, and every stage below is idempotent), re-settle when an upheld
 * dispute revoked a contribution it pays, and finalise. Returns the final settlement.
 */
export async function settleThroughWindow(
  ctx: OperatorContext<SettleConfig>,
  c: SettleConfig,
  epoch: Epoch,
): Promise<{
  result: SettleResult;
  proposal: Proposal;
  inputsChanged?: { stored: string; now: string };
  /** Inferences of the epoch that arrived after it was settled: not paid (see the log and audit). */
  lateUnpaid?: NonNullable<CaptureResult['lateUnpaid']>;
}> {
  const def = definitionOf(c.datanet, ctx.run.pipelineDir);
  // Keyed as the Datanet's registry keys it (revocations, contributions): its id, when `datanet`
  // names a definition file.
  const datanet = def?.id ?? c.datanet;
  const windowMs = challengeWindowMs(c.challengeWindow ?? def?.challengeWindow ?? 0);
  const captured = await captureEpochFiles(ctx.db, {
    datanet,
    epoch,
    files: {
      attributions: ctx.input('attributions').path,
      inferences: ctx.input('inferences').path,
      standing: ctx.inputs.standing?.path,
      dataset: ctx.inputs.dataset?.path,
    },
    accounts: c.accounts,
    method: String(ctx.input('attributions').meta.operator ?? 'attribution'),
    methodVersion: ctx.input('attributions').digest,
    runId: ctx.run.runId,
  });
  const inputs = (await loadEpochInputs(ctx.db, datanet, epoch.id))!;
  ctx.logger.info(
    `epoch ${epoch.id}: ${inputs.inferenceCount} inferences, fees ${inputs.fees}${captured.captured ? '' : ' (inputs captured by an earlier run)'}; challenge window ${windowMs} ms`,
  );
  if (captured.lateAdded)
    ctx.logger.info(
      `epoch ${epoch.id} of ${datanet}: ${captured.lateAdded} inference(s) arrived after its inputs were captured; added while it is only proposed, it is re-proposed with them`,
    );
  const late = captured.lateUnpaid;
  if (late) {
    const reason = `arrived after epoch ${epoch.id} of ${datanet} was settled (final; a settled epoch is never paid again)`;
    ctx.logger.warn(
      `epoch ${epoch.id} of ${datanet}: ${late.count} inference(s) with fees ${late.fees} are left unpaid: they ${reason}. ` +
        'Settle on a closed day ("yesterday") so that every inference of the epoch is in before it is settled',
      { epoch: epoch.id, unpaid: late.count, fees: late.fees.toString(), inferenceIds: late.inferenceIds.slice(0, 20) },
    );
    const ids = [...late.inferenceIds].sort();
    await appendAudit(ctx.db, {
      datanet,
      actor: 'settlement',
      kind: 'settlement.late_inferences',
      subject: epoch.id,
      key: `settlement.late_inferences:${epoch.id}:${createHash('sha256').update(ids.join('\n')).digest('hex')}`,
      payload: { epoch: epoch.id, unpaid: late.count, fees: late.fees.toString(), inferenceIds: ids, reason, runId: ctx.run.runId },
    });
  }
  const advance = () =>
    advanceSettlement(ctx.db, {
      datanet,
      epoch: epoch.id,
      terms: { split: c.split, standingWeight: c.standingWeight },
      windowMs,
      standingPolicy: def?.standing,
      runId: ctx.run.runId,
    });
  let state: EpochState = await advance();
  while (state.state === 'proposed') {
    const p = state.proposal;
    ctx.logger.info(
      `epoch ${epoch.id} proposed (version ${p.version}, root ${p.merkleRoot}, ${p.paid} to pay); final at ${new Date(state.finalAt).toISOString()} unless a dispute is upheld`,
    );
    await ctx.wait({ until: state.finalAt }, { checkpoint: { epoch: epoch.id, version: p.version } });
    state = await advance();
  }
  const payouts = await loadPayouts(ctx.db, datanet, epoch.id);
  const result: SettleResult = {
    settlement: state.settlement,
    payouts,
    tree: await treeOf(state.settlement.epochNumber, payouts),
    created: state.created,
  };
  // A re-run with other terms (split, standing weight) than the epoch was settled with pays nothing new; say so.
  const now = await planFromStore(ctx.db, inputs, { split: c.split, standingWeight: c.standingWeight }, state.proposal);
  const stored = state.settlement.inputsDigest;
  return {
    result,
    proposal: state.proposal,
    ...(now.inputsDigest !== stored ? { inputsChanged: { stored, now: now.inputsDigest } } : {}),
    ...(late ? { lateUnpaid: late } : {}),
  };
}
