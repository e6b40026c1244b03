import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatanetDefinition } from '@datanet/datanet';
import { formatOf } from '../intake/validate-file.js';
import type { SubmittedFile } from '../signing/submission-manifest.js';
import { magicMismatch } from '../validate/magic-bytes.js';
import { decodeUtf8 } from '../validate/parse-records.js';

export interface EarlyRejection {
  file: string;
  reasonCode: string;
  message: string;
}

const TEXT_FORMATS = new Set(['txt', 'md', 'jsonl', 'csv']);

/**
 * The per-file checks intake would fail without parsing, run on the received bytes so the
 * contributor hears at once: format, empty file, magic bytes, UTF-8 of text formats. The same
 * functions as intake's, so the same reasons; intake still decides (and parses) every file.
 * A file whose bytes are in `kept` (as received) is not read back from `dir`.
 */
export async function earlyRejections(
  def: DatanetDefinition,
  dir: string,
  files: SubmittedFile[],
  kept: ReadonlyMap<string, Uint8Array> = new Map(),
): Promise<EarlyRejection[]> {
  const out: EarlyRejection[] = [];
  for (const f of files) {
    const format = formatOf(f.name);
    const reject = (reasonCode: string, message: string) => out.push({ file: f.name, reasonCode, message });
    if (!format || !def.formats.includes(format)) {
      reject(
        'unsupported_format',
        `extension of "${f.name}" is not one of the accepted formats (${def.formats.map((x) => `.${x}`).join(', ')})`,
      );
      continue;
    }
    if (f.size === 0 || f.size < def.minFileBytes) {
      reject(
        'empty_file',
        f.size === 0 ? 'the file is empty (0 bytes)' : `the file is ${f.size} bytes, below minFileBytes ${def.minFileBytes}`,
      );
      continue;
    }
    const bytes = kept.get(f.name) ?? new Uint8Array(await readFile(join(dir, f.name)));
    const mismatch = magicMismatch(format, bytes);
    if (mismatch) {
      reject('content_mismatch', mismatch);
      continue;
    }
    if (TEXT_FORMATS.has(format)) {
      const text = decodeUtf8(bytes);
      if (!text.ok) reject(text.reasonCode, text.message);
    }
  }
  return out;
}
