import type { ZodApp } from '@datanet/pipelines/server';
import type { Kysely } from 'kysely';
import { applyDueDeadlines, type DeadlinePolicyLookup } from '../queue/apply-due-deadlines.js';

const DEFAULT_SWEEP_MS = 60_000;

/**
 * Applies the deadlines of batches no run waits on (disputes) while the server listens: once at
 * start, then every `DATANET_REVIEW_DEADLINE_SWEEP_MS` (60 s). Every replica sweeps; the store
 * claims each batch, so each deadline is applied once. An app that never listens (in-process
 * tests, `--openapi`) starts nothing.
 */
export function startDeadlineSweep(app: ZodApp, db: Kysely<any>, policyOf: DeadlinePolicyLookup): void {
  const every = Number(process.env.DATANET_REVIEW_DEADLINE_SWEEP_MS) || DEFAULT_SWEEP_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const sweep = () => {
    running = applyDueDeadlines(db, policyOf)
      .then(
        (r) => {
          if (r.batches)
            app.log.info(
              `review: deadline applied to ${r.batches} batch(es): ${r.settled} item(s) settled, ${r.escalated} left to stewards`,
            );
        },
        (err: Error) => app.log.error({ err }, 'review: applying due deadlines failed (retried at the next sweep)'),
      )
      .finally(() => {
        if (!closed) timer = setTimeout(sweep, every).unref();
      });
  };
  app.addHook('onListen', async () => sweep());
  app.addHook('onClose', async () => {
    closed = true;
    clearTimeout(timer);
    await running;
  });
}
