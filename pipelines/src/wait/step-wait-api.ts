import { isAbsolute, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { ArtifactStore } from '../artifact/artifact-store.js';
import {
  conditionKey,
  describeCondition,
  evaluateCondition,
  normaliseCondition,
  toTime,
  wakeAtOf,
  type StoredCondition,
} from './wait-condition.js';
import { finishWait, getWait, saveWait, type WaitRow } from './wait-store.js';
import { StepParked, WaitDeadlineError } from './step-parked.js';
import type { StepCheckpoint, WaitCondition, WaitOptions, WaitResult } from './wait-types.js';

export interface WaitApiRequest {
  db: Kysely<any>;
  artifacts: ArtifactStore;
  runId: string;
  stepId: string;
  partition: string;
  /** Relative `files` paths resolve against it. */
  pipelineDir: string;
  /** The attempt's scratch folder: a relative checkpointFile lives there. */
  workDir: () => string;
}

/** `ctx.wait` and `ctx.checkpoint` of one attempt. */
export function createWaitApi(req: WaitApiRequest): {
  wait: (c: WaitCondition, o?: WaitOptions) => Promise<WaitResult>;
  checkpoint: <T>() => Promise<StepCheckpoint<T> | undefined>;
} {
  const { db, runId, stepId, partition } = req;
  return {
    async checkpoint<T>() {
      const row = await getWait(db, runId, stepId, partition);
      if (!row || (row.checkpoint === undefined && !row.checkpointArtifact)) return undefined;
      return { value: row.checkpoint as T | undefined, ...(row.checkpointArtifact ? { file: row.checkpointArtifact } : {}) };
    },

    async wait(condition, options = {}) {
      // The key is the condition as the operator wrote it: "until: 2h" asked again after a wake is
      // the same wait, anchored where it first parked, not a new one two hours later.
      const key = conditionKey(condition as never);
      const now = Date.now();
      const prev = await getWait(db, runId, stepId, partition).catch((err: Error) => {
        // runOperator over a bare test database: the engine's tables are not there.
        if (/step_waits/.test(err.message))
          throw new Error(
            `ctx.wait needs the run store's tables (step_waits): migrate the database with the engine's RunStore (openEngine does) before running a waiting operator`,
          );
        throw err;
      });
      const same = prev && prev.conditionKey === key && prev.status !== 'done';
      const cond = same ? prev.condition : normaliseCondition(condition, req.pipelineDir);
      const since = same ? prev.since : now;
      const deadline = same ? prev.deadline : options.deadline === undefined ? null : toTime(options.deadline, now, 'deadline');
      const policy = options.onDeadline ?? 'fail';
      if (policy === 'default' && !('default' in options)) throw new TypeError('ctx.wait: onDeadline "default" needs a default value');

      const state = await evaluateCondition(db, cond, since, runId);
      const result = (r: Partial<WaitResult>): WaitResult => ({
        satisfied: false,
        timedOut: false,
        reason: 'condition',
        signals: state.signals,
        entries: state.entries,
        waitedMs: Date.now() - since,
        ...r,
      });
      if (same && prev.status === 'woken' && prev.wakeReason === 'manual') {
        await finishWait(db, runId, stepId, partition, 'manual');
        return result({ satisfied: true, reason: 'manual', value: prev.wakePayload });
      }
      if (state.met) {
        if (prev) await finishWait(db, runId, stepId, partition, 'condition');
        return result({ satisfied: true });
      }
      if (deadline !== null && now >= deadline) {
        await finishWait(db, runId, stepId, partition, 'deadline');
        if (policy === 'fail')
          throw new WaitDeadlineError(
            `step "${stepId}": the deadline ${new Date(deadline).toISOString()} passed while waiting for ${describeCondition(cond)}`,
          );
        return result({ timedOut: true, reason: 'deadline', ...(policy === 'default' ? { value: options.default } : {}) });
      }

      const checkpointArtifact = options.checkpointFile
        ? await req.artifacts.putPath(
            'file',
            isAbsolute(options.checkpointFile) ? options.checkpointFile : resolve(req.workDir(), options.checkpointFile),
            { checkpoint: true },
          )
        : same
          ? prev.checkpointArtifact
          : null;
      const row: Omit<WaitRow, 'wokenAt' | 'wokenBy' | 'wakeReason' | 'wakePayload'> = {
        runId,
        stepId,
        partition,
        status: 'waiting',
        condition: cond,
        conditionKey: key,
        checkpoint: options.checkpoint !== undefined ? options.checkpoint : same ? prev.checkpoint : undefined,
        checkpointArtifact,
        since,
        wakeAt: wakeAtOf(cond, deadline),
        deadline,
        onDeadline: policy,
        defaultValue: options.default,
      };
      await saveWait(db, row);
      throw new StepParked(runId, stepId, partition, describeCondition(cond), row.wakeAt);
    },
  };
}

/**
 * Before a parked step runs again: whether it must stay parked (its condition does not hold, no
 * deadline has passed, nobody woke it by hand). Lets `resume` and wakers leave such a step alone
 * without starting its operator at all.
 */
export async function stillParked(
  db: Kysely<any>,
  runId: string,
  stepId: string,
  partition = '',
): Promise<{ waitingFor: string; wakeAt: number | null } | undefined> {
  const row = await getWait(db, runId, stepId, partition);
  if (!row || row.status !== 'waiting') return undefined;
  if (row.deadline !== null && Date.now() >= row.deadline) return undefined;
  const state = await evaluateCondition(db, row.condition, row.since, runId);
  return state.met ? undefined : { waitingFor: describeCondition(row.condition), wakeAt: row.wakeAt };
}

/** Whether an open wait can continue now (the scheduler's check): its condition holds or its deadline passed. */
export async function waitIsReady(db: Kysely<any>, row: WaitRow): Promise<boolean> {
  if (row.status === 'woken') return true;
  if (row.deadline !== null && Date.now() >= row.deadline) return true;
  return (await evaluateCondition(db, row.condition as StoredCondition, row.since, row.runId)).met;
}
