import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Table } from 'apache-arrow';
import type { ArtifactStore } from '../artifact/artifact-store.js';
import { parquetToTable, tableToParquet } from '../artifact/table-io.js';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { StepNode } from '../spec/compile-pipeline.js';
import { cacheKeyOf } from './cache-key.js';
import { toInputArtifact } from './execute-task.js';
import { NonRetryableError } from './errors.js';
import { partitionTable } from './partition-table.js';

/** One partition of a foreach step: its own input artifact and cache key. */
export interface PartitionTask {
  key: string;
  index: number;
  input: ArtifactRef;
  cacheKey: string;
}

export function artifactsExist(outputs: Record<string, ArtifactRef>): boolean {
  return Object.values(outputs).every((a) => existsSync(a.path));
}

/**
 * Splits a foreach step's input into partitions, stores each as an artifact, and keys each: both
 * executors split through this, so the same input gives the same partitions, keys and digests.
 */
export async function splitForeach(
  artifacts: ArtifactStore,
  node: StepNode,
  inputs: Record<string, ArtifactRef | undefined>,
  keyConfig: unknown,
): Promise<PartitionTask[]> {
  const fe = node.spec.foreach!;
  const source = inputs[fe.input];
  if (!source) throw new NonRetryableError(`step "${node.id}": foreach input "${fe.input}" has no artifact`);
  const parts = partitionTable(await toInputArtifact(source).readTable(), fe);
  const refs: ArtifactRef[] = new Array(parts.length);
  // Bounded: a 10,000-way fan-out must not open 10,000 files at once.
  for (let i = 0; i < parts.length; i += 256) {
    await Promise.all(
      parts
        .slice(i, i + 256)
        .map(
          async (p, j) =>
            (refs[i + j] = await artifacts.putBytes('table', await tableToParquet(p.table), { rows: p.table.numRows, partition: p.key })),
        ),
    );
  }
  return parts.map((p, i) => ({
    key: p.key,
    index: i,
    input: refs[i],
    cacheKey: cacheKeyOf(node, { inputs: { ...inputs, [fe.input]: refs[i] }, partition: p.key, keyConfig }),
  }));
}

/**
 * Gathers a foreach step's partition outputs, in partition order: tables are concatenated, other
 * kinds listed. Every executor gathers through this, so the same partitions give the same digests.
 */
export async function gatherPartitionOutputs(
  artifacts: ArtifactStore,
  node: StepNode,
  results: Record<string, ArtifactRef>[],
): Promise<Record<string, ArtifactRef>> {
  const out: Record<string, ArtifactRef> = {};
  for (const [name, port] of Object.entries(node.op.outputs ?? {})) {
    const refs = results.map((r) => r[name]).filter(Boolean);
    if (port.kind === 'table') {
      const tables: Table[] = await Promise.all(refs.map(async (r) => parquetToTable(await readFile(r.path))));
      const nonEmpty = tables.filter((t) => t.numRows > 0);
      const merged = nonEmpty.length ? nonEmpty[0].concat(...nonEmpty.slice(1)) : tables[0];
      if (merged)
        out[name] = await artifacts.putBytes('table', await tableToParquet(merged), { rows: merged.numRows, partitions: refs.length });
    } else {
      const docs = await Promise.all(
        refs.map(async (r) => ({
          partition: r.meta.partition,
          digest: r.digest,
          value: r.kind === 'report' ? JSON.parse(await readFile(r.path, 'utf8')) : r.path,
        })),
      );
      out[name] = await artifacts.putBytes(port.kind === 'report' ? 'report' : 'file', Buffer.from(JSON.stringify(docs, null, 2)), {
        partitions: refs.length,
        contentType: 'application/json',
      });
    }
  }
  return out;
}

export function gatherReason(partitions: number, cached: number): string {
  return `${partitions} partitions (${cached} cached)`;
}
