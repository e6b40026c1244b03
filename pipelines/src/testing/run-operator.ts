import { mkdtemp } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import type { Kysely } from 'kysely';
import { ArtifactStore } from '../artifact/artifact-store.js';
import { tableToParquet } from '../artifact/table-io.js';
import { executeTask } from '../exec/execute-task.js';
import type { OperatorDefinition } from '../operator/define-operator.js';
import type { ArtifactRef, StepLogger } from '../operator/operator-context.js';
import { parseOperatorConfig } from '../spec/operator-config.js';
import { openTestDb } from './test-db.js';

export interface RunOperatorOptions {
  config?: unknown;
  /** Per input port: an Arrow table, a path to a file or folder, or an artifact from an earlier call. */
  inputs?: Record<string, Table | string | ArtifactRef>;
  db?: Kysely<any>;
  dialect?: 'postgres' | 'pglite';
  resources?: Record<string, unknown>;
  /** Reuse a state folder across calls (a persistent index, a registry of versions...). */
  stateDir?: string;
  signal?: AbortSignal;
  runId?: string;
  params?: Record<string, unknown>;
}

export interface RunOperatorResult {
  outputs: Record<string, { ref: ArtifactRef; table?: Table; json?: unknown }>;
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
  stateDir: string;
}

/**
 * Runs one operator through the same code path as the engine (config parsing, artifact store,
 * output contract checks) without a pipeline, for operator tests.
 */
export async function runOperator(op: OperatorDefinition, options: RunOperatorOptions = {}): Promise<RunOperatorResult> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'datanet-op-')));
  const store = new ArtifactStore(join(stateDir, 'artifacts'));
  let db = options.db;
  let dialect = options.dialect ?? 'pglite';
  let close: (() => Promise<void>) | undefined;
  if (!db) {
    const t = await openTestDb('pglite');
    db = t.db;
    dialect = 'pglite';
    close = t.close;
  }
  const inputs: Record<string, ArtifactRef> = {};
  for (const [port, value] of Object.entries(options.inputs ?? {})) {
    const kind = op.inputs?.[port]?.kind;
    if (!kind) throw new Error(`${op.type} has no input "${port}"`);
    if (value instanceof Table) inputs[port] = await store.putBytes('table', await tableToParquet(value), { rows: value.numRows });
    else if (typeof value === 'string') {
      if (!existsSync(value)) throw new Error(`input "${port}": ${value} does not exist`);
      inputs[port] = await store.putPath(kind, value, statSync(value).isDirectory() ? {} : {});
    } else inputs[port] = value;
  }
  const logs: RunOperatorResult['logs'] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => logs.push({ level, message, fields });
  const logger: StepLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const runId = options.runId ?? `test-${Date.now().toString(36)}`;
  try {
    const config = parseOperatorConfig(op, options.config ?? {});
    const refs = await executeTask({
      op,
      config,
      inputs,
      store,
      db,
      dialect,
      resources: options.resources ?? {},
      logger,
      signal: options.signal ?? new AbortController().signal,
      workDir: join(stateDir, 'work', runId, op.type),
      run: { runId, stepId: op.type, attempt: 1, pipelineName: 'test', params: options.params ?? {}, pipelineDir: process.cwd(), stateDir },
      idempotencyKey: `${runId}:${op.type}`,
    });
    const outputs: RunOperatorResult['outputs'] = {};
    for (const [name, ref] of Object.entries(refs)) {
      const entry: RunOperatorResult['outputs'][string] = { ref };
      if (ref.kind === 'table') {
        const { readParquetFile } = await import('../artifact/table-io.js');
        entry.table = await readParquetFile(ref.path);
      } else if (ref.kind === 'report' || ref.meta.contentType === 'application/json') {
        const { readFile } = await import('node:fs/promises');
        entry.json = JSON.parse(await readFile(ref.path, 'utf8'));
      }
      outputs[name] = entry;
    }
    return { outputs, logs, stateDir };
  } finally {
    await close?.();
  }
}
