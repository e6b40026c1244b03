import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbSession, sqlString, type SqlParams } from '@datanet/connector-duckdb';
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
  /** Rows per Parquet row group; by default an eighth of the rows, 2048 to 100,000 (`rowGroupSizeFor`). */
  rowGroupSize?: number;
  /**
   * DuckDB threads (default: one per core). One fewer, leaving a core to the tree's hashing and the
   * id decoding, looked better on a loaded machine but is worse on a quiet one: 200k short rows
   * 0.76 s against 0.61 s with two threads on 2 cores (9 alternated runs, load 1.3). The output
   * bytes do not depend on it (ORDER BY fixes the row order).
   */
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
  const { db, release } = await database(options.threads ?? availableParallelism());
  let connection: Connection;
  try {
    connection = await db.instance.connect();
  } catch (err) {
    release();
    throw err;
  }
  const parquetPath = join(options.outDir, DATASET_FILE);
  let copying: Promise<number> | undefined;
  try {
    const { select, staged, sortKey, columns, rows: inputRows } = await stage(connection, input, kind);
    const text = Object.keys(select);

    // The narrow read of ids and contributors is queued first, then the sorted COPY at once: the
    // COPY is the critical path (on every bench set the tree is done well before it), so it starts
    // as early as it can, and this thread decodes, sorts and hashes while DuckDB sorts and writes.
    // (Starting the COPY only when the pairs were back, so that the tree started earlier, read
    // 0.47x / 0.50x on MedQuAD / long rows in one bench run at load ~4; alternated runs at load ~6
    // could not tell the two orders apart.)
    const reading = readPairs(
      await db.instance.connect(),
      input,
      () => explainRefusal(db, staged, input),
      () => throwDuplicate(db, staged, input),
      { rowNumbers: !columns.includes('file_row_number') },
    );
    reading.catch(() => undefined); // awaited below
    copying = copyToParquet(
      connection,
      `SELECT ${[
        ...text.map(
          (out) => `CASE WHEN ${emptyText(out)} THEN error(${sqlString(EMPTY_TEXT)} || contribution_id) ELSE ${out} END AS ${out}`,
        ),
        'contribution_id',
        'contributor',
        `${splitSql('id_hex', options.evalFraction)} AS split`,
      ].join(', ')} FROM ${staged} ORDER BY ${sortKey}`,
      parquetPath,
      options.rowGroupSize ?? rowGroupSizeFor(inputRows),
      { salt: options.salt },
    );
    copying.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    const read = await reading;
    phase('pairs');
    const encoding = !options.leafEncoding || options.leafEncoding === 'auto' ? read.encoding : options.leafEncoding;
    // All-address sets: the leaves come ABI-encoded (64 bytes each, one buffer) for the kernel threads.
    const rooting = encoding === 'address' && read.addressLeaves ? merkleRootOfEncoded(read.addressLeaves) : undefined;
    rooting?.catch(() => undefined); // awaited below
    // The manifest's (id, contributor) list is made when first read (200k pairs are 400k strings
    // and 200k arrays for the collector): an address set's root needs none of it.
    const pairs = once(() => read.pairs(encoding === 'address'));
    const root = rooting ? await rooting : await merkleRootOfAsync(pairs(), encoding);
    phase('merkle');
    const rows = await copying.catch(async (err: Error) => {
      if (!err.message.includes(EMPTY_TEXT)) throw err;
      await rm(parquetPath, { force: true });
      await checkText(connection, staged, select, input);
      throw err;
    });
    phase('copy (after merkle)');
    // The split counts (read back from the file) and its digest, at once.
    const [[{ evals }], digest] = await Promise.all([
      rowsOf<{ evals: bigint }>(
        connection,
        `SELECT count(*) FILTER (WHERE split = 'eval') AS evals FROM read_parquet(${sqlString(parquetPath)})`,
      ),
      sha256File(parquetPath),
    ]);
    phase('counts and digest');
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
      counts: { contributions: read.count, rows, train: rows - Number(evals), eval: Number(evals) },
      files: [{ name: DATASET_FILE, sha256: digest.sha256, bytes: digest.bytes, rows, encodingFormat: 'application/x-parquet' }],
      contributions: [],
    };
    return { parquetPath, manifest: withLazyContributions(manifest, pairs) };
  } catch (err) {
    // Never leave a COPY running (or its file) behind a failed check.
    if (copying) {
      await copying.catch(() => undefined);
      await rm(parquetPath, { force: true });
    }
    throw err;
  } finally {
    connection.closeSync();
    release();
  }
}

type Connection = DuckDbSession['connection'];

/** The open DuckDB databases for builds, one per `threads` setting, with the builds using each. */
interface OpenDatabase {
  session: Promise<DuckDbSession>;
  users: number;
  /** Closes it (once no build uses it) and removes its spill directory. */
  close: () => Promise<void>;
  /** Its close, pending while no build uses it. */
  idle?: ReturnType<typeof setTimeout>;
}
const databases = new Map<number, OpenDatabase>();
/**
 * How long a database no build uses stays open: builds that follow one another in a process (a
 * benchmark, tests, a server building several versions) find its memory warm. 200k short rows:
 * CPU 1.24 -> 1.10 s a build, of which system time 0.33 -> 0.23 s (page faults on fresh memory);
 * 50k long rows 0.70 -> 0.57 s (11 alternated runs, load 4-6).
 */
const DATABASE_IDLE_MS = 1000;
let opened = 0;

/**
 * The DuckDB database builds with this many threads run on: opened by the first, shared by the
 * builds that run at once (each on connections of its own, naming nothing in the catalog), and
 * closed a second after the last of them ends (`DATABASE_IDLE_MS`), or at once by
 * `closeIdleBuildDatabases`. Not kept for the process: an open DuckDB database reserves a private
 * read-write mapping of 80% of RAM (~19 GB here, whatever its memory limit), which the kernel
 * counts against every fork: with three open in one process, `spawn` fails with ENOMEM (a later
 * `spawn` of esbuild for a kernel thread, or of Python for a trainer, failed so on a busy machine
 * when this one was kept). The `dataset.build` operator closes it when its build is done.
 * A sort larger than memory spills under the system's temporary directory, in a directory of
 * this database's, removed when it closes (or the process exits).
 */
async function database(threads: number): Promise<{ db: DuckDbSession; release: () => void }> {
  let entry = databases.get(threads);
  if (!entry) {
    const spill = join(tmpdir(), `datanet-dataset-build-${process.pid}-${++opened}`);
    const removeSpill = () => rmSync(spill, { recursive: true, force: true });
    const session = (async () => {
      const db = await DuckDbSession.open({ threads });
      process.once('exit', removeSpill);
      await db.exec(`SET temp_directory = ${sqlString(spill)}`);
      return db;
    })();
    const created: OpenDatabase = {
      session,
      users: 0,
      close: async () => {
        if (created.users > 0 || databases.get(threads) !== created) return;
        clearTimeout(created.idle);
        databases.delete(threads);
        const db = await session.catch(() => undefined);
        db?.close();
        removeSpill();
        process.removeListener('exit', removeSpill);
      },
    };
    entry = created;
    databases.set(threads, created);
    session.catch(() => databases.get(threads) === created && databases.delete(threads));
  }
  const held = entry;
  clearTimeout(held.idle);
  held.users++;
  let db: DuckDbSession;
  try {
    db = await held.session;
  } catch (err) {
    held.users--;
    throw err;
  }
  let released = false;
  return {
    db,
    release: () => {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.idle = setTimeout(() => void held.close(), DATABASE_IDLE_MS);
      held.idle.unref();
    },
  };
}

/** Closes now the build databases no build uses (instead of after their idle second). */
export async function closeIdleBuildDatabases(): Promise<void> {
  await Promise.all([...databases.values()].map((entry) => entry.close()));
}

/** Rows of a query as objects (BIGINTs as bigint). */
async function rowsOf<T>(connection: Connection, sql: string): Promise<T[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

/** `COPY (select) TO path` as zstd Parquet, as `DuckDbSession.copyToParquet` writes it; the rows written. */
async function copyToParquet(
  connection: Connection,
  select: string,
  path: string,
  rowGroupSize: number,
  params: SqlParams,
): Promise<number> {
  const reader = await connection.runAndReadAll(
    `COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${Math.floor(rowGroupSize)})`,
    params,
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/**
 * Rows per row group when the caller sets none: an eighth of the rows, in whole 2048-row vectors
 * (as DuckDB fills them), from 2048 to 100,000. A function of the row count alone, so the same rows
 * give the same file. DuckDB compresses and writes a sorted COPY's row groups in parallel, but a
 * set of one row group on one thread: with 100,000 rows a group, MedQuAD (16k rows) and 50k long
 * rows were one group each, and their whole COPY waited on one core's zstd (see the README).
 */
function rowGroupSizeFor(rows: number): number {
  return Math.min(100_000, Math.max(2048, Math.ceil(rows / 8 / 2048) * 2048));
}

/** `fn()`, computed on the first call only. */
function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) [value, done] = [fn(), true];
    return value;
  };
}

/**
 * `manifest` with `contributions` made by `pairs` (once) when first read, or as last assigned. It
 * stays an enumerable property in its place: JSON, spreads, clones and equality see the list.
 */
function withLazyContributions(manifest: DatasetManifest, pairs: () => [string, string][]): DatasetManifest {
  let assigned: [string, string][] | undefined;
  return Object.defineProperty(manifest, 'contributions', {
    get: () => assigned ?? pairs(),
    set: (value: [string, string][]) => (assigned = value),
    enumerable: true,
    configurable: true,
  });
}

/**
 * The input's rows as the build reads them, as SQL to select from (`staged`: output columns cast to
 * text, the id as text and as hex, the contributor), the output columns' sources, the SQL
 * the rows are sorted by, the file's column names and its row count.
 */
async function stage(
  connection: Connection,
  input: string,
  kind: DatasetKind,
): Promise<{ select: Record<string, string>; staged: string; sortKey: string; columns: string[]; rows: number }> {
  const source = `read_parquet(${sqlString(input)})`;
  const described = await rowsOf<{ column_name: string; column_type: string }>(connection, `DESCRIBE SELECT * FROM ${source}`);
  const columns = described.map((c) => c.column_name);
  const select = resolveColumns(columns, kind, input);
  const staged = `(SELECT ${[
    ...Object.entries(select).map(([out, src]) => `CAST("${src}" AS VARCHAR) AS ${out}`),
    'CAST(id AS VARCHAR) AS contribution_id',
    'CAST(contributor AS VARCHAR) AS contributor',
    `${idHexSql('CAST(id AS VARCHAR)')} AS id_hex`,
  ].join(', ')} FROM ${source}) AS staged`;
  const text = described.find((c) => c.column_name === 'id')?.column_type === 'VARCHAR';
  const shared = text ? await sharedIdPrefix(connection, input) : 0;
  // The row count from the file's footer (for the row group size).
  const [{ rows }] = await rowsOf<{ rows: bigint | null }>(
    connection,
    `SELECT sum(num_rows) AS rows FROM parquet_file_metadata(${sqlString(input)})`,
  );
  return { select, staged, sortKey: shared ? `contribution_id[${shared + 1}:]` : 'contribution_id', columns, rows: Number(rows) };
}

/**
 * How many leading (ASCII) characters every id shares, as the file's own statistics bound them: a
 * value between two strings that share a prefix has it too, so when each row group's min and max
 * start with "sha256:" every id does. Ids sorted without that prefix are in the same order as
 * whole, and DuckDB sorts them much faster (its sort key holds only the first bytes of a string;
 * a common prefix there leaves most rows to be compared in full). 0 when any statistic is missing.
 */
async function sharedIdPrefix(connection: Connection, input: string): Promise<number> {
  const stats = await rowsOf<{ lo: string | null; hi: string | null }>(
    connection,
    `SELECT stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata(${sqlString(input)}) WHERE path_in_schema = 'id'`,
  );
  if (!stats.length || stats.some((s) => s.lo === null || s.hi === null)) return 0;
  let prefix = stats[0].lo!;
  for (const s of stats) {
    for (const bound of [s.lo!, s.hi!]) {
      let k = 0;
      while (k < prefix.length && k < bound.length && prefix.charCodeAt(k) === bound.charCodeAt(k)) k++;
      prefix = prefix.slice(0, k);
    }
  }
  let k = 0;
  while (k < prefix.length && prefix.charCodeAt(k) < 0x80) k++;
  return k;
}

/** Marks the COPY's refusal of an empty text cell, so it is told from other failures. */
const EMPTY_TEXT = 'datanet: empty text in contribution ';
/**
 * Empty: NULL, or no character outside RE2's \s ([\t\n\f\r ]). A first character outside that set (or
 * the end, code 0) settles most rows without the regular expression.
 */
const emptyText = (col: string) => `(${col} IS NULL OR (ascii(${col}) IN (0, 9, 10, 12, 13, 32) AND NOT regexp_matches(${col}, '[^\\s]')))`;

/** Names what is wrong with the ids or contributors, as the first failing check (the smallest offending id). */
async function explainRefusal(db: DuckDbSession, staged: string, input: string): Promise<never> {
  const connection = await db.instance.connect();
  let r: Record<string, unknown>;
  try {
    const reader = await connection.runAndReadAll(
      `SELECT
         min(coalesce(contribution_id, 'NULL')) FILTER (WHERE contribution_id IS NULL OR NOT ok_id) AS bad_id,
         min(contribution_id) FILTER (WHERE contributor IS NULL OR NOT regexp_matches(contributor, '[^\\s]')) AS no_contributor,
         min(contribution_id) FILTER (WHERE contains(contributor, chr(30)) OR contains(contributor, chr(31))) AS control_contributor
       FROM (SELECT contribution_id, contributor, length(id_hex) = 64 AND length(translate(id_hex, '0123456789abcdef', '')) = 0 AS ok_id FROM ${staged})`,
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
async function throwDuplicate(db: DuckDbSession, staged: string, input: string): Promise<never> {
  const connection = await db.instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT id_hex, count(*) AS n FROM ${staged} GROUP BY id_hex HAVING count(*) > 1 ORDER BY id_hex LIMIT 1`,
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
async function checkText(connection: Connection, staged: string, select: Record<string, string>, input: string): Promise<void> {
  for (const [out, src] of Object.entries(select)) {
    const [r] = await rowsOf<{ id: string | null }>(connection, `SELECT min(contribution_id) AS id FROM ${staged} WHERE ${emptyText(out)}`);
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
