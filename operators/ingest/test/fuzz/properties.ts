// Property-based fuzzing of what intake reads from strangers: the manifest reader, the format
// validators and the name checks. Shared by the bounded CI test (fuzz.test.ts) and the longer
// benchmark (`npm run bench -- fuzz`).
import fc from 'fast-check';
import { intakeLimits, type DatanetDefinition } from '@datanet/datanet';
import {
  ParserWorker,
  checkJsonShape,
  collisionKey,
  jsonDepth,
  normaliseName,
  parseManifest,
  parseRecords,
  parseStrictJson,
  unsafeNameReason,
  FILE_REASONS,
  SUBMISSION_REASONS,
  type ParseResult,
} from '../../src/index.js';
import { parseCsv } from '../../src/validate/csv.js';
import { magicMismatch } from '../../src/validate/magic-bytes.js';
import { medicalQa } from '../fixtures.js';

export interface FuzzProperty {
  name: string;
  /** Runs in CI (bounded) and in the benchmark. */
  runs: { ci: number; bench: number };
  property: (ctx: FuzzContext) => fc.IRawProperty<any, boolean>;
}

export interface FuzzContext {
  def: DatanetDefinition;
  worker: ParserWorker;
}

export function fuzzContext(): FuzzContext {
  const def = medicalQa();
  return { def, worker: new ParserWorker(intakeLimits(def.limits)) };
}

const KNOWN = new Set<string>([...Object.keys(FILE_REASONS), ...Object.keys(SUBMISSION_REASONS)]);
const LIMITS = { maxNestingDepth: 64 };
const enc = new TextEncoder();

/** A rejection must be one of the documented reasons with a message; anything else is a bug. */
function wellFormed(r: ParseResult | { ok: boolean; reasonCode?: string; message?: string }): boolean {
  if (r.ok) return true;
  const f = r as { reasonCode: string; message: string };
  return KNOWN.has(f.reasonCode) && typeof f.message === 'string' && f.message.length > 0;
}

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const fileEntry = fc.record({
  name: fc.string({ minLength: 1, maxLength: 40 }),
  size: fc.nat(),
  sha256: hex(32).map((h) => `0x${h}`),
  licence: fc.string({ maxLength: 20 }),
  consent: fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
});
const signedManifest = fc.record({
  format: fc.constant('datanet-submission/1' as const),
  manifest: fc.record({
    datanet: fc.string({ minLength: 1, maxLength: 20 }),
    contributor: hex(20).map((h) => `0x${h}`),
    nonce: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map(String),
    timestamp: fc.maxSafeNat(),
    files: fc.array(fileEntry, { maxLength: 5 }),
  }),
  signature: fc.option(
    hex(65).map((h) => `0x${h}`),
    { nil: undefined },
  ),
});

export const PROPERTIES: FuzzProperty[] = [
  {
    name: 'manifest reader: arbitrary bytes are refused with a reason, never a throw',
    runs: { ci: 300, bench: 20_000 },
    property: () =>
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc.json().map((j) => enc.encode(j)),
          fc.string().map((s) => enc.encode(s)),
        ),
        (bytes) => {
          const r = parseManifest(bytes, LIMITS);
          return r.ok || (r.reasonCode === 'manifest_invalid' && r.message.startsWith('submission.json'));
        },
      ),
  },
  {
    name: 'manifest reader: every valid manifest reads back unchanged; a repeated or unknown key refuses it',
    runs: { ci: 200, bench: 10_000 },
    property: () =>
      fc.property(signedManifest, fc.string({ minLength: 1, maxLength: 10 }), (m, extra) => {
        const text = JSON.stringify(m);
        const r = parseManifest(enc.encode(text), LIMITS);
        if (!r.ok || JSON.stringify(r.signed) !== text) return false;
        const dup = text.replace('"format":', '"format":"datanet-submission/1","format":');
        const d = parseManifest(enc.encode(dup), LIMITS);
        const known = ['format', 'manifest', 'signature'].includes(extra);
        const u = parseManifest(enc.encode(JSON.stringify({ ...m, [extra]: 1 })), LIMITS);
        return !d.ok && d.message.includes('appears twice') && (known || (!u.ok && u.message.includes('Unrecognized key')));
      }),
  },
  {
    name: 'strict JSON: agrees with JSON.parse on valid documents, measures depth exactly',
    runs: { ci: 300, bench: 20_000 },
    property: () =>
      fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
        const text = JSON.stringify(v);
        const depth = depthOf(JSON.parse(text));
        if (jsonDepth(text) !== depth) return false;
        try {
          checkJsonShape(text, depth);
        } catch {
          return false;
        }
        if (depth === 0) return true;
        try {
          parseStrictJson(text, depth - 1);
          return false;
        } catch (e) {
          return (e as Error).message.includes('maxNestingDepth');
        }
      }),
  },
  {
    name: 'text validators: arbitrary bytes as .jsonl/.csv/.txt/.md give records or a documented reason',
    runs: { ci: 300, bench: 10_000 },
    property: (ctx) =>
      fc.asyncProperty(
        fc.constantFrom('jsonl', 'csv', 'txt', 'md' as const),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.array(fc.json(), { maxLength: 6 }).map((l) => enc.encode(l.join('\n'))),
          fc.string().map((s) => enc.encode(s)),
        ),
        async (format, bytes) => {
          magicMismatch(format as 'txt', bytes); // must not throw either
          return wellFormed(await parseRecords(ctx.def, format as 'jsonl', bytes, ctx.worker));
        },
      ),
  },
  {
    name: 'CSV: any table of strings, quoted, parses back to itself',
    runs: { ci: 300, bench: 20_000 },
    property: () =>
      fc.property(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const text = rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        return JSON.stringify(parseCsv(text)) === JSON.stringify(rows);
      }),
  },
  {
    name: 'binary validators: mangled .docx/.pdf/.parquet give records or a documented reason, in the capped parser',
    runs: { ci: 12, bench: 300 },
    property: (ctx) =>
      fc.asyncProperty(
        fc.constantFrom(['docx', [0x50, 0x4b, 0x03, 0x04]], ['pdf', [...enc.encode('%PDF-1.4\n')]], ['parquet', [0x50, 0x41, 0x52, 0x31]]),
        fc.uint8Array({ maxLength: 2000 }),
        async ([format, magic], body) => {
          const bytes = new Uint8Array([...(magic as number[]), ...body, ...(format === 'parquet' ? [0x50, 0x41, 0x52, 0x31] : [])]);
          return wellFormed(await parseRecords(ctx.def, format as 'pdf', bytes, ctx.worker));
        },
      ),
  },
  {
    name: 'names: a name that passes is one visible path segment; NFC/NFD and case spellings collide',
    runs: { ci: 500, bench: 50_000 },
    property: () =>
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 30, unit: 'grapheme' }),
          fc.string({ maxLength: 30, unit: 'binary' }),
          fc.stringMatching(/^[A-Za-z0-9_-]{1,20}\.txt$/),
        ),
        (name) => {
          const why = unsafeNameReason(name);
          if (why === undefined) {
            const bad =
              /[\\/\x00-\x1f\x7f-\x9f\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/.test(name) ||
              name.startsWith('.') ||
              name.length === 0 ||
              name.length > 255;
            if (bad) return false;
          }
          if (normaliseName(normaliseName(name)) !== normaliseName(name)) return false;
          if (collisionKey(name.normalize('NFD')) !== collisionKey(name)) return false;
          if (/^[\x20-\x7e]*$/.test(name) && collisionKey(name.toUpperCase()) !== collisionKey(name)) return false;
          return true;
        },
      ),
  },
];
