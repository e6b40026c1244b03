import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * The cache is the user's own: a folder only they can write (mode 0700, theirs, not a link), or it
 * is not used. A template counts only once it is whole (its marker file is written last), and a
 * store is filled aside and renamed into place, so a failed copy leaves an empty folder and PGlite
 * runs initdb as before.
 *
 * DATANET_PGLITE_TEMPLATE=off turns it off; DATANET_CACHE_DIR moves the cache (default: a folder
 * named after the user in the system's temporary folder).
 */

const MARKER = '.datanet-template';
const enabled = () => process.env.DATANET_PGLITE_TEMPLATE !== 'off';

/** The user's cache folder, made if need be; undefined when it is not safely theirs. */
function cacheDir(): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = process.env.DATANET_CACHE_DIR || join(tmpdir(), `datanet-cache-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.isSymbolicLink()) return undefined;
    if (process.getuid && st.uid !== uid) return undefined;
    if ((st.mode & 0o022) !== 0) return undefined; // others could plant a cluster there
    return dir;
  } catch {
    return undefined;
  }
}

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
  const part = `${dir}.${process.pid}.part`;
  try {
    const cache = cacheDir();
    if (!cache) return false;
    const template = join(cache, `pglite-${pgliteVersion()}-initdb`);
    if (!existsSync(join(template, MARKER))) {
      // Made aside, then renamed: a concurrent first store sees a whole template or none.
      const making = `${template}.${process.pid}.${Date.now()}.part`;
      mkdirSync(making, { recursive: true });
      const pglite = new PGliteClass(making);
      await pglite.waitReady;
      await pglite.close();
      writeFileSync(join(making, MARKER), `${pgliteVersion()}\n`);
      try {
        renameSync(making, template);
      } catch {
        rmSync(making, { recursive: true, force: true }); // another process put its template there first
      }
      if (!existsSync(join(template, MARKER))) return false;
    }
    cpSync(template, part, { recursive: true, filter: (src) => !src.endsWith(MARKER) });
    rmdirSync(dir); // empty: openDatabase made it, and it holds no cluster
    renameSync(part, dir);
    return true;
  } catch {
    rmSync(part, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return false;
  }
}

/** The cached empty cluster as a dump for an in-memory PGlite (`loadDataDir`), and how to make it. */
export function memoryTemplate(): { load(): Blob | undefined; save(pglite: PGlite): Promise<void> } | undefined {
  if (!enabled()) return undefined;
  let file: string;
  try {
    const cache = cacheDir();
    if (!cache) return undefined;
    file = join(cache, `pglite-${pgliteVersion()}-initdb.tar`);
  } catch {
    return undefined;
  }
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
        const part = `${file}.${process.pid}.${Date.now()}.part`;
        try {
          writeFileSync(part, dump);
          renameSync(part, file);
        } finally {
          rmSync(part, { force: true });
        }
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
