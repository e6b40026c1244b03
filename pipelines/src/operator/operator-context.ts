import type { Table } from 'apache-arrow';
import type { Kysely } from 'kysely';
import type { ArtifactKind } from './define-operator.js';
import type { StepCheckpoint, WaitCondition, WaitOptions, WaitResult } from '../wait/wait-types.js';

export type { StepCheckpoint, WaitCondition, WaitOptions, WaitResult, WaitSignal, DeadlinePolicy } from '../wait/wait-types.js';

/** An artifact as a step sees it: immutable, content-addressed, on the local filesystem. */
export interface ArtifactRef {
  /** `sha256:<hex>` of the bytes (of the file, or of the canonical listing of a folder). */
  digest: string;
  kind: ArtifactKind;
  /** Absolute path of the file or folder in the artifact store. Never write to it. */
  path: string;
  /**
   * Small facts about the artifact: rows and Arrow schema of a table, file names of a folder.
   * `summary: string[]` is printed after a run and by `datanet show` (counts, roots, tx hashes).
   */
  meta: Record<string, unknown>;
}

export interface InputArtifact extends ArtifactRef {
  /** Reads a `table` artifact into Arrow memory. */
  readTable(): Promise<Table>;
  /** Reads a `report` or JSON `file` artifact. */
  readJson<T = unknown>(): Promise<T>;
}

export interface OutputWriter {
  /** Writes an Arrow table as Parquet (zstd) and records it as the output. */
  writeTable(table: Table, meta?: Record<string, unknown>): Promise<ArtifactRef>;
  /** Adopts a Parquet file written by the operator (e.g. by DuckDB's COPY). */
  writeParquetFile(path: string, meta?: Record<string, unknown>): Promise<ArtifactRef>;
  /** Adopts a file or folder the operator wrote under `ctx.workDir` (kinds model, index, file). */
  writePath(path: string, meta?: Record<string, unknown>): Promise<ArtifactRef>;
  /** Writes a report: a JSON document and, optionally, a self-contained HTML rendering. */
  writeReport(json: unknown, html?: string, meta?: Record<string, unknown>): Promise<ArtifactRef>;
  /** Writes a JSON `file` artifact. */
  writeJson(value: unknown, meta?: Record<string, unknown>): Promise<ArtifactRef>;
}

export interface StepLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RunInfo {
  runId: string;
  stepId: string;
  attempt: number;
  /** Partition key when the step runs under `foreach`. */
  partition?: string;
  pipelineName: string;
  /** The run's parameters after `--param` overrides. */
  params: Record<string, unknown>;
  /** Where the pipeline file lives: relative paths in config are resolved against it. */
  pipelineDir: string;
  /** Root folder of the local state (`.datanet/` by default). */
  stateDir: string;
}

export interface OperatorContext<C = unknown> {
  config: C;
  /** Inputs by port name. A port wired to several artifacts gets an array. */
  inputs: Record<string, InputArtifact | undefined>;
  input(name: string): InputArtifact;
  output(name: string): OutputWriter;
  /** Connectors named in the profile (`resources:`), already opened. */
  resources: Record<string, unknown>;
  /** The run store's database. Operator packages keep their own tables there, with their own migrations. */
  db: Kysely<any>;
  /** `postgres` or `pglite`: some SQL (advisory locks) differs. */
  dbDialect: 'postgres' | 'pglite';
  logger: StepLogger;
  /** Reports progress of long work; `total` may be unknown. */
  progress(done: number, total?: number, message?: string): void;
  signal: AbortSignal;
  /** A scratch folder for this attempt, emptied before each attempt. */
  workDir: string;
  run: RunInfo;
  /** Stable key for external side effects of this step (same across retries and resumes). */
  idempotencyKey: string;
  /**
   * Parks this step until the condition holds: a named signal (a person's decision), a time, new
   * entries in a folder, or another run's success. Resolves at once when it already holds;
   * otherwise the step is recorded `waiting` with the checkpoint, holds no worker or process, and
   * runs again from the top when woken: read `checkpoint()` to skip the work already done, and
   * this call then resolves. Not available in foreach partitions.
   */
  wait(condition: WaitCondition, options?: WaitOptions): Promise<WaitResult>;
  /** What this step saved when it last parked (undefined before its first wait). */
  checkpoint<T = unknown>(): Promise<StepCheckpoint<T> | undefined>;
}
