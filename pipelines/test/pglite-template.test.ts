// New embedded stores start from a copy of a cached empty cluster instead of running initdb.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/open-database.js';
import { openTestDb } from '../src/testing/index.js';

const root = mkdtempSync(join(tmpdir(), 'pglite-template-'));
const cache = join(root, 'cache');
const saved = { dir: process.env.DATANET_CACHE_DIR, off: process.env.DATANET_PGLITE_TEMPLATE };
afterEach(() => {
  process.env.DATANET_CACHE_DIR = saved.dir;
  process.env.DATANET_PGLITE_TEMPLATE = saved.off;
  if (saved.dir === undefined) delete process.env.DATANET_CACHE_DIR;
  if (saved.off === undefined) delete process.env.DATANET_PGLITE_TEMPLATE;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tables = async (db: import('kysely').Kysely<any>) =>
  (await sql<{ t: string }>`select tablename as t from pg_tables where schemaname = 'public' order by 1`.execute(db)).rows.map((r) => r.t);

describe('the empty-cluster template of embedded stores', () => {
  it('is made once, holds nothing a store writes, and each new store is a separate copy', async () => {
    process.env.DATANET_CACHE_DIR = cache;
    const a = await openDatabase({ stateDir: join(root, 'a') });
    await sql`create table mine (x int)`.execute(a.db);
    await sql`insert into mine values (1)`.execute(a.db);
    await a.close();
    const templates = readdirSync(cache);
    expect(templates.filter((f) => f.endsWith('-initdb'))).toHaveLength(1);
    expect(templates.some((f) => f.endsWith('.part'))).toBe(false);

    const b = await openDatabase({ stateDir: join(root, 'b') });
    expect(await tables(b.db)).toEqual([]);
    await sql`create table theirs (y text)`.execute(b.db);
    await b.close();
    // A reopened store keeps its own data: the template is copied only into an empty folder.
    const again = await openDatabase({ stateDir: join(root, 'a') });
    expect(await tables(again.db)).toEqual(['mine']);
    expect((await sql<{ x: number }>`select x from mine`.execute(again.db)).rows).toEqual([{ x: 1 }]);
    await again.close();
    expect(readdirSync(cache)).toEqual(templates);
    // The template's marker (written last, once it is whole) is not copied into stores.
    expect(
      existsSync(
        join(
          cache,
          templates.find((f) => f.endsWith('-initdb'))!,
          '.datanet-template',
        ),
      ),
    ).toBe(true);
    expect(existsSync(join(root, 'b', 'db', '.datanet-template'))).toBe(false);
    expect(readdirSync(root).some((f) => f.endsWith('.part'))).toBe(false);
  });

  it('is not used from a folder others can write (someone could plant a cluster there)', async () => {
    const shared = join(root, 'shared-cache');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    process.env.DATANET_CACHE_DIR = shared;
    const d = await openDatabase({ stateDir: join(root, 'd') });
    expect(await tables(d.db)).toEqual([]);
    await d.close();
    expect(readdirSync(shared)).toEqual([]);
  });

  it('serves in-memory test databases from a dump, empty each time', async () => {
    process.env.DATANET_CACHE_DIR = cache;
    const first = await openTestDb('pglite');
    await sql`create table scratch (x int)`.execute(first.db);
    await first.close();
    expect(
      existsSync(
        join(
          cache,
          readdirSync(cache).find((f) => f.endsWith('.tar'))!,
        ),
      ),
    ).toBe(true);
    const second = await openTestDb('pglite');
    expect(await tables(second.db)).toEqual([]);
    await second.close();
  });

  it('can be turned off (DATANET_PGLITE_TEMPLATE=off): nothing is cached', async () => {
    const elsewhere = join(root, 'off-cache');
    process.env.DATANET_CACHE_DIR = elsewhere;
    process.env.DATANET_PGLITE_TEMPLATE = 'off';
    const c = await openDatabase({ stateDir: join(root, 'c') });
    expect(await tables(c.db)).toEqual([]);
    await c.close();
    expect(existsSync(elsewhere)).toBe(false);
  });
});
