import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { Int32, Table, Utf8, Float64, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { sqlIdent, sqlString, withDuckDb } from './duckdb-session.js';

/** An extra column appended to the selected rows. */
export interface ExtraColumn {
  type: 'utf8' | 'int32' | 'float64';
  /** One value per selected row, in the order of `rows`. */
  values: (string | number | null)[];
}

export interface RowSubset {
  /** File name under the work dir, e.g. `kept.parquet`. */
  file: string;
  /** Row numbers of the input, ascending. */
  rows: ArrayLike<number>;
  extra?: Record<string, ExtraColumn>;
  /** Keep only these input columns (default all). */
  columns?: string[];
}

const TYPES: Record<ExtraColumn['type'], () => DataType> = {
  utf8: () => new Utf8(),
  int32: () => new Int32(),
  float64: () => new Float64(),
};

/**
 * Writes subsets of an input Parquet file's rows (plus extra columns) as new Parquet files with
 * DuckDB, so the input's column types survive untouched and large tables never pass through JS
 * row objects. Returns the written paths in the order of `subsets`.
 */
export async function writeRowSubsets(inputPath: string, workDir: string, subsets: RowSubset[]): Promise<string[]> {
  const paths: string[] = [];
  await withDuckDb(
    async (db) => {
      for (const [k, subset] of subsets.entries()) {
        const columns: Record<string, Vector> = { __row: vectorFromArray(Array.from(subset.rows), new Int32()) };
        for (const [name, col] of Object.entries(subset.extra ?? {})) {
          if (col.values.length !== subset.rows.length)
            throw new Error(`extra column ${name}: ${col.values.length} values for ${subset.rows.length} rows`);
          columns[name] = vectorFromArray(col.values as never[], TYPES[col.type]());
        }
        const selection = join(workDir, `__selection-${k}.parquet`);
        await writeFile(selection, await selectionParquet(new Table(columns)));
        const out = join(workDir, subset.file);
        const pick = subset.columns ? subset.columns.map((c) => `i.${sqlIdent(c)}`).join(', ') : 'i.* exclude (file_row_number)';
        const extras = Object.keys(subset.extra ?? {})
          .map((c) => `, s.${sqlIdent(c)}`)
          .join('');
        await db.exec(
          `copy (select ${pick}${extras} from read_parquet(${sqlString(inputPath)}, file_row_number = true) i ` +
            `join read_parquet(${sqlString(selection)}) s on i.file_row_number = s.__row order by s.__row) ` +
            `to ${sqlString(out)} (format parquet, compression zstd)`,
        );
        paths.push(out);
      }
    },
    // Two threads: the machines here are small and shared.
    { threads: 2 },
  );
  return paths;
}

/** The row selection as zstd Parquet (parquet-wasm: DuckDB's arrow extension is not installable offline). */
async function selectionParquet(table: Table): Promise<Uint8Array> {
  const pw = await import('parquet-wasm/node');
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).build();
  return pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}
