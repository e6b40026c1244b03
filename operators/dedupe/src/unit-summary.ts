import { impliedThreshold, UNIT_CHAR, type MinHashSpec } from './minhash.js';
import type { MinHashDedupeResult } from './minhash-dedupe.js';

/** What the unit classes of a MinHash pass are called in outputs: in auto mode the unit, else the spec's unit. */
export function unitNames(spec: MinHashSpec, units: Uint8Array, medium?: Uint8Array): string[] {
  if (spec.shingles.unit !== 'auto') return Array.from(units, () => spec.shingles.unit);
  return Array.from(units, (u, row) => (u === UNIT_CHAR ? (medium?.[row] ? 'char+word' : 'char') : 'word'));
}

/**
 * The report's `byUnit`: for each unit records were judged by, how many, the shingles, the LSH
 * banding and its implied threshold, the verification threshold, and the duplicates it found.
 */
export function unitSummary(result: MinHashDedupeResult, spec: MinHashSpec, jaccardThreshold: number): Record<string, unknown> {
  const names = unitNames(spec, result.units, result.medium);
  const out: Record<string, { records: number; duplicates: number } & Record<string, unknown>> = {};
  names.forEach((name, row) => {
    const short = result.units[row] === UNIT_CHAR && spec.short;
    const medium = short && name === 'char+word';
    const longFrom = spec.short?.mediumWords ?? spec.short?.maxWords;
    const bands = short ? short.bands : spec.bands;
    const rows = short ? short.rows : spec.rows;
    const entry = (out[name] ??= {
      records: 0,
      duplicates: 0,
      shingles: `${name} ${spec.shingles.n}-grams${short ? ' of the structured normal form' : ''}`,
      selectedBy:
        spec.shingles.unit === 'auto'
          ? medium
            ? `${spec.short!.maxWords} to ${longFrom! - 1} words, not prose`
            : short
              ? `fewer than ${spec.short!.maxWords} words`
              : `${spec.short!.maxWords} words or more (from ${spec.short!.maxWords} to ${longFrom! - 1}: prose)`
          : 'the step',
      bands,
      rows,
      impliedThreshold: +impliedThreshold(bands, rows).toFixed(4),
      threshold: short ? short.threshold : jaccardThreshold,
      verifiedBy: medium
        ? `recordSimilarity, or exact Jaccard of word ${spec.shingles.n}-grams: a duplicate when either reaches its bar (Jaccard ${jaccardThreshold} is placed at ${short.threshold} on recordSimilarity's scale)`
        : short
          ? 'recordSimilarity: token alignment allowing typos, abbreviations, initials, reordering and dropped fields'
          : 'exact Jaccard of the shingle sets (MinHash estimate for index records stored without them)',
    });
    entry.records++;
    if (result.representative[row] !== result.ids[row]) entry.duplicates++;
  });
  return out;
}
