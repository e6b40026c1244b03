import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect } from 'kysely';
import { runOperator } from '@datanet/pipelines/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetBuild, formatTable, queryDataset, type QueryOptions } from '../src/index.js';
import { writeGeneratedContributions } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dataset-query-bounds-'));
const stateDir = join(dir, 'state');
mkdirSync(join(stateDir, 'db'), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let db: Kysely<any>;
beforeAll(async () => {
  const { PGlite } = await import('@electric-sql/pglite');
  db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite(join(stateDir, 'db')) }) });
  const input = join(dir, 'in.parquet');
  await writeGeneratedContributions(input, 200, { contributors: 2 });
  await runOperator(datasetBuild, {
    config: { datanet: 'bounds', evalFraction: 0.25 },
    inputs: { contributions: input },
    db,
    dialect: 'pglite',
    stateDir,
  });
}, 120_000);
afterAll(() => db?.destroy());

const q = (sql: string, options: QueryOptions = {}) => queryDataset(db, 'bounds@1', sql, options);

describe('datanet query is read-only by default', () => {
  it('still answers SELECTs over the dataset and contributions views', async () => {
    const r = await q('SELECT count(*) AS n FROM dataset');
    expect(r.rows[0][0]).toBe(200);
    const c = await q('WITH t AS (SELECT * FROM contributions) SELECT count(*) FROM t');
    expect(Number(c.rows[0][0])).toBeGreaterThan(0);
  });

  it('refuses file reads outside the dataset, naming the file', async () => {
    await expect(q("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(
      /reading or writing "\/etc\/passwd" is refused: `datanet query` reads only the dataset's own files.*--unsafe/,
    );
    await expect(q("SELECT content FROM read_text('/etc/hostname')")).rejects.toThrow(/"\/etc\/hostname" is refused/);
  });

  it('refuses COPY, ATTACH, INSTALL, LOAD and SET, each with a clear message', async () => {
    const target = join(dir, 'copied.csv');
    await expect(q(`COPY (SELECT * FROM dataset) TO '${target}'`)).rejects.toThrow(
      /COPY is refused: `datanet query` is read-only \(COPY writes files; use --out FILE/,
    );
    expect(existsSync(target)).toBe(false);
    await expect(q(`ATTACH '${join(dir, 'x.db')}' AS x`)).rejects.toThrow(/ATTACH is refused/);
    await expect(q('INSTALL httpfs')).rejects.toThrow(/INSTALL is refused.*downloads extensions/);
    await expect(q('LOAD httpfs')).rejects.toThrow(/LOAD is refused/);
    await expect(q('SET enable_external_access = true')).rejects.toThrow(/SET is refused/);
    await expect(q("/* hidden */ copy (select 1) to '/tmp/x.csv'")).rejects.toThrow(/COPY is refused/);
    await expect(q('CREATE TABLE t AS SELECT 1')).rejects.toThrow(/only SELECT \(or EXPLAIN\) queries run without --unsafe/);
  });

  it('refuses several statements instead of running the rest unseen', async () => {
    await expect(q('SELECT 1; SELECT 2')).rejects.toThrow(/one statement per query: this has 2/);
  });

  it('caps the rows returned and says so', async () => {
    const r = await q('SELECT * FROM dataset', { maxRows: 5 });
    expect(r.rows.length).toBe(5);
    expect(r.truncated).toBe(true);
    const all = await q('SELECT * FROM dataset LIMIT 3', { maxRows: 5 });
    expect(all.truncated).toBeUndefined();
  });

  it('stops a query that runs past its time limit', async () => {
    await expect(q('SELECT count(*) FROM range(100000000000) a', { timeoutMs: 300 })).rejects.toThrow(
      /stopped after 0.3 s \(raise it with --timeout/,
    );
  }, 60_000);

  it('--unsafe allows files, COPY and several statements', async () => {
    const r = await q("SELECT count(*) FROM read_text('/etc/hostname')", { unsafe: true });
    expect(Number(r.rows[0][0])).toBe(1);
    const target = join(dir, 'unsafe.csv');
    await q(`COPY (SELECT 1 AS a) TO '${target}'`, { unsafe: true });
    expect(readFileSync(target, 'utf8')).toContain('a');
    // Several statements all run (DuckDB returns the first one's result).
    const multi = await q(`SELECT 1 AS a; COPY (SELECT 2 AS b) TO '${join(dir, 'second.csv')}'`, { unsafe: true });
    expect(multi.columns).toEqual(['a']);
    expect(readFileSync(join(dir, 'second.csv'), 'utf8')).toContain('b');
  });

  it('--out still exports in read-only mode', async () => {
    const out = join(dir, 'export.csv');
    const r = await q('SELECT contributor FROM dataset LIMIT 4', { out });
    expect(r.out?.rows).toBe(4);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('contributor');
  });

  it('escapes control characters for the terminal', () => {
    const text = formatTable(['c\u001b[31m'], [['\u001b[2J\u001b[Hcleared'], ['rtl\u202eevil'], ['c1\u009b31m']]);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('\\u{1b}[2J\\u{1b}[Hcleared');
    expect(text).toContain('rtl\\u{202e}evil');
  });
});
