import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/*
 * Every new embedded store starts as the same empty PostgreSQL cluster, and making one runs initdb
 * inside PGlite's WebAssembly: 1.5-4 s of CPU on this project's machines, paid by every fresh state
 * folder and every in-memory test database. So the first cluster made on a machine is kept, before
 * anything is written to it, in a cache named after PGlite's version, and later stores start from
 * a copy: a folder copied into a new state folder (~0.2 s), or a dump loaded into memory (~1 s).
 * The cache holds no data of ours, only what initdb makes.
 *
 * DATANET_PGLITE_TEMPLATE=off turns it off; DATANET_CACHE_DIR moves the cache (default: the
 * system's temporary folder).
 */

const enabled = () => process.env.DATANET_PGLITE_TEMPLATE !== 'off';
const cacheDir = () => process.env.DATANET_CACHE_DIR || join(tmpdir(), 'datanet-cache');

/** Whether a PGlite data folder already holds a cluster. */
export function hasCluster(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/**
 * Fills the empty folder `dir` with a copy of the cached empty cluster, making the cache first if
 * there is none. False (and nothing copied) when the cache is off or cannot be made: PGlite then
 * runs initdb in `dir` itself.
 */
export async function seedFromTemplate(dir: string, PGliteClass: typeof PGlite): Promise<boolean> {
  if (!enabled()) return false;
  const template = join(cacheDir(), `pglite-${pgliteVersion()}-initdb`);
  try {
    if (!hasCluster(template)) {
      // Made aside, then renamed: a concurrent first store sees a whole template or none.
      const part = `${template}.${process.pid}.${Date.now()}.part`;
      mkdirSync(part, { recursive: true });
      const pglite = new PGliteClass(part);
      await pglite.waitReady;
      await pglite.close();
      try {
        renameSync(part, template);
      } catch {
        rmSync(part, { recursive: true, force: true }); // another process put its template there first
      }
    }
    cpSync(template, dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

/** The cached empty cluster as a dump for an in-memory PGlite (`loadDataDir`), and how to make it. */
export function memoryTemplate(): { load(): Blob | undefined; save(pglite: PGlite): Promise<void> } | undefined {
  if (!enabled()) return undefined;
  const file = join(cacheDir(), `pglite-${pgliteVersion()}-initdb.tar`);
  return {
    load() {
      try {
        if (!existsSync(file) || statSync(file).size === 0) return undefined;
        return new Blob([readFileSync(file)]);
      } catch {
        return undefined; // unreadable: make the cluster the slow way
      }
    },
    async save(pglite) {
      if (existsSync(file)) return;
      try {
        const dump = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
        mkdirSync(dirname(file), { recursive: true });
        const part = `${file}.${process.pid}.${Date.now()}.part`;
        writeFileSync(part, dump);
        renameSync(part, file);
      } catch {
        // No cache (read-only or full disk): every database keeps making its own cluster.
      }
    },
  };
}

let version: string | undefined;
function pgliteVersion(): string {
  if (version) return version;
  const require = createRequire(import.meta.url);
  // dist/index.cjs -> the package folder's package.json
  const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8'));
  version = String(pkg.version);
  return version;
}
