import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';

export type OpenRefusal = { ok: false; reasonCode: 'not_regular_file' | 'tampered'; message: string };

const CHUNK = 1024 * 1024;

function kind(st: {
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isDirectory(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** lstat of a path that must be a real directory (not a link to one). */
export async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens a file that must be a regular file of exactly `size` bytes, refusing links, FIFOs, devices
 * and sockets before reading a byte: lstat first, then open with O_NOFOLLOW (a link swapped in
 * meanwhile fails) and O_NONBLOCK (a FIFO swapped in cannot block), then fstat must agree.
 * Messages name the file as given and never describe what a link points to.
 */
async function openExact(path: string, label: string, size: number): Promise<{ ok: true; fh: FileHandle } | OpenRefusal> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return { ok: false, reasonCode: 'tampered', message: `file "${label}" is listed in the signed manifest but missing from the inbox` };
  }
  if (!st.isFile()) return { ok: false, reasonCode: 'not_regular_file', message: `"${label}" is ${kind(st)}; only regular files are read` };
  if (st.size !== size)
    return { ok: false, reasonCode: 'tampered', message: `file "${label}" is ${st.size} bytes but the signed manifest says ${size}` };
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return {
      ok: false,
      reasonCode: 'not_regular_file',
      message: `"${label}" cannot be opened as a regular file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  const fst = await fh.stat();
  if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev || fst.size !== size) {
    await fh.close();
    return {
      ok: false,
      reasonCode: 'not_regular_file',
      message: `"${label}" changed while it was being opened; only regular files are read`,
    };
  }
  return { ok: true, fh };
}

/** Reads exactly `size` bytes of a regular file (see openExact). */
export async function readRegularFile(path: string, label: string, size: number): Promise<{ ok: true; bytes: Uint8Array } | OpenRefusal> {
  const o = await openExact(path, label, size);
  if (!o.ok) return o;
  try {
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await o.fh.read(bytes, at, Math.min(CHUNK, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    if (at !== size) return { ok: false, reasonCode: 'tampered', message: `file "${label}" ended after ${at} of ${size} bytes` };
    return { ok: true, bytes };
  } finally {
    await o.fh.close();
  }
}

/** sha256 (0x-hex) of a regular file of exactly `size` bytes, read in chunks. */
export async function hashRegularFile(path: string, label: string, size: number): Promise<{ ok: true; sha256: string } | OpenRefusal> {
  const o = await openExact(path, label, size);
  if (!o.ok) return o;
  try {
    const hash = createHash('sha256');
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, size)));
    let at = 0;
    while (at < size) {
      const { bytesRead } = await o.fh.read(buf, 0, Math.min(buf.length, size - at), at);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
    if (at !== size) return { ok: false, reasonCode: 'tampered', message: `file "${label}" ended after ${at} of ${size} bytes` };
    return { ok: true, sha256: `0x${hash.digest('hex')}` };
  } finally {
    await o.fh.close();
  }
}

/** Reads a regular file of at most `max` bytes (for manifests); larger ones are refused unread. */
export async function readCappedFile(
  path: string,
  label: string,
  max: number,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; reason: 'missing' | 'not_regular_file' | 'too_large'; message: string }> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return { ok: false, reason: 'missing', message: `no ${label}` };
  }
  if (!st.isFile()) return { ok: false, reason: 'not_regular_file', message: `${label} is ${kind(st)}; only a regular file is read` };
  if (st.size > max)
    return {
      ok: false,
      reason: 'too_large',
      message: `${label} is ${st.size} bytes, over limit maxManifestBytes (${max}); it was not read`,
    };
  const r = await readRegularFile(path, label, st.size);
  return r.ok ? r : { ok: false, reason: 'not_regular_file', message: r.message };
}
