import { join } from 'node:path';
import { FILE_FORMATS, type DatanetDefinition, type FileFormat } from '@datanet/datanet';
import type { SubmittedFile } from '../signing/submission-manifest.js';
import { magicMismatch } from '../validate/magic-bytes.js';
import { parseRecords, type ParsedRecord } from '../validate/parse-records.js';
import type { ParserWorker } from './parse-in-worker.js';
import { readRegularFile } from './safe-open.js';
import type { Rejection } from '../validate/reason-codes.js';

export type FileCheck = { ok: true; records: ParsedRecord[]; textBytes: number } | ({ ok: false } & Rejection);

/** Format of a file name from its extension, or undefined when intake knows no such format. */
export function formatOf(name: string): FileFormat | undefined {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return (FILE_FORMATS as readonly string[]).includes(ext) ? (ext as FileFormat) : undefined;
}

/**
 * Every per-file check that does not need the database: terms (licence, consent), format,
 * size bounds, magic bytes, UTF-8, the parse limits and the record schema. The file is read only
 * if it is a regular file of its signed size. Never throws for a bad file. `textBytes` is what the
 * records hold in UTF-8, which the daily cap counts when it exceeds the file's size.
 */
export async function validateFile(def: DatanetDefinition, dir: string, file: SubmittedFile, worker: ParserWorker): Promise<FileCheck> {
  if (!def.licences.includes(file.licence)) {
    return fail(
      'licence_not_accepted',
      `licence "${file.licence}" is not accepted by Datanet ${def.id} (accepted: ${def.licences.join(', ')})`,
    );
  }
  const missing = def.consent.required.filter((c) => !file.consent.includes(c));
  if (missing.length > 0)
    return fail('consent_missing', `consent ${missing.map((c) => `"${c}"`).join(', ')} is required by Datanet ${def.id} but not granted`);
  const format = formatOf(file.name);
  if (!format || !def.formats.includes(format)) {
    return fail(
      'unsupported_format',
      `extension of "${file.name}" is not one of the accepted formats (${def.formats.map((f) => `.${f}`).join(', ')})`,
    );
  }
  if (file.size === 0) return fail('empty_file', 'the file is empty (0 bytes)');
  if (file.size < def.minFileBytes) return fail('empty_file', `the file is ${file.size} bytes, below minFileBytes ${def.minFileBytes}`);
  const max = def.limits.maxFileBytes ?? def.limits.dailyBytesPerContributor;
  if (file.size > max) return fail('file_too_large', `the file is ${file.size} bytes; the largest accepted file is ${max} bytes`);
  const path = join(dir, file.name);
  const read = await readRegularFile(path, file.name, file.size);
  if (!read.ok) return fail(read.reasonCode, read.message);
  const bytes = read.bytes;
  const mismatch = magicMismatch(format, bytes);
  if (mismatch) return fail('content_mismatch', mismatch);
  const parsed = await parseRecords(def, format, bytes, worker);
  if (!parsed.ok) return parsed;
  const textBytes = parsed.records.reduce((n, r) => n + Buffer.byteLength(r.text), 0);
  return { ok: true, records: parsed.records, textBytes };
}

function fail(reasonCode: Rejection['reasonCode'], message: string): FileCheck {
  return { ok: false, reasonCode, message };
}
