import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDbSession, sqlString } from '@datanet/connector-duckdb';
import { sha256File } from '@datanet/connector-fs';
import { LEAF_TYPES, type LeafEncoding } from '../merkle/contribution-tree.js';
import { MANIFEST_FORMAT, merkleRootOfAsync, merkleRootOfEncoded, type DatasetManifest } from './manifest.js';
import { readPairs } from './read-pairs.js';
import { SPLIT_METHOD, idHexSql, splitSql } from './split.js';

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
  /** Called after each phase with its wall time, for logs and benchmarks. */
  onPhase?: (phase: string, ms: number) => void;
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

/**
 * Accepted contributions -> one training-ready Parquet file (zstd, rows ordered by contribution
 * id, deterministic split) and the version manifest with its Merkle root. Everything runs in
 * DuckDB: rows never pass through JavaScript except the (id, contributor) pairs for the tree.
 *
 * The sorted COPY starts at once (it also refuses empty text as it writes: an `error()` in the
 * select). Beside it, on a second connection, a query reads only ids and contributors as one
 * string (`readPairs`: decoded, checked and sorted here), and the kernel threads hash the Merkle
 * tree; the split counts are read back from the written file. A failed check names the smallest
 * offending contribution id.
 */
export async function buildDatasetFiles(options: BuildDatasetOptions): Promise<BuiltDataset> {
  const { contributionsPath: input, kind } = options;
  if (!(options.evalFraction >= 0 && options.evalFraction < 1)) {
    throw new Error(`evalFraction must be in [0, 1), got ${options.evalFraction}`);
  }
  let last = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    options.onPhase?.(name, now - last);
    last = now;
  };
  const db = await DuckDbSession.open({ threads: options.threads });
  const spill = join(options.outDir, '.duckdb-tmp');
  const parquetPath = join(options.outDir, DATASET_FILE);
  let copying: Promise<number> | undefined;
  try {
    await db.exec(`SET temp_directory = ${sqlString(spill)}`);
    const select = await stage(db, input, kind);
    const text = Object.keys(select);

    // The narrow read of ids and contributors is queued first: its few DuckDB tasks run before the
    // COPY's, so this thread decodes, sorts and hashes while DuckDB sorts and writes.
    const reading = readPairs(
      await db.instance.connect(),
      () => explainRefusal(db, input),
      () => throwDuplicate(db, input),
    );
    reading.catch(() => undefined); // awaited below
    copying = db.copyToParquet(
      `SELECT ${[
        ...text.map(
          (out) => `CASE WHEN ${emptyText(out)} THEN error(${sqlString(EMPTY_TEXT)} || contribution_id) ELSE ${out} END AS ${out}`,
        ),
        'contribution_id',
        'contributor',
        `${splitSql('id_hex', options.evalFraction)} AS split`,
      ].join(', ')} FROM staged ORDER BY contribution_id`,
      parquetPath,
      { rowGroupSize: options.rowGroupSize ?? 100_000, params: { salt: options.salt } },
    );
    copying.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    const read = await reading;
    phase('pairs');
    const encoding = !options.leafEncoding || options.leafEncoding === 'auto' ? read.encoding : options.leafEncoding;
    // All-address sets: the leaves come ABI-encoded (64 bytes each, one buffer); the kernel threads
    // hash them while this thread cuts the sorted pairs for the manifest.
    const rooting = encoding === 'address' && read.addressLeaves ? merkleRootOfEncoded(read.addressLeaves) : undefined;
    rooting?.catch(() => undefined); // awaited below
    const contributions = read.pairs(encoding === 'address');
    const root = rooting ? await rooting : await merkleRootOfAsync(contributions, encoding);
    phase('merkle');
    const rows = await copying.catch(async (err: Error) => {
      if (!err.message.includes(EMPTY_TEXT)) throw err;
      await rm(parquetPath, { force: true });
      await checkText(db, select, input);
      throw err;
    });
    const [{ evals }] = await db.all<{ evals: number }>(
      `SELECT count(*) FILTER (WHERE split = 'eval') AS evals FROM read_parquet(${sqlString(parquetPath)})`,
    );
    phase('copy (after merkle)');
    const digest = await sha256File(parquetPath);
    phase('digest');
    const manifest: DatasetManifest = {
      format: MANIFEST_FORMAT,
      datanet: options.datanet,
      kind,
      merkle: {
        format: 'openzeppelin-standard-v1',
        leafEncoding: LEAF_TYPES[encoding],
        root,
      },
      split: { evalFraction: options.evalFraction, salt: options.salt, method: SPLIT_METHOD },
      counts: { contributions: contributions.length, rows, train: rows - Number(evals), eval: Number(evals) },
      files: [{ name: DATASET_FILE, sha256: digest.sha256, bytes: digest.bytes, rows, encodingFormat: 'application/x-parquet' }],
      contributions,
    };
    return { parquetPath, manifest };
  } catch (err) {
    // Never leave a COPY running (or its file) behind a failed check.
    if (copying) {
      await copying.catch(() => undefined);
      await rm(parquetPath, { force: true });
    }
    throw err;
  } finally {
    db.close();
    await rm(spill, { recursive: true, force: true });
  }
}

/** The `staged` view of the input in `db`: output columns cast to text, plus the id as hex. */
async function stage(db: DuckDbSession, input: string, kind: DatasetKind): Promise<Record<string, string>> {
  await db.exec(`CREATE VIEW contributions AS SELECT * FROM read_parquet(${sqlString(input)})`);
  const columns = (await db.all<{ column_name: string }>('DESCRIBE contributions')).map((c) => c.column_name);
  const select = resolveColumns(columns, kind, input);
  await db.exec(
    `CREATE VIEW staged AS SELECT ${[
      ...Object.entries(select).map(([out, src]) => `CAST("${src}" AS VARCHAR) AS ${out}`),
      'CAST(id AS VARCHAR) AS contribution_id',
      'CAST(contributor AS VARCHAR) AS contributor',
      `${idHexSql('CAST(id AS VARCHAR)')} AS id_hex`,
    ].join(', ')} FROM contributions`,
  );
  return select;
}

/** Marks the COPY's refusal of an empty text cell, so it is told from other failures. */
const EMPTY_TEXT = 'datanet: empty text in contribution ';
/**
 * Empty: NULL, or no character outside RE2's \s ([\t\n\f\r ]). A first character outside that set (or
 * the end, code 0) settles most rows without the regular expression.
 */
const emptyText = (col: string) => `(${col} IS NULL OR (ascii(${col}) IN (0, 9, 10, 12, 13, 32) AND NOT regexp_matches(${col}, '[^\\s]')))`;

/** Names what is wrong with the ids or contributors, as the first failing check (the smallest offending id). */
async function explainRefusal(db: DuckDbSession, input: string): Promise<never> {
  const connection = await db.instance.connect();
  let r: Record<string, unknown>;
  try {
    const reader = await connection.runAndReadAll(
      `SELECT
         min(coalesce(contribution_id, 'NULL')) FILTER (WHERE contribution_id IS NULL OR NOT ok_id) AS bad_id,
         min(contribution_id) FILTER (WHERE contributor IS NULL OR NOT regexp_matches(contributor, '[^\\s]')) AS no_contributor,
         min(contribution_id) FILTER (WHERE contains(contributor, chr(30)) OR contains(contributor, chr(31))) AS control_contributor
       FROM (SELECT contribution_id, contributor, length(id_hex) = 64 AND length(translate(id_hex, '0123456789abcdef', '')) = 0 AS ok_id FROM staged)`,
    );
    [r] = reader.getRowObjectsJS();
  } finally {
    connection.closeSync();
  }
  if (r.bad_id !== null) {
    throw new Error(
      `${input}: contribution id ${r.bad_id === 'NULL' ? 'NULL' : JSON.stringify(r.bad_id)} is not a sha256 content hash (64 hex digits, optionally "sha256:" or "0x" first)`,
    );
  }
  if (r.no_contributor !== null) throw new Error(`${input}: contribution ${r.no_contributor} has no contributor`);
  if (r.control_contributor !== null) {
    throw new Error(
      `${input}: contributor of contribution ${r.control_contributor} contains ASCII control characters 30/31, which a contributor name may not hold`,
    );
  }
  throw new Error(`${input}: the contribution ids and contributors could not be read as pairs (no check names a row)`);
}

/** Names the smallest contribution id given more than once, and how many times. */
async function throwDuplicate(db: DuckDbSession, input: string): Promise<never> {
  const connection = await db.instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT id_hex, count(*) AS n FROM staged GROUP BY id_hex HAVING count(*) > 1 ORDER BY id_hex LIMIT 1`,
    );
    const [d] = reader.getRowObjectsJS();
    throw new Error(
      `${input}: contribution ${String(d.id_hex)} appears ${Number(d.n)} times; a dataset takes each accepted contribution once (deduplicate first)`,
    );
  } finally {
    connection.closeSync();
  }
}

/** Names the smallest contribution id with an empty text column (after the COPY refused one). */
async function checkText(db: DuckDbSession, select: Record<string, string>, input: string): Promise<void> {
  for (const [out, src] of Object.entries(select)) {
    const [r] = await db.all<{ id: string | null }>(`SELECT min(contribution_id) AS id FROM staged WHERE ${emptyText(out)}`);
    if (r.id !== null) throw new Error(`${input}: contribution ${r.id} has an empty ${src} (dataset column ${out})`);
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
