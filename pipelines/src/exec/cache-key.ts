import type { ArtifactRef } from '../operator/operator-context.js';
import type { StepNode } from '../spec/compile-pipeline.js';
import { canonicalJson, sha256Hex } from '../util/hash.js';
import { keyConfigOf } from './step-config.js';
import { secretsDigestOf as secretsDigestOfConfig } from '../spec/interpolate.js';

export interface CacheKeyInput {
  /** Artifacts on the operator's input ports; a port left unconnected counts as null. */
  inputs: Record<string, Pick<ArtifactRef, 'digest'> | undefined>;
  /** A foreach partition's key. */
  partition?: string;
  /** What an operator that reads the outside world will read (`fingerprint`). */
  fingerprint?: unknown;
  /** `keyConfigOf(node)`, when the caller computes many keys of one step (partitions). */
  keyConfig?: unknown;
  /**
   * A keyed digest (HMAC) of the secret values the step uses, so a rotated secret re-runs the
   * step without any secret, or a plain hash of one, entering the key. Absent: not part of the key.
   */
  secretsDigest?: string;
}

/**
 * The one cache key of a step, for `plan` and for both executors: hash(operator type + version,
 * validated canonical config, input digests by declared port, foreach spec, partition,
 * fingerprint). See keyConfigOf for how config, env and secrets enter it.
 */
export function cacheKeyOf(node: StepNode, k: CacheKeyInput): string {
  const config = k.keyConfig === undefined ? keyConfigOf(node) : k.keyConfig;
  // Declared ports only, each present: a caller that leaves an optional port out and one that
  // passes it as undefined must agree (plan and run once disagreed on exactly this).
  const ports = new Set([...Object.keys(node.op.inputs ?? {}), ...Object.keys(k.inputs)]);
  const digests = Object.fromEntries([...ports].map((p) => [p, k.inputs[p]?.digest ?? null]));
  const parts: Record<string, unknown> = {
    type: node.op.type,
    version: node.op.version,
    config,
    inputs: digests,
    foreach: node.spec.foreach ?? null,
    partition: k.partition ?? null,
    fingerprint: k.fingerprint ?? null,
  };
  // Partition keys (foreach) are made without prepareStep: fold the digest in here too (W6).
  const secrets = k.secretsDigest ?? secretsDigestOf(node);
  if (secrets) parts.secrets = secrets;
  return `sha256:${sha256Hex(canonicalJson(parts))}`;
}

/**
 * The secrets digest of a step for its cache key: a scrypt-keyed HMAC of the values of the
 * secrets its config references (see spec/interpolate.ts); undefined when it uses none.
 * Called by prepareStep (plan and both executors), so wiring it here wires it everywhere.
 */
export function secretsDigestOf(node: StepNode): string | undefined {
  return secretsDigestOfConfig(node.config);
}
