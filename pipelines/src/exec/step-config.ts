import type { StepNode } from '../spec/compile-pipeline.js';
import { interpolate, KEEP, readSecret } from '../spec/interpolate.js';
import { ConfigError, parseOperatorConfig } from '../spec/operator-config.js';
import { StepConfigError } from './errors.js';

/** A step's config with env and secret references filled in, parsed by its operator's schema: what the operator gets. */
export function resolveStepConfig(node: StepNode): unknown {
  const missing: string[] = [];
  const resolved = interpolate(node.config, (ns, name) => {
    const v = ns === 'env' ? process.env[name] : ns === 'secrets' ? readSecret(name) : undefined;
    if (v === undefined) missing.push(ns === 'secrets' ? `secrets.${name} (set DATANET_SECRET_${name})` : `env.${name}`);
    return v ?? '';
  });
  if (missing.length) throw new StepConfigError(`step "${node.id}": ${missing.join(', ')} not set in the environment`);
  return parseOperatorConfig(node.op, resolved);
}

/**
 * The config a step's cache key is made of: validated and defaulted by the operator's schema (so a
 * field left out and the same field written at its default give one key), environment references
 * taking their value, secret references kept as written, so no secret reaches a key. A schema
 * that rejects a secret reference as written (a URL check, say) gets the written config instead.
 */
export function keyConfigOf(node: StepNode): unknown {
  const written = interpolate(node.config, (ns, name) => (ns === 'env' ? (process.env[name] ?? '') : KEEP));
  try {
    return parseOperatorConfig(node.op, written);
  } catch (err) {
    if (err instanceof ConfigError) return { unparsed: written };
    throw err;
  }
}
