import type { Kysely } from 'kysely';
import { migrateTrainRegistry } from './migrations.js';

export interface ModelRecord {
  /** `name@version`, what `datanet infer --model` takes. */
  id: string;
  name: string;
  version: number;
  adapterDigest: string;
  adapterPath: string;
  backend: string;
  method: string;
  baseModel: string;
  baseModelDigest: string;
  specHash: string;
  datasetVersion: string | null;
  datasetRoot: string | null;
  datasetDigest: string | null;
  metrics: Record<string, unknown>;
  createdRun: string | null;
  createdAt: number;
}

export type NewModel = Omit<ModelRecord, 'id' | 'version' | 'createdAt'> & { createdAt?: number };

function toRecord(row: Record<string, any>): ModelRecord {
  return {
    id: `${row.name}@${row.version}`,
    name: row.name,
    version: Number(row.version),
    adapterDigest: row.adapter_digest,
    adapterPath: row.adapter_path,
    backend: row.backend,
    method: row.method,
    baseModel: row.base_model,
    baseModelDigest: row.base_model_digest,
    specHash: row.spec_hash,
    datasetVersion: row.dataset_version,
    datasetRoot: row.dataset_root,
    datasetDigest: row.dataset_digest,
    metrics: JSON.parse(row.metrics),
    createdRun: row.created_run,
    createdAt: Number(row.created_at),
  };
}

/**
 * Records a trained adapter as the next version of `name`. The same adapter bytes under the same
 * name return the existing record, so a re-run step registers nothing twice.
 */
export async function registerModel(db: Kysely<any>, model: NewModel): Promise<ModelRecord> {
  await migrateTrainRegistry(db);
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(model.name)) throw new Error(`model name "${model.name}": use letters, digits, '.', '_' or '-'`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await db
      .selectFrom('models')
      .selectAll()
      .where('name', '=', model.name)
      .where('adapter_digest', '=', model.adapterDigest)
      .executeTakeFirst();
    if (existing) return toRecord(existing);
    const max = await db
      .selectFrom('models')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('name', '=', model.name)
      .executeTakeFirst();
    const version = Number(max?.v ?? 0) + 1;
    const inserted = await db
      .insertInto('models')
      .values({
        name: model.name,
        version,
        adapter_digest: model.adapterDigest,
        adapter_path: model.adapterPath,
        backend: model.backend,
        method: model.method,
        base_model: model.baseModel,
        base_model_digest: model.baseModelDigest,
        spec_hash: model.specHash,
        dataset_version: model.datasetVersion,
        dataset_root: model.datasetRoot,
        dataset_digest: model.datasetDigest,
        metrics: JSON.stringify(model.metrics),
        created_run: model.createdRun,
        created_at: model.createdAt ?? Date.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return toRecord(inserted);
    // Another writer took this version (or registered the same adapter): look again.
  }
  throw new Error(`could not allocate a version for model ${model.name} after 5 attempts`);
}

/** `name@3`, or `name` for its latest version. */
export async function getModel(db: Kysely<any>, id: string): Promise<ModelRecord | undefined> {
  await migrateTrainRegistry(db);
  const m = /^(.+?)(?:@(\d+))?$/.exec(id);
  if (!m) return undefined;
  let q = db.selectFrom('models').selectAll().where('name', '=', m[1]);
  q = m[2] ? q.where('version', '=', Number(m[2])) : q.orderBy('version', 'desc').limit(1);
  const row = await q.executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function listModels(db: Kysely<any>): Promise<ModelRecord[]> {
  await migrateTrainRegistry(db);
  const rows = await db.selectFrom('models').selectAll().orderBy('name').orderBy('version').execute();
  return rows.map(toRecord);
}
