import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { ArtifactRef, OperatorContext } from './operator-context.js';

/** The kinds of artifact a step can consume or produce (see DESIGN.md, "Artifact"). */
export type ArtifactKind = 'table' | 'model' | 'index' | 'report' | 'file';

/**
 * Column types a table port can declare. They name Arrow types loosely on purpose: a declared
 * `int64` accepts any Arrow Int64, a declared `utf8` accepts Utf8 and LargeUtf8.
 */
export type ColumnType = 'utf8' | 'int32' | 'int64' | 'float64' | 'bool' | 'timestamp' | 'binary' | 'list<utf8>' | 'any';

/** Declared columns of a table port. `open: false` means no other column may appear. */
export interface TableSchemaSpec {
  columns: Record<string, ColumnType>;
  open?: boolean;
}

export interface PortSpec<C = unknown> {
  kind: ArtifactKind;
  description?: string;
  /** For tables: the columns required (inputs) or guaranteed (outputs). May depend on config. */
  schema?: TableSchemaSpec | ((config: C) => TableSchemaSpec);
  /** Inputs only: the step may run without it. */
  optional?: boolean;
}

export interface ResourceSpec {
  /** Worker pool the step is dispatched to. `cpu` unless the operator says otherwise. */
  pool?: 'cpu' | 'gpu' | (string & {});
}

export const OPERATOR_BRAND = Symbol.for('datanet.operator');

export interface OperatorSpec<S extends z.ZodType = z.ZodType> {
  /** Dotted type name used in `uses:`, e.g. `dedupe.minhash`. */
  type: string;
  /** Bump when the operator's output for the same input and config changes: it is part of the cache key. */
  version: string;
  description: string;
  config: S;
  inputs?: Record<string, PortSpec<z.output<S>>>;
  outputs?: Record<string, PortSpec<z.output<S>>>;
  resources?: ResourceSpec;
  /**
   * Steps whose effects leave the artifact store (payments, chain transactions) set this so the
   * engine never serves them from the cross-run cache; they must still be idempotent.
   */
  cacheable?: boolean;
  /**
   * For operators that read the outside world (files, URLs): a fingerprint of what they will read
   * (paths, sizes, modification times), made part of the cache key so a changed source re-runs.
   */
  fingerprint?(config: z.output<S>, env: { pipelineDir: string; stateDir: string }): Promise<unknown>;
  /**
   * For operators with an effect outside the store (a file written at a path): checks, on a cache
   * hit, that the effect is still there, or that what the result was decided on outside the store
   * (the registry, through `db`, the engine's database) still holds; false makes the step run again.
   */
  verifyCached?(
    config: z.output<S>,
    outputs: Record<string, ArtifactRef>,
    env: { pipelineDir: string; stateDir: string; db: Kysely<any> },
  ): Promise<boolean>;
  run(ctx: OperatorContext<z.output<S>>): Promise<void>;
}

// `any` by default: a registry holds operators of every config type, and run(ctx) is contravariant.
export type OperatorDefinition<S extends z.ZodType = any> = OperatorSpec<S> & {
  readonly [OPERATOR_BRAND]: true;
};

export function defineOperator<S extends z.ZodType>(spec: OperatorSpec<S>): OperatorDefinition<S> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(spec.type)) {
    throw new Error(`operator type "${spec.type}" must be dotted lowercase words, like "dedupe.minhash"`);
  }
  return Object.freeze({ ...spec, [OPERATOR_BRAND]: true as const });
}

export function isOperatorDefinition(value: unknown): value is OperatorDefinition {
  return typeof value === 'object' && value !== null && OPERATOR_BRAND in value;
}

export function resolvePortSchema<C>(port: PortSpec<C>, config: C): TableSchemaSpec | undefined {
  if (!port.schema) return undefined;
  return typeof port.schema === 'function' ? port.schema(config) : port.schema;
}
