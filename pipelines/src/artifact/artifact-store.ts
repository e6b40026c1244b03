import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { ArtifactKind } from '../operator/define-operator.js';
import type { ArtifactRef } from '../operator/operator-context.js';
import { sha256File, sha256Hex } from '../util/hash.js';

/** File suffix per kind: DuckDB and people recognise `.parquet` and `.json`. */
function suffix(kind: ArtifactKind, isDir: boolean): string {
  if (isDir) return '';
  if (kind === 'table') return '.parquet';
  if (kind === 'report') return '.json';
  return '';
}

/**
 * A content-addressed store of immutable artifacts on a filesystem: a file is named by the sha256
 * of its bytes, a folder by the sha256 of its canonical listing (relative path, size and digest of
 * every file). Writes go to a temporary name and are renamed into place, so a reader never sees a
 * half-written artifact and two writers of the same content do not conflict.
 */
export class ArtifactStore {
  constructor(readonly root: string) {}

  private tmpPath(): string {
    return join(this.root, 'tmp', `${Date.now()}-${randomBytes(6).toString('hex')}`);
  }

  pathFor(digest: string, kind: ArtifactKind, isDir: boolean): string {
    const hex = digest.replace(/^sha256:/, '');
    return join(this.root, 'sha256', hex.slice(0, 2), hex + suffix(kind, isDir));
  }

  async putBytes(kind: ArtifactKind, bytes: Uint8Array, meta: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const digest = `sha256:${sha256Hex(bytes)}`;
    const path = this.pathFor(digest, kind, false);
    if (!existsSync(path)) {
      const tmp = this.tmpPath();
      await mkdir(dirname(tmp), { recursive: true });
      await writeFile(tmp, bytes);
      await this.moveIntoPlace(tmp, path);
    }
    return { digest, kind, path, meta: { bytes: bytes.byteLength, ...meta } };
  }

  /** Copies a file or folder into the store (the source is left in place). */
  async putPath(kind: ArtifactKind, source: string, meta: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const info = await stat(source);
    if (info.isDirectory()) {
      const listing = await listFolder(source);
      const digest = `sha256:${sha256Hex(listing.map((f) => `${f.path}\0${f.size}\0${f.digest}`).join('\n'))}`;
      const path = this.pathFor(digest, kind, true);
      if (!existsSync(path)) {
        const tmp = this.tmpPath();
        await mkdir(dirname(tmp), { recursive: true });
        await cp(source, tmp, { recursive: true });
        await this.moveIntoPlace(tmp, path);
      }
      const bytes = listing.reduce((n, f) => n + f.size, 0);
      return { digest, kind, path, meta: { bytes, files: listing.map((f) => f.path), ...meta } };
    }
    const digest = `sha256:${await sha256File(source)}`;
    const path = this.pathFor(digest, kind, false);
    if (!existsSync(path)) {
      const tmp = this.tmpPath();
      await mkdir(dirname(tmp), { recursive: true });
      await cp(source, tmp);
      await this.moveIntoPlace(tmp, path);
    }
    return { digest, kind, path, meta: { bytes: info.size, ...meta } };
  }

  /** The artifact's bytes, after its digest is verified (once per process, see verifyArtifact). */
  async readBytes(ref: Pick<ArtifactRef, 'path'> & Partial<Pick<ArtifactRef, 'digest'>>): Promise<Buffer> {
    if (ref.digest) await verifyArtifact({ path: ref.path, digest: ref.digest });
    return readFile(ref.path);
  }

  /** True when `path` (resolved through links) lies inside this store: exports must never write there. */
  contains(path: string): boolean {
    const rel = relative(realOrSelf(this.root), realOrSelf(path));
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  }

  private async moveIntoPlace(tmp: string, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    try {
      await rename(tmp, path);
    } catch (err) {
      // Another writer stored the same content first: identical by construction.
      if (existsSync(path)) await rm(tmp, { recursive: true, force: true });
      else throw err;
    }
  }
}

/** An artifact whose bytes no longer match its digest: changed after it was written. */
export class ArtifactTamperedError extends Error {
  override name = 'ArtifactTamperedError';
}

/** Artifacts verified by this process, with the size and mtime they had then. */
const verified = new Map<string, string>();

/**
 * Checks that an artifact's bytes (a file's, or a folder's canonical listing) still hash to its
 * digest. Done once per process per artifact: a later read re-checks only when the size or mtime
 * changed, so readers pay one hash per artifact, not one per read.
 */
export async function verifyArtifact(ref: Pick<ArtifactRef, 'path' | 'digest'>): Promise<void> {
  const info = await stat(ref.path);
  const stamp = `${ref.digest}\0${info.size}\0${info.mtimeMs}\0${info.ino}`;
  if (verified.get(ref.path) === stamp) return;
  const actual = info.isDirectory()
    ? sha256Hex((await listFolder(ref.path)).map((f) => `${f.path}\0${f.size}\0${f.digest}`).join('\n'))
    : await sha256File(ref.path);
  if (`sha256:${actual}` !== ref.digest) {
    throw new ArtifactTamperedError(
      `artifact ${ref.digest} at ${ref.path} does not match its digest (its bytes hash to sha256:${actual}): it was changed after it was written. ` +
        'Delete it and run the step that made it again (`datanet run FILE --from STEP`).',
    );
  }
  verified.set(ref.path, stamp);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // Not there yet (an export target): resolve its folder instead.
    const parent = dirname(path);
    return parent === path ? path : join(realOrSelf(parent), basename(path));
  }
}

interface ListedFile {
  path: string;
  size: number;
  digest: string;
}

async function listFolder(root: string, dir = root, out: ListedFile[] = []): Promise<ListedFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await listFolder(root, full, out);
    else if (entry.isFile()) {
      out.push({ path: relative(root, full).split('\\').join('/'), size: (await stat(full)).size, digest: await sha256File(full) });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
