import { sql, type Kysely } from 'kysely';
import { migrateDatasetRegistry } from './migrations.js';

export interface DatasetVersion {
  datanet: string;
  version: number;
  parentVersion: number | null;
  kind: string;
  merkleRoot: string;
  leafEncoding: string;
  manifestDigest: string;
  rowCount: number;
  contributionCount: number;
  /** `sha256:<hex>` and absolute path of the Parquet artifact in the state dir's store. */
  datasetDigest: string;
  datasetPath: string;
  manifestPath: string;
  croissantDigest: string | null;
  croissantPath: string | null;
  createdRun: string | null;
  createdAt: number;
}

export type NewDatasetVersion = Omit<DatasetVersion, 'version' | 'parentVersion' | 'createdAt' | 'croissantDigest' | 'croissantPath'>;

export interface RecordedVersion {
  version: DatasetVersion;
  /** True when an identical version (same root and manifest) already existed and was returned. */
  reused: boolean;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/**
 * Records a built dataset as the next version of its Datanet, with the latest version as parent,
 * or returns the existing version when the same contributions and files were recorded before
 * (a re-run, or a rebuild of an unchanged set). Serialised per Datanet by an advisory lock.
 */
export async function recordDatasetVersion(db: Kysely<any>, v: NewDatasetVersion, now = Date.now()): Promise<RecordedVersion> {
  if (!NAME.test(v.datanet)) throw new Error(`datanet id "${v.datanet}" must be letters, digits, ".", "_" or "-"`);
  await migrateDatasetRegistry(db);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${'dataset_versions:' + v.datanet}))`.execute(trx);
    const same = await trx
      .selectFrom('dataset_versions')
      .selectAll()
      .where('datanet', '=', v.datanet)
      .where('merkle_root', '=', v.merkleRoot)
      .where('manifest_digest', '=', v.manifestDigest)
      .executeTakeFirst();
    if (same) return { version: fromRow(same), reused: true };
    const latest = await trx
      .selectFrom('dataset_versions')
      .select('version')
      .where('datanet', '=', v.datanet)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    const parent = latest ? Number(latest.version) : null;
    const row = await trx
      .insertInto('dataset_versions')
      .values({
        datanet: v.datanet,
        version: (parent ?? 0) + 1,
        parent_version: parent,
        kind: v.kind,
        merkle_root: v.merkleRoot,
        leaf_encoding: v.leafEncoding,
        manifest_digest: v.manifestDigest,
        row_count: v.rowCount,
        contribution_count: v.contributionCount,
        dataset_digest: v.datasetDigest,
        dataset_path: v.datasetPath,
        manifest_path: v.manifestPath,
        created_run: v.createdRun,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { version: fromRow(row), reused: false };
  });
}

export async function setVersionCroissant(
  db: Kysely<any>,
  datanet: string,
  version: number,
  croissant: { digest: string; path: string },
): Promise<void> {
  await db
    .updateTable('dataset_versions')
    .set({ croissant_digest: croissant.digest, croissant_path: croissant.path })
    .where('datanet', '=', datanet)
    .where('version', '=', version)
    .execute();
}

/** Splits `medical-qa@3`, `medical-qa@latest` or `medical-qa` (latest). */
export function parseVersionRef(ref: string): { datanet: string; version: number | 'latest' } {
  const m = /^([^@\s]+)(?:@(\d+|latest))?$/.exec(ref.trim());
  if (!m || !NAME.test(m[1])) {
    throw new Error(`dataset reference "${ref}" is not of the form DATANET@VERSION, e.g. medical-qa@3 or medical-qa@latest`);
  }
  return { datanet: m[1], version: !m[2] || m[2] === 'latest' ? 'latest' : Number(m[2]) };
}

/** Finds a version by reference; the error lists what exists, so a typo is easy to fix. */
export async function resolveDatasetVersion(db: Kysely<any>, ref: string): Promise<DatasetVersion> {
  const { datanet, version } = parseVersionRef(ref);
  await migrateDatasetRegistry(db);
  let q = db.selectFrom('dataset_versions').selectAll().where('datanet', '=', datanet);
  q = version === 'latest' ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  const row = await q.executeTakeFirst();
  if (row) return fromRow(row);
  const known = await listDatasetVersions(db, datanet);
  if (known.length) {
    throw new Error(`dataset ${ref} does not exist; ${datanet} has versions ${known.map((k) => k.version).join(', ')}`);
  }
  const names = await db.selectFrom('dataset_versions').select('datanet').distinct().execute();
  throw new Error(
    `no dataset versions recorded for "${datanet}"` +
      (names.length ? `; known datanets: ${names.map((n) => n.datanet).join(', ')}` : '; run a pipeline with a dataset.build step first'),
  );
}

export async function listDatasetVersions(db: Kysely<any>, datanet?: string): Promise<DatasetVersion[]> {
  await migrateDatasetRegistry(db);
  let q = db.selectFrom('dataset_versions').selectAll().orderBy('datanet').orderBy('version');
  if (datanet) q = q.where('datanet', '=', datanet);
  return (await q.execute()).map(fromRow);
}

// int8 columns read back as number on PGlite and as string on pg.
function fromRow(r: Record<string, any>): DatasetVersion {
  return {
    datanet: r.datanet,
    version: Number(r.version),
    parentVersion: r.parent_version === null ? null : Number(r.parent_version),
    kind: r.kind,
    merkleRoot: r.merkle_root,
    leafEncoding: r.leaf_encoding,
    manifestDigest: r.manifest_digest,
    rowCount: Number(r.row_count),
    contributionCount: Number(r.contribution_count),
    datasetDigest: r.dataset_digest,
    datasetPath: r.dataset_path,
    manifestPath: r.manifest_path,
    croissantDigest: r.croissant_digest ?? null,
    croissantPath: r.croissant_path ?? null,
    createdRun: r.created_run ?? null,
    createdAt: Number(r.created_at),
  };
}
