import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, PGliteDialect } from 'kysely';
import { REPO_ROOT, runOperator } from '@datanet/pipelines/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetBuild, formatTable, queryDataset } from '../src/index.js';
import { writeGeneratedContributions } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dataset-query-'));
const stateDir = join(dir, 'state');
mkdirSync(join(stateDir, 'db'), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A state folder as the CLI finds it: PGlite under state/db, artifacts under state/artifacts. */
async function withStateDb<T>(fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite(join(stateDir, 'db')) }) });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

beforeAll(async () => {
  const input = join(dir, 'in.parquet');
  await writeGeneratedContributions(input, 1000, { contributors: 4 });
  await withStateDb((db) =>
    runOperator(datasetBuild, {
      config: { datanet: 'medical-qa', evalFraction: 0.25 },
      inputs: { contributions: input },
      db,
      dialect: 'pglite',
      stateDir,
    }),
  );
}, 180_000);

describe('queryDataset', () => {
  it('answers a GROUP BY over a version', async () => {
    const r = await withStateDb((db) =>
      queryDataset(db, 'medical-qa@1', 'SELECT contributor, split, count(*) AS n FROM dataset GROUP BY ALL ORDER BY ALL'),
    );
    expect(r.dataset).toBe('medical-qa@1');
    expect(r.columns).toEqual(['contributor', 'split', 'n']);
    expect(r.rows.length).toBe(8);
    expect(r.rows.reduce((s, row) => s + (row[2] as number), 0)).toBe(1000);
    const evalRows = r.rows.filter((row) => row[1] === 'eval').reduce((s, row) => s + (row[2] as number), 0);
    expect(evalRows).toBeGreaterThan(200);
    expect(evalRows).toBeLessThan(300);
    expect(formatTable(r.columns, r.rows).split('\n')[0]).toMatch(/^contributor\s+\| split \| n$/);
  });

  it('exposes contributions and writes --out files', async () => {
    const out = join(dir, 'per-contributor.csv');
    const r = await withStateDb((db) =>
      queryDataset(db, 'medical-qa@latest', 'SELECT contributor, sum(rows) AS n FROM contributions GROUP BY 1 ORDER BY 1', { out }),
    );
    expect(r.out?.rows).toBe(4);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('contributor,n');
    expect(lines.slice(1).reduce((s, l) => s + Number(l.split(',')[1]), 0)).toBe(1000);
  });

  it('reports bad SQL and unknown versions clearly', async () => {
    await withStateDb(async (db) => {
      await expect(queryDataset(db, 'medical-qa@1', 'SELECT nope FROM dataset')).rejects.toThrow(/query over medical-qa@1 failed: .*nope/);
      await expect(queryDataset(db, 'medical-qa@4', 'SELECT 1')).rejects.toThrow(/has versions 1/);
    });
  });
});

describe('datanet query (the real CLI)', () => {
  const mainFile = join(REPO_ROOT, 'pipelines/src/cli/main.ts');
  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    const { main } = (await import(pathToFileURL(mainFile).href)) as { main: (argv: string[]) => Promise<number> };
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL; // this state folder's PGlite, not the machine's PostgreSQL
    // The state folder goes by environment: main() takes the first non-option word as the command
    // name, so `--state-dir DIR query` would look up a command named DIR.
    process.env.DATANET_STATE_DIR = stateDir;
    process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    try {
      const code = await main(args);
      return { code, out: chunks.join('') };
    } finally {
      process.stdout.write = write;
      if (saved !== undefined) process.env.DATABASE_URL = saved;
      delete process.env.DATANET_STATE_DIR;
    }
  }

  it('prints a GROUP BY as JSON and exits 0; a bad reference exits 2', async () => {
    const ok = await cli([
      '--json',
      'query',
      '--dataset',
      'medical-qa@1',
      'SELECT split, count(*) AS n FROM dataset GROUP BY split ORDER BY split',
    ]);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.out);
    expect(doc.dataset).toBe('medical-qa@1');
    expect(doc.rows.map((r: { split: string }) => r.split)).toEqual(['eval', 'train']);
    expect(doc.rows[0].n + doc.rows[1].n).toBe(1000);
    const bad = await cli(['query', '--dataset', 'medical qa', 'SELECT 1']);
    expect(bad.code).toBe(2);
    const missing = await cli(['query', '--dataset', 'medical-qa@9', 'SELECT 1']);
    expect(missing.code).toBe(1);
  }, 60_000);
});
