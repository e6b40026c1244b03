import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openEngine, type Engine } from '../src/exec/engine.js';
import { TEST_DATABASE_URL, type DbEngine } from '../src/testing/index.js';

export const FIXTURE_PLUGIN = resolve(import.meta.dirname, 'fixtures/test-operators.ts');
export const BIN = resolve(import.meta.dirname, '../bin/datanet.mjs');

export function tempDir(prefix = 'datanet-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a pipeline file that loads the test operators; returns its path. */
export function writePipeline(dir: string, body: string, name = 'pipeline.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: test\nplugins: [${FIXTURE_PLUGIN}]\n${body}`);
  return file;
}

/** A PostgreSQL URL whose connections use a fresh schema of their own. */
export async function freshPostgresUrl(): Promise<string> {
  const schema = `e_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  const sep = TEST_DATABASE_URL.includes('?') ? '&' : '?';
  return `${TEST_DATABASE_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export async function openTestEngine(kind: DbEngine, stateDir = tempDir()): Promise<Engine> {
  return openEngine({ stateDir, databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : undefined });
}
