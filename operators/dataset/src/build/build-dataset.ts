import { join } from 'node:path';
import { DuckDbSession, sqlString } from '@datanet/connector-duckdb';
import { sha256File } from '@datanet/connector-fs';
import { chooseLeafEncoding, LEAF_TYPES, type LeafEncoding } from '../merkle/contribution-tree.js';
import { MANIFEST_FORMAT, merkleRootOf, type DatasetManifest } from './manifest.js';
import { SPLIT_METHOD, splitSql } from './split.js';

export type DatasetKind = 'qa' | 'text';

export interface BuildDatasetOptions {
  datanet: string;
  kind: DatasetKind;
  /** Parquet file of accepted contributions: id, contributor, and question/answer or text. */
  contributionsPath: string;
  /** Where `dataset.parquet` is written. */
  outDir: string;
  evalFraction: number;
  salt: string;
  leafEncoding?: LeafEncoding | 'auto';
  rowGroupSize?: number;
  /** DuckDB threads; the output bytes do not depend on it (ORDER BY fixes the row order). */
  threads?: number;
}

export interface BuiltDataset {
  parquetPath: string;
  manifest: DatasetManifest;
}

export const DATASET_FILE = 'dataset.parquet';

/** Input column names accepted for each output column, first match wins. */
const SOURCES: Record<DatasetKind, Record<string, string[]>> = {
  qa: { prompt: ['question', 'prompt'], response: ['answer', 'response'] },
  text: { text: ['text'] },
};

const ID_HEX = `lower(regexp_replace(regexp_replace(id, '^sha256:', ''), '^0[xX]', ''))`;

/**
 * Accepted contributions -> one training-ready Parquet file (zstd, rows ordered by contribution
 * id, deterministic split) and the version manifest with its Merkle root. Everything runs in
 * DuckDB: rows never pass through JavaScript except the (id, contributor) pairs for the tree.
 */
export async function buildDatasetFiles(options: BuildDatasetOptions): Promise<BuiltDataset> {
  const { contributionsPath: input, kind } = options;
  if (!(options.evalFraction >= 0 && options.evalFraction < 1)) {
    throw new Error(`evalFraction must be in [0, 1), got ${options.evalFraction}`);
  }
  const db = await DuckDbSession.open({ threads: options.threads });
  try {
    await db.exec(`CREATE VIEW contributions AS SELECT * FROM read_parquet(${sqlString(input)})`);
    const columns = (await db.all<{ column_name: string }>('DESCRIBE contributions')).map((c) => c.column_name);
    const select = resolveColumns(columns, kind, input);
    await checkContributions(db, select, input);

    const parquetPath = join(options.outDir, DATASET_FILE);
    const projection = [
      ...Object.entries(select).map(([out, src]) => `CAST("${src}" AS VARCHAR) AS ${out}`),
      'CAST(id AS VARCHAR) AS contribution_id',
      'CAST(contributor AS VARCHAR) AS contributor',
      `${splitSql('id', options.evalFraction)} AS split`,
    ];
    const rows = await db.copyToParquet(
      `SELECT ${projection.join(', ')} FROM contributions ORDER BY contribution_id`,
      parquetPath,
      { rowGroupSize: options.rowGroupSize ?? 100_000, params: { salt: options.salt } },
    );

    const pairs = await db.connection.runAndReadAll(
      `SELECT '0x' || ${ID_HEX} AS id, CAST(contributor AS VARCHAR) FROM contributions ORDER BY 1`,
    );
    const contributions = pairs.getRowsJS() as [string, string][];
    const encoding =
      !options.leafEncoding || options.leafEncoding === 'auto'
        ? chooseLeafEncoding(contributions.map((c) => c[1]))
        : options.leafEncoding;
    if (encoding === 'address') {
      for (const c of contributions) c[1] = c[1].toLowerCase(); // addresses compare case-blind
    }
    const splits = await db.all<{ split: string; n: number }>(
      `SELECT split, count(*) AS n FROM read_parquet(${sqlString(parquetPath)}) GROUP BY split`,
    );
    const count = (s: string) => splits.find((r) => r.split === s)?.n ?? 0;
    const digest = await sha256File(parquetPath);
    const manifest: DatasetManifest = {
      format: MANIFEST_FORMAT,
      datanet: options.datanet,
      kind,
      merkle: {
        format: 'openzeppelin-standard-v1',
        leafEncoding: LEAF_TYPES[encoding],
        root: merkleRootOf(contributions, encoding),
      },
      split: { evalFraction: options.evalFraction, salt: options.salt, method: SPLIT_METHOD },
      counts: { contributions: contributions.length, rows, train: count('train'), eval: count('eval') },
      files: [
        { name: DATASET_FILE, sha256: digest.sha256, bytes: digest.bytes, rows, encodingFormat: 'application/x-parquet' },
      ],
      contributions,
    };
    return { parquetPath, manifest };
  } finally {
    db.close();
  }
}

function resolveColumns(columns: string[], kind: DatasetKind, input: string): Record<string, string> {
  const missing: string[] = [];
  for (const need of ['id', 'contributor']) if (!columns.includes(need)) missing.push(need);
  const select: Record<string, string> = {};
  for (const [out, candidates] of Object.entries(SOURCES[kind])) {
    const found = candidates.find((c) => columns.includes(c));
    if (found) select[out] = found;
    else missing.push(candidates.join(' or '));
  }
  if (missing.length) {
    throw new Error(
      `${input}: contributions table lacks column(s) ${missing.join(', ')} needed for a ${kind} dataset (it has: ${columns.join(', ')}); ` +
        (kind === 'qa' ? 'set kind: text if this Datanet holds plain text' : 'set kind: qa if it holds question/answer pairs'),
    );
  }
  return select;
}

async function checkContributions(db: DuckDbSession, select: Record<string, string>, input: string): Promise<void> {
  const badId = await db.all<{ id: string | null }>(
    `SELECT id FROM contributions WHERE id IS NULL OR NOT regexp_full_match(${ID_HEX}, '[0-9a-f]{64}') LIMIT 1`,
  );
  if (badId.length) {
    throw new Error(`${input}: contribution id ${JSON.stringify(badId[0].id)} is not a sha256 content hash (64 hex digits, optionally "sha256:" or "0x" first)`);
  }
  const dup = await db.all<{ id: string; n: number }>(
    `SELECT ${ID_HEX} AS id, count(*) AS n FROM contributions GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1`,
  );
  if (dup.length) {
    throw new Error(`${input}: contribution ${dup[0].id} appears ${dup[0].n} times; a dataset takes each accepted contribution once (deduplicate first)`);
  }
  const noContributor = await db.all<{ id: string }>(
    `SELECT id FROM contributions WHERE contributor IS NULL OR trim(CAST(contributor AS VARCHAR)) = '' LIMIT 1`,
  );
  if (noContributor.length) throw new Error(`${input}: contribution ${noContributor[0].id} has no contributor`);
  for (const [out, src] of Object.entries(select)) {
    const empty = await db.all<{ id: string }>(
      `SELECT id FROM contributions WHERE "${src}" IS NULL OR trim(CAST("${src}" AS VARCHAR)) = '' LIMIT 1`,
    );
    if (empty.length) throw new Error(`${input}: contribution ${empty[0].id} has an empty ${src} (dataset column ${out})`);
  }
}
