import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbSession, readParquetAsArrow, sqlIdent, sqlString, withDuckDb } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'duckdb-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DuckDbSession', () => {
  it('returns rows as objects with bigints as numbers, huge ones as strings', async () => {
    const rows = await withDuckDb((db) =>
      db.all('SELECT 42::BIGINT AS n, 2::HUGEINT ** 70 AS big, (2::HUGEINT ** 70)::HUGEINT AS huge, $1 AS p', ['x']),
    );
    expect(rows[0].n).toBe(42);
    expect(typeof rows[0].n).toBe('number');
    expect(rows[0].huge).toBe((2n ** 70n).toString());
    expect(rows[0].p).toBe('x');
    expect(() => JSON.stringify(rows)).not.toThrow();
  });

  it('copies a query to zstd Parquet with the row group size asked and reads it back as Arrow', async () => {
    const path = join(dir, 'out.parquet');
    await withDuckDb(async (db) => {
      const n = await db.copyToParquet("SELECT i AS id, 'row ' || i AS label FROM range(10000) t(i) ORDER BY i", path, {
        rowGroupSize: 2048,
      });
      expect(n).toBe(10000);
      const meta = await db.all<{ row_group_id: number; compression: string }>(
        `SELECT DISTINCT row_group_id, compression FROM parquet_metadata(${sqlString(path)}) ORDER BY 1`,
      );
      expect(meta.length).toBe(5); // DuckDB fills row groups in whole 2048-row vectors
      expect(meta.every((m) => m.compression === 'ZSTD')).toBe(true);
    });
    expect(statSync(path).size).toBeGreaterThan(0);
    const table = await readParquetAsArrow(path);
    expect(table.numRows).toBe(10000);
    expect(table.getChild('label')?.get(9999)).toBe('row 9999');
  });

  it('quotes literals and identifiers', async () => {
    const db = await DuckDbSession.open({ threads: 1 });
    try {
      await db.exec(`CREATE TABLE ${sqlIdent('we"ird')} (v VARCHAR)`);
      await db.exec(`INSERT INTO ${sqlIdent('we"ird')} VALUES (${sqlString("it's")})`);
      const { columns, rows } = await db.columnsAndRows(`SELECT v FROM ${sqlIdent('we"ird')}`);
      expect(columns).toEqual(['v']);
      expect(rows).toEqual([["it's"]]);
    } finally {
      db.close();
    }
  });

  it('reports SQL errors from DuckDB', async () => {
    await expect(withDuckDb((db) => db.all('SELECT * FROM no_such_table'))).rejects.toThrow(/no_such_table/);
  });
});
