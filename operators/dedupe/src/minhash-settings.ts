import { DEFAULT_MINHASH, impliedThreshold, shortSpecFor, type MinHashSpec } from './minhash.js';
import { PRECEDENCE, pick, readDatanetDedupe, type DatanetDedupe, type Resolved } from './datanet-settings.js';

export const JACCARD_DEFAULT = 0.7;
/** Auto mode: records with fewer words are short (character shingles, judged by recordSimilarity). */
export const SHORT_WORDS_DEFAULT = 50;
/**
 * recordSimilarity a short pair needs. Since typos pay for their edits (record-similarity.ts), the
 * sweep on the project's short-record set with every edit kind mixed (bench/results/dedupe.json,
 * shortRecords.thresholdSweepAllKinds; a set drawn apart from the per-kind ones) is flat between
 * 0.80 and 0.83 (pairwise F1 0.973-0.972) and falls from 0.84 (0.969 at 0.85); 0.83 is the top of
 * that plateau that still keeps one substituted token in a 15-token record (another package,
 * question or field: 14/17 = 0.824) out, while typos, abbreviations, initials, reordering and a
 * dropped tail field keep 0.85 or more.
 */
export const SHORT_THRESHOLD_DEFAULT = 0.83;

/** Operator defaults of the `with:` fields a Datanet can also set (datatrove's MinHash defaults). */
export const MINHASH_DEFAULTS = {
  enabled: true,
  textColumn: 'text',
  // auto: word 5-grams for long records, character 5-grams of the structured normal form for short ones.
  shingle: 'auto' as 'word' | 'char' | 'auto',
  ngram: DEFAULT_MINHASH.shingles.n,
  permutations: DEFAULT_MINHASH.permutations,
  bands: DEFAULT_MINHASH.bands,
  rows: DEFAULT_MINHASH.rows,
  shortWords: SHORT_WORDS_DEFAULT,
  shortThreshold: SHORT_THRESHOLD_DEFAULT,
} as const;

export interface MinHashStepConfig {
  datanet?: string;
  enabled?: boolean;
  textColumn?: string;
  shingle?: 'word' | 'char' | 'auto';
  ngram?: number;
  permutations?: number;
  bands?: number;
  rows?: number;
  jaccardThreshold: number;
  shortWords?: number;
  shortThreshold?: number;
  seed: number;
}

export interface ResolvedMinHash {
  datanet: Omit<DatanetDedupe, 'dedupe'> | undefined;
  enabled: Resolved<boolean>;
  textColumn: Resolved<string>;
  shingle: Resolved<'word' | 'char' | 'auto'>;
  ngram: Resolved<number>;
  permutations: Resolved<number>;
  bands: Resolved<number>;
  rows: Resolved<number>;
  shortWords: Resolved<number>;
  shortThreshold: Resolved<number>;
}

/** The settings a `dedupe.minhash` step runs with, each with where it came from. */
export function resolveMinHash(config: MinHashStepConfig, pipelineDir: string): ResolvedMinHash {
  const dn = readDatanetDedupe(config.datanet, pipelineDir);
  const near = dn?.dedupe?.near;
  const resolved: ResolvedMinHash = {
    datanet: dn && { id: dn.id, definition: dn.definition },
    enabled: pick(config.enabled, near?.enabled, MINHASH_DEFAULTS.enabled),
    textColumn: pick(config.textColumn, dn?.dedupe?.textColumn, MINHASH_DEFAULTS.textColumn),
    shingle: pick<'word' | 'char' | 'auto'>(config.shingle, near?.shingle, MINHASH_DEFAULTS.shingle),
    ngram: pick(config.ngram, near?.ngram, MINHASH_DEFAULTS.ngram),
    permutations: pick(config.permutations, near?.permutations, MINHASH_DEFAULTS.permutations),
    bands: pick(config.bands, near?.bands, MINHASH_DEFAULTS.bands),
    rows: pick(config.rows, near?.rows, MINHASH_DEFAULTS.rows),
    shortWords: pick(config.shortWords, near?.shortWords, MINHASH_DEFAULTS.shortWords),
    shortThreshold: pick(config.shortThreshold, near?.shortThreshold, MINHASH_DEFAULTS.shortThreshold),
  };
  const { bands, rows, permutations } = resolved;
  if (bands.value * rows.value > permutations.value) {
    const from = (r: Resolved<number>) => (r.source === 'datanet' ? dn!.definition : r.source === 'step' ? 'the step' : 'the default');
    throw new Error(
      `dedupe.minhash: bands x rows = ${bands.value} x ${rows.value} = ${bands.value * rows.value} exceeds permutations (${permutations.value}); ` +
        `bands from ${from(bands)}, rows from ${from(rows)}, permutations from ${from(permutations)}`,
    );
  }
  return resolved;
}

export function specOfResolved(r: ResolvedMinHash, seed: number): MinHashSpec {
  const unit = r.shingle.value;
  return {
    shingles: { unit, n: r.ngram.value },
    permutations: r.permutations.value,
    bands: r.bands.value,
    rows: r.rows.value,
    seed,
    ...(unit === 'auto' ? { short: shortSpecFor(r.permutations.value, r.shortWords.value, r.shortThreshold.value) } : {}),
  };
}

/** The report's `settings`: every value used, where it came from, and the threshold they imply. */
export function minhashSettingsReport(r: ResolvedMinHash, config: MinHashStepConfig): Record<string, unknown> {
  const b = r.bands.value;
  const rows = r.rows.value;
  return {
    datanet: r.datanet ?? null,
    precedence: PRECEDENCE,
    enabled: r.enabled,
    textColumn: r.textColumn,
    shingle: r.shingle,
    ngram: r.ngram,
    permutations: r.permutations,
    bands: r.bands,
    rows: r.rows,
    impliedThreshold: { value: impliedThreshold(b, rows), source: 'derived', formula: `(1/${b})^(1/${rows})` },
    // Not Datanet settings: written in the step or left at the operator default (same thing).
    jaccardThreshold: { value: config.jaccardThreshold, source: config.jaccardThreshold === JACCARD_DEFAULT ? 'default' : 'step' },
    ...(r.shingle.value === 'auto'
      ? (() => {
          const short = shortSpecFor(r.permutations.value, r.shortWords.value, r.shortThreshold.value);
          // Without a Datanet the config has the defaults filled in: a value equal to it is the default.
          const sourced = (x: Resolved<number>, fallback: number): Resolved<number> =>
            x.source === 'step' && !config.datanet && x.value === fallback ? { value: x.value, source: 'default' } : x;
          return {
            shortWords: sourced(r.shortWords, SHORT_WORDS_DEFAULT),
            shortThreshold: sourced(r.shortThreshold, SHORT_THRESHOLD_DEFAULT),
            shortBanding: {
              value: { bands: short.bands, rows: short.rows },
              source: 'derived',
              formula: `floor(${r.permutations.value} / 3) x 3, implied threshold (1/${short.bands})^(1/3) = ${impliedThreshold(short.bands, short.rows).toFixed(3)}`,
            },
            mediumWords: {
              value: short.mediumWords,
              source: 'derived',
              formula: `2 x shortWords: records of ${short.maxWords}-${short.mediumWords! - 1} words are banded as short ones and also duplicates by word ${r.ngram.value}-gram Jaccard >= jaccardThreshold`,
            },
          };
        })()
      : {}),
    seed: { value: config.seed, source: config.seed === DEFAULT_MINHASH.seed ? 'default' : 'step' },
  };
}
