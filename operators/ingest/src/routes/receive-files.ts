import { createHash } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import type { SubmittedFile } from '../signing/submission-manifest.js';

export class UploadRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * Per upload, files up to this many bytes in all are gathered in memory and written in one call
 * (a few syscalls on the event loop, far cheaper here than the thread pool's open, write, close of
 * a stream); their bytes stay for the early checks, so nothing is read back. Larger ones stream.
 */
export const KEEP_IN_MEMORY_BYTES = 256 * 1024;

/**
 * Receives one uploaded file into `dir` while hashing and counting it: never more than the signed
 * size is taken, and the sha256 must equal the signed one. Streamed to disk (memory stays at one
 * chunk), or with `keep` (a small file: see KEEP_IN_MEMORY_BYTES) gathered, checked, then written
 * at once and returned; a file that fails a check is then never written.
 */
export async function receiveFile(part: MultipartFile, expected: SubmittedFile, dir: string, keep = false): Promise<Buffer | undefined> {
  const hash = createHash('sha256');
  let bytes = 0;
  const count = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > expected.size)
      throw new UploadRefusal(
        400,
        'size_mismatch',
        `file "${expected.name}" is longer than the ${expected.size} bytes the signed manifest says`,
      );
    hash.update(chunk);
  };
  let kept: Buffer | undefined;
  if (keep) {
    const chunks: Buffer[] = [];
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      count(chunk);
      chunks.push(chunk);
    }
    kept = Buffer.concat(chunks, bytes);
  } else {
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        try {
          count(chunk);
        } catch (e) {
          return done(e as Error);
        }
        done(null, chunk);
      },
    });
    await pipeline(part.file, meter, createWriteStream(join(dir, expected.name), { flags: 'wx' }));
  }
  if (part.file.truncated) throw new UploadRefusal(413, 'file_too_large', `file "${expected.name}" is over this server's per-file limit`);
  if (bytes !== expected.size)
    throw new UploadRefusal(400, 'size_mismatch', `file "${expected.name}" has ${bytes} bytes; the signed manifest says ${expected.size}`);
  const sha = `0x${hash.digest('hex')}`;
  if (sha !== expected.sha256) {
    throw new UploadRefusal(
      400,
      'tampered',
      `file "${expected.name}" has sha256 ${sha.slice(0, 18)}..., the signed manifest says ${expected.sha256.slice(0, 18)}...; it was changed after signing`,
    );
  }
  if (kept) writeFileSync(join(dir, expected.name), kept, { flag: 'wx' });
  return kept;
}
