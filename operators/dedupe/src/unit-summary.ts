import { impliedThreshold, UNIT_CHAR, type MinHashSpec } from './minhash.js';
import type { MinHashDedupeResult } from './minhash-dedupe.js';

/** What the unit classes of a MinHash pass are called in outputs: in auto mode the unit, else the spec's unit. */
export function unitNames(spec: MinHashSpec, units: Uint8Array): string[] {
  if (spec.shingles.unit !== 'auto') return Array.from(units, () => spec.shingles.unit);
  return Array.from(units, (u) => (u === UNIT_CHAR ? 'char' : 'word'));
}

/**
 * The report's `byUnit`: for each unit records were judged by, how many, the shingles, the LSH
 * banding and its implied threshold, the verification threshold, and the duplicates it found.
 */
export function unitSummary(result: MinHashDedupeResult, spec: MinHashSpec, jaccardThreshold: number): Record<string, unknown> {
  const names = unitNames(spec, result.units);
  const out: Record<string, { records: number; duplicates: number } & Record<string, unknown>> = {};
  names.forEach((name, row) => {
    const short = result.units[row] === UNIT_CHAR && spec.short;
    const bands = short ? short.bands : spec.bands;
    const rows = short ? short.rows : spec.rows;
    const entry = (out[name] ??= {
      records: 0,
      duplicates: 0,
      shingles: `${name} ${spec.shingles.n}-grams${short ? ' of the structured normal form' : ''}`,
      selectedBy:
        spec.shingles.unit === 'auto'
          ? short
            ? `fewer than ${spec.short!.maxWords} words`
            : `${spec.short!.maxWords} words or more`
          : 'the step',
      bands,
      rows,
      impliedThreshold: +impliedThreshold(bands, rows).toFixed(4),
      threshold: short ? short.threshold : jaccardThreshold,
      verifiedBy: short
        ? 'recordSimilarity: token alignment allowing typos, abbreviations, initials, reordering and dropped fields'
        : 'exact Jaccard of the shingle sets (MinHash estimate for index records stored without them)',
    });
    entry.records++;
    if (result.representative[row] !== result.ids[row]) entry.duplicates++;
  });
  return out;
}
