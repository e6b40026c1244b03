import type { OperatorContext } from '@datanet/pipelines';
import { loadDatanetDefinition, openRegistry, resolveDatanetPath } from '@datanet/datanet';
import { applyDeadline } from '../queue/apply-deadline.js';
import { batchSignal, enqueueBatch, syncGold } from '../queue/enqueue.js';
import { migrateReview } from '../queue/review-migrations.js';
import { deadlineMs, queuePolicyOf } from '../policy/queue-policy.js';
import { loadGold } from '../policy/load-gold.js';
import { readHeld } from './read-held.js';
import { writeReviewOutputs } from './write-outputs.js';
import type { ReviewQueueConfig } from './review-queue-operator.js';

/** What the step remembers across parks: the held ids and the deadline, fixed at the first run. */
interface ReviewCheckpoint {
  batch: string;
  deadline: number;
  tableIds: string[];
  nearIds: string[];
  records: number;
}

export async function runReviewQueue(ctx: OperatorContext<ReviewQueueConfig>): Promise<void> {
  const c = ctx.config;
  const file = resolveDatanetPath(c.datanet, ctx.run.pipelineDir);
  const def = loadDatanetDefinition(file);
  const input = ctx.inputs.table!;
  const batch = `${ctx.run.runId}:${ctx.run.stepId}`;
  const write = (tableIds: string[], nearIds: string[]) =>
    writeReviewOutputs(ctx as OperatorContext<unknown>, ctx.db, {
      datanet: def.id,
      batch,
      runId: ctx.run.runId,
      table: input.path,
      nearDuplicates: ctx.inputs.nearDuplicates?.path,
      idColumn: c.idColumn,
      contributorColumn: c.contributorColumn,
      tableIds,
      nearIds,
      standingPolicy: def.standing,
    });
  await openRegistry(ctx.db, ctx.dbDialect);
  await migrateReview(ctx.db);
  const review = def.review;
  if (!review) {
    ctx.logger.info(`review.queue: ${def.id} has no review policy; every record goes through`);
    await write([], []);
    return;
  }
  const policy = queuePolicyOf(review);

  let cp = (await ctx.checkpoint<ReviewCheckpoint>())?.value;
  if (!cp) {
    const held = await readHeld(
      ctx.db,
      def,
      review,
      {
        table: input.path,
        scores: ctx.inputs.scores?.path,
        nearDuplicates: ctx.inputs.nearDuplicates?.path,
        earlier: ctx.inputs.earlier?.path,
      },
      {
        id: c.idColumn,
        contributor: c.contributorColumn,
        order: c.orderColumn,
        fields: c.fields ?? def.recordSchema?.fields.map((f) => f.name) ?? ['text'],
      },
      batch,
    );
    if (review.quality.gold) await syncGold(ctx.db, def.id, loadGold(review.quality.gold, file), review.version);
    const deadline = Date.now() + deadlineMs(review);
    await enqueueBatch(
      ctx.db,
      { batch, datanet: def.id, runId: ctx.run.runId, stepId: ctx.run.stepId, deadline, items: held.items },
      policy,
    );
    cp = { batch, deadline, tableIds: held.tableIds, nearIds: held.nearIds, records: held.records };
    ctx.logger.info(
      `review.queue: ${held.items.length} of ${held.records} records held for review (${held.nearIds.length} borderline near duplicates); deadline ${new Date(deadline).toISOString()}`,
    );
  }

  if (cp.tableIds.length + cp.nearIds.length > 0) {
    const signal = { signal: batchSignal(batch) };
    const waited = await ctx.wait(signal, { deadline: cp.deadline, onDeadline: 'continue', checkpoint: cp });
    if (waited.timedOut) {
      const r = await applyDeadline(ctx.db, batch, review.decision.onDeadline, review.version);
      ctx.logger.warn(
        `review.queue: deadline passed: ${r.settled} item(s) settled by the deadline policy (${review.decision.onDeadline}), ${r.escalated} left to stewards`,
      );
      // Escalated items wait for a steward's override, with no deadline of their own.
      if (r.escalated > 0) await ctx.wait(signal, { checkpoint: cp });
    }
  }
  const out = await write(cp.tableIds, cp.nearIds);
  ctx.logger.info(
    `review.queue: ${out.approved} approved, ${out.rejected} rejected by review (${out.decisions} decisions); ${out.accepted} records accepted`,
  );
}
