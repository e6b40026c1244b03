import type { DatanetDefinition, FileFormat } from '@datanet/datanet';
import { intakeLimits, type IntakeLimits } from '@datanet/datanet';
import type { ParserWorker } from '../intake/parse-in-worker.js';
import { parseCsv } from './csv.js';
import { jsonDepth } from './strict-json.js';
import type { Rejection } from './reason-codes.js';

export interface ParsedRecord {
  /** Record fields from the record schema (null when absent); empty for plain text formats. */
  fields: Record<string, string | null>;
  /** The text the record contributes: the text fields joined, or the document's text. */
  text: string;
  /** Line (jsonl, csv) or row (parquet) the record came from, for messages. */
  where: string;
}

export type ParseResult = { ok: true; records: ParsedRecord[] } | ({ ok: false } & Rejection);

/** Decodes UTF-8 strictly (a BOM is dropped); the message gives the byte offset of the first bad sequence. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | ({ ok: false } & Rejection) {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return {
      ok: false,
      reasonCode: 'invalid_utf8',
      message: `not valid UTF-8: the first bad byte sequence is at byte ${firstInvalidUtf8(bytes)}; re-save the file as UTF-8`,
    };
  }
}

/**
 * Turns a file's bytes into records, under the Datanet's intake limits. Text formats are parsed
 * here (bounded by the file size, with record-count and nesting checks before parsing); .docx,
 * .pdf and .parquet in the worker, whose heap and wall time are capped. Structured formats are
 * checked against the record schema; any bad record rejects the whole file (the message names
 * its line), so a file is either fully in or fully out and acceptance rates stay per file.
 */
export async function parseRecords(
  def: DatanetDefinition,
  format: FileFormat,
  bytes: Uint8Array,
  worker: ParserWorker,
): Promise<ParseResult> {
  const limits = intakeLimits(def.limits);
  try {
    switch (format) {
      case 'txt':
      case 'md': {
        if (bytes.length > limits.maxTextBytes)
          return {
            ok: false,
            reasonCode: 'too_much_text',
            message: `the file is ${bytes.length} bytes of text, over limit maxTextBytes (${limits.maxTextBytes})`,
          };
        const d = decodeUtf8(bytes);
        if (!d.ok) return d;
        return document(d.text, 'document');
      }
      case 'jsonl': {
        const d = decodeUtf8(bytes);
        if (!d.ok) return d;
        return structured(def, jsonlRows(d.text, limits));
      }
      case 'csv': {
        const d = decodeUtf8(bytes);
        if (!d.ok) return d;
        return structured(def, csvRows(d.text, limits));
      }
      case 'parquet':
      case 'pdf':
      case 'docx': {
        const r = await worker.parse(format, bytes);
        if (!r.ok) return r;
        if (format === 'parquet') return structured(def, r.rows ?? []);
        return document(r.text ?? '', format === 'pdf' ? 'PDF text' : 'DOCX text');
      }
    }
  } catch (e) {
    if (e instanceof RecordError) return { ok: false, reasonCode: e.reasonCode, message: e.message };
    return {
      ok: false,
      reasonCode: 'unparseable',
      message: `cannot read it as .${format}: ${String((e as Error).message ?? e)
        .split('\n')[0]
        .slice(0, 300)}`,
    };
  }
}

class RecordError extends Error {
  constructor(
    readonly reasonCode: 'schema_mismatch' | 'unparseable' | 'too_many_records' | 'too_deep',
    message: string,
  ) {
    super(message);
  }
}

function document(text: string, what: string): ParseResult {
  if (text.trim().length === 0) return { ok: false, reasonCode: 'empty_file', message: `the ${what} holds no text (only whitespace)` };
  return { ok: true, records: [{ fields: {}, text, where: 'document' }] };
}

type RawRow = { where: string; value: unknown };

function jsonlRows(text: string, limits: IntakeLimits): RawRow[] {
  const lines = text.split('\n');
  const filled = lines.reduce((n, l) => (l.trim() === '' ? n : n + 1), 0);
  if (filled > limits.maxRecordsPerFile)
    throw new RecordError('too_many_records', `the file has ${filled} records, over limit maxRecordsPerFile (${limits.maxRecordsPerFile})`);
  const rows: RawRow[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const depth = jsonDepth(line);
    if (depth > limits.maxNestingDepth)
      throw new RecordError('too_deep', `line ${i + 1}: nesting depth ${depth}, over limit maxNestingDepth (${limits.maxNestingDepth})`);
    try {
      rows.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
    } catch (e) {
      throw new RecordError('unparseable', `line ${i + 1}: not valid JSON (${(e as Error).message.slice(0, 120)})`);
    }
  });
  return rows;
}

function csvRows(text: string, limits: IntakeLimits): RawRow[] {
  let table: string[][];
  try {
    table = parseCsv(text);
  } catch (e) {
    throw new RecordError('unparseable', (e as Error).message);
  }
  if (table.length - 1 > limits.maxRecordsPerFile)
    throw new RecordError(
      'too_many_records',
      `the file has ${table.length - 1} rows, over limit maxRecordsPerFile (${limits.maxRecordsPerFile})`,
    );
  const [header, ...body] = table;
  if (!header) return [];
  return body
    .map((cells, i) => ({ cells, line: i + 2 }))
    .filter(({ cells }) => !(cells.length === 1 && cells[0] === ''))
    .map(({ cells, line }) => {
      if (cells.length !== header.length)
        throw new RecordError('schema_mismatch', `line ${line}: ${cells.length} fields where the header has ${header.length}`);
      return { where: `line ${line}`, value: Object.fromEntries(header.map((h, j) => [h.trim(), cells[j]])) };
    });
}

function structured(def: DatanetDefinition, rows: RawRow[]): ParseResult {
  const schema = def.recordSchema;
  if (!schema) throw new RecordError('schema_mismatch', `Datanet ${def.id} has no recordSchema, so it cannot take structured files`);
  if (rows.length === 0) return { ok: false, reasonCode: 'empty_file', message: 'the file holds no records' };
  const records = rows.map(({ where, value }) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new RecordError(
        'schema_mismatch',
        `${where}: a record must be an object with fields ${schema.fields.map((f) => f.name).join(', ')}`,
      );
    }
    const obj = value as Record<string, unknown>;
    const fields: Record<string, string | null> = {};
    for (const f of schema.fields) {
      const raw = obj[f.name];
      if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
        if (f.required)
          throw new RecordError(
            'schema_mismatch',
            `${where}: field "${f.name}" is ${raw === undefined ? 'missing' : 'empty'}, and Datanet ${def.id} requires it`,
          );
        fields[f.name] = null;
        continue;
      }
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
        throw new RecordError(
          'schema_mismatch',
          `${where}: field "${f.name}" must be text, not ${Array.isArray(raw) ? 'an array' : typeof raw}`,
        );
      }
      const s = String(raw);
      if (f.minLength !== undefined && s.length < f.minLength)
        throw new RecordError(
          'schema_mismatch',
          `${where}: field "${f.name}" has ${s.length} characters, fewer than minLength ${f.minLength}`,
        );
      if (f.maxLength !== undefined && s.length > f.maxLength)
        throw new RecordError(
          'schema_mismatch',
          `${where}: field "${f.name}" has ${s.length} characters, more than maxLength ${f.maxLength}`,
        );
      fields[f.name] = s;
    }
    const text = schema.textFields.map((t) => fields[t] ?? '').join('\n\n');
    return { fields, text, where };
  });
  return { ok: true, records };
}

/** Offset of the first byte that starts an invalid or truncated UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    for (let k = 1; k < len; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return i;
}
