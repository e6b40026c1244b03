import type { ArtifactRef } from '../operator/operator-context.js';
import type { StepNode } from '../spec/compile-pipeline.js';
import { interpolate, KEEP } from '../spec/interpolate.js';
import { canonicalJson, sha256Hex } from '../util/hash.js';

/**
 * hash(operator type + version, canonical config, input digests). Environment references take
 * their value (a changed value changes the result); secret references stay as written, so no
 * secret ever reaches a key, a log or the store.
 */
export function cacheKeyOf(node: StepNode, inputs: Record<string, Pick<ArtifactRef, 'digest'> | undefined>, partition?: string, fingerprint?: unknown): string {
  const config = interpolate(node.config, (ns, name) => (ns === 'env' ? (process.env[name] ?? '') : KEEP));
  const digests = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v?.digest ?? null]));
  return `sha256:${sha256Hex(canonicalJson({ type: node.op.type, version: node.op.version, config, inputs: digests, foreach: node.spec.foreach ?? null, partition: partition ?? null, fingerprint: fingerprint ?? null }))}`;
}
