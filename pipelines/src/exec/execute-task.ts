import { mkdirSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Table } from 'apache-arrow';
import type { Kysely } from 'kysely';
import { type ArtifactStore, verifyArtifact } from '../artifact/artifact-store.js';
import { NonRetryableError } from './errors.js';
import { checkTableSchema } from '../artifact/table-schema.js';
import { describeSchema, parquetToTable, tableToParquet } from '../artifact/table-io.js';
import { resolvePortSchema, type OperatorDefinition } from '../operator/define-operator.js';
import type { ArtifactRef, InputArtifact, OperatorContext, OutputWriter, RunInfo, StepLogger } from '../operator/operator-context.js';
import { createWaitApi } from '../wait/step-wait-api.js';

/** Raised when a step's outputs break its operator's contract; not retried. */
export class OutputContractError extends NonRetryableError {
  override name = 'OutputContractError';
}

export interface TaskRequest {
  op: OperatorDefinition;
  /** Config already parsed by the operator's schema. */
  config: unknown;
  inputs: Record<string, ArtifactRef | undefined>;
  store: ArtifactStore;
  db: Kysely<any>;
  dialect: 'postgres' | 'pglite';
  resources: Record<string, unknown>;
  logger: StepLogger;
  progress?: (done: number, total?: number, message?: string) => void;
  signal: AbortSignal;
  workDir: string;
  run: RunInfo;
  idempotencyKey: string;
}

export function toInputArtifact(ref: ArtifactRef): InputArtifact {
  let cached: Promise<Table> | undefined;
  return {
    ...ref,
    readTable() {
      if (ref.kind !== 'table') throw new Error(`artifact ${ref.digest} is a ${ref.kind}, not a table`);
      // Inputs are checked against their digest (once per process per artifact) before use.
      cached ??= verifyArtifact(ref)
        .then(() => readFile(ref.path))
        .then(parquetToTable);
      return cached;
    },
    async readJson<T>() {
      await verifyArtifact(ref);
      return JSON.parse(await readFile(ref.path, 'utf8')) as T;
    },
  };
}

/**
 * Runs one operator invocation: builds its context, runs it, and checks that every declared
 * output was written with its declared schema. Shared by every executor and by the test harness,
 * so an operator behaves the same wherever it runs.
 */
export async function executeTask(req: TaskRequest): Promise<Record<string, ArtifactRef>> {
  const { op, config, store } = req;
  // The scratch folder is made (emptied) when the operator first asks for it: most steps never do,
  // and on a fan-out of many small partitions the file system calls were a third of a worker's time.
  let workDirMade = false;
  const workDir = () => {
    if (!workDirMade) {
      rmSync(req.workDir, { recursive: true, force: true });
      mkdirSync(req.workDir, { recursive: true });
      workDirMade = true;
    }
    return req.workDir;
  };
  const outputs: Record<string, ArtifactRef> = {};
  const declaredOutputs = op.outputs ?? {};

  const inputs: Record<string, InputArtifact | undefined> = {};
  for (const [name, ref] of Object.entries(req.inputs)) inputs[name] = ref ? toInputArtifact(ref) : undefined;

  const record = async (name: string, ref: ArtifactRef, schemaOf?: () => Promise<Table['schema']>) => {
    const port = declaredOutputs[name];
    if (port.kind !== ref.kind) throw new OutputContractError(`output "${name}" must be a ${port.kind}`);
    if (ref.kind === 'table' && schemaOf) {
      const schema = await schemaOf();
      ref.meta.schema = describeSchema(schema);
      const spec = resolvePortSchema(port, config);
      const problems = spec ? checkTableSchema(schema, spec) : [];
      if (problems.length) {
        throw new OutputContractError(`${op.type}: output "${name}" breaks its declared schema: ${problems.join('; ')}`);
      }
    }
    outputs[name] = ref;
    return ref;
  };

  const output = (name: string): OutputWriter => {
    const port = declaredOutputs[name];
    if (!port) {
      const known = Object.keys(declaredOutputs).join(', ') || 'none';
      throw new OutputContractError(`${op.type} has no output "${name}" (declared: ${known})`);
    }
    return {
      async writeTable(table, meta = {}) {
        const ref = await store.putBytes('table', await tableToParquet(table), { rows: table.numRows, ...meta });
        return record(name, ref, async () => table.schema);
      },
      async writeParquetFile(path, meta = {}) {
        const ref = await store.putPath('table', path, meta);
        return record(name, ref, async () => {
          const t = await parquetToTable(await readFile(ref.path));
          ref.meta.rows = t.numRows;
          return t.schema;
        });
      },
      async writePath(path, meta = {}) {
        return record(name, await store.putPath(port.kind, path, meta));
      },
      async writeReport(json, html, meta = {}) {
        const ref = await store.putBytes('report', Buffer.from(JSON.stringify(json, null, 2)), meta);
        if (html !== undefined) {
          const htmlRef = await store.putBytes('file', Buffer.from(html), { contentType: 'text/html' });
          ref.meta.html = htmlRef.path;
        }
        return record(name, ref);
      },
      async writeJson(value, meta = {}) {
        return record(
          name,
          await store.putBytes(port.kind, Buffer.from(JSON.stringify(value, null, 2)), { contentType: 'application/json', ...meta }),
        );
      },
    };
  };

  const waits = createWaitApi({
    db: req.db,
    artifacts: store,
    runId: req.run.runId,
    stepId: req.run.stepId,
    partition: req.run.partition ?? '',
    pipelineDir: req.run.pipelineDir,
    workDir,
  });
  const ctx: OperatorContext<unknown> = {
    config,
    inputs,
    input(name) {
      const found = inputs[name];
      if (!found) throw new Error(`${op.type}: input "${name}" is not connected`);
      return found;
    },
    output,
    resources: req.resources,
    db: req.db,
    dbDialect: req.dialect,
    logger: req.logger,
    progress: req.progress ?? (() => {}),
    signal: req.signal,
    get workDir() {
      return workDir();
    },
    run: req.run,
    idempotencyKey: req.idempotencyKey,
    wait: waits.wait,
    checkpoint: waits.checkpoint,
  };

  await op.run(ctx);
  req.signal.throwIfAborted();
  for (const [name, port] of Object.entries(declaredOutputs)) {
    if (!outputs[name] && !port.optional) {
      throw new OutputContractError(`${op.type} finished without writing its output "${name}"`);
    }
  }
  if (workDirMade) await rm(req.workDir, { recursive: true, force: true });
  return outputs;
}
