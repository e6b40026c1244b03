import { hostname } from 'node:os';
import type { Profile } from '../spec/profile.js';

/** Transport and timing settings shared by the coordinator, workers, schedulers and resume. */
export interface DistributedSettings {
  redisUrl: string;
  /** BullMQ key prefix: separate clusters (or tests) sharing one Redis use different prefixes. */
  prefix: string;
  /** A running step whose holder has not renewed its lease for this long is taken over. */
  leaseMs: number;
  heartbeatMs: number;
  sweepMs: number;
  /** At most this many partitions of one foreach step are in Redis at a time. */
  partitionWindow: number;
  /**
   * While other jobs run on a worker, its claims and completions wait this long for each other
   * and commit together (group commit); a worker with one job in flight never waits.
   */
  commitLingerMs: number;
  /** How often a step may lose its worker (crash, SIGKILL) before it is failed as a poison pill. */
  maxTakeovers: number;
}

const envNumber = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: expected a positive number`);
  return n;
};

export function distributedSettings(profile: Profile): DistributedSettings {
  const redisUrl = process.env.DATANET_REDIS_URL || profile.redis?.url || process.env.REDIS_URL;
  if (!redisUrl) {
    throw new Error(
      `profile "${profile.metadata.name}"${profile.file ? ` (${profile.file})` : ''} runs distributed but names no Redis: set redis.url in it, or REDIS_URL`,
    );
  }
  return {
    redisUrl,
    prefix: process.env.DATANET_QUEUE_PREFIX || 'datanet',
    leaseMs: envNumber('DATANET_LEASE_MS', 6000),
    heartbeatMs: envNumber('DATANET_HEARTBEAT_MS', 1000),
    sweepMs: envNumber('DATANET_SWEEP_MS', 2000),
    partitionWindow: envNumber('DATANET_PARTITION_WINDOW', 500),
    maxTakeovers: envNumber('DATANET_MAX_TAKEOVERS', 3),
    commitLingerMs: process.env.DATANET_COMMIT_LINGER_MS === '0' ? 0 : envNumber('DATANET_COMMIT_LINGER_MS', 2),
  };
}

export function workerIdentity(): string {
  return `${hostname()}:${process.pid}`;
}

/** BullMQ queue of a pool: `datanet-cpu`, `datanet-gpu`, `datanet-<label>`. */
export function queueName(pool: string): string {
  return `datanet-${pool}`;
}

/** BullMQ refuses ':' in custom ids; the partition index stands for the (arbitrary) partition key. */
export function jobIdOf(runId: string, stepId: string, partIndex: number | null, kind: JobKind, attempt: number): string {
  return `${runId}~${stepId}~${partIndex ?? '-'}~${kind === 'gather' ? 'g' : ''}${attempt}`;
}

/** `step`: run a step or one partition of it; `gather`: concatenate a foreach step's partitions. */
export type JobKind = 'step' | 'gather';

export interface StepJob {
  runId: string;
  stepId: string;
  partition: string;
  attempt: number;
  kind: JobKind;
}
