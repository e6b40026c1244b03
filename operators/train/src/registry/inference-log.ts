import type { Kysely } from 'kysely';
import { migrateTrainRegistry } from './migrations.js';

export interface InferenceRecord {
  inferenceId: string;
  modelId: string | null;
  baseModel: string;
  adapterDigest: string | null;
  prompt: string;
  output: string;
  promptTokens: number;
  outputTokens: number;
  /** Token base units. */
  fee: bigint;
  source: 'operator' | 'cli' | (string & {});
  runId: string | null;
  createdAt: number;
}

/** Appends inferences; an id already logged is skipped, so a retried step logs each once. */
export async function appendInferences(db: Kysely<any>, rows: InferenceRecord[]): Promise<number> {
  if (!rows.length) return 0;
  await migrateTrainRegistry(db);
  let written = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const res = await db
      .insertInto('inference_log')
      .values(
        chunk.map((r) => ({
          inference_id: r.inferenceId,
          model_id: r.modelId,
          base_model: r.baseModel,
          adapter_digest: r.adapterDigest,
          prompt: r.prompt,
          output: r.output,
          prompt_tokens: r.promptTokens,
          output_tokens: r.outputTokens,
          fee: r.fee.toString(),
          source: r.source,
          run_id: r.runId,
          created_at: r.createdAt,
        })),
      )
      .onConflict((oc) => oc.column('inference_id').doNothing())
      .executeTakeFirst();
    written += Number(res.numInsertedOrUpdatedRows ?? 0);
  }
  return written;
}

export async function readInferenceLog(db: Kysely<any>, opts: { since?: number; modelId?: string } = {}): Promise<InferenceRecord[]> {
  await migrateTrainRegistry(db);
  let q = db.selectFrom('inference_log').selectAll();
  if (opts.since !== undefined) q = q.where('created_at', '>=', opts.since);
  if (opts.modelId) q = q.where('model_id', '=', opts.modelId);
  const rows = await q.orderBy('created_at').orderBy('inference_id').execute();
  return rows.map((r: Record<string, any>) => ({
    inferenceId: r.inference_id,
    modelId: r.model_id,
    baseModel: r.base_model,
    adapterDigest: r.adapter_digest,
    prompt: r.prompt,
    output: r.output,
    promptTokens: Number(r.prompt_tokens),
    outputTokens: Number(r.output_tokens),
    fee: BigInt(String(r.fee)),
    source: r.source,
    runId: r.run_id,
    createdAt: Number(r.created_at),
  }));
}
