import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
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
 * Streams one uploaded file to disk while hashing and counting it: never more than the signed size
 * is written, and the sha256 must equal the signed one. Memory stays at one chunk.
 */
export async function receiveFile(part: MultipartFile, expected: SubmittedFile, dir: string): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > expected.size)
        return done(
          new UploadRefusal(
            400,
            'size_mismatch',
            `file "${expected.name}" is longer than the ${expected.size} bytes the signed manifest says`,
          ),
        );
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(part.file, meter, createWriteStream(join(dir, expected.name), { flags: 'wx' }));
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
}
