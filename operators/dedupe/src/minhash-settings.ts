import { DEFAULT_MINHASH, impliedThreshold, type MinHashSpec } from './minhash.js';
import { PRECEDENCE, pick, readDatanetDedupe, type DatanetDedupe, type Resolved } from './datanet-settings.js';

export const JACCARD_DEFAULT = 0.7;

/** Operator defaults of the `with:` fields a Datanet can also set (datatrove's MinHash defaults). */
export const MINHASH_DEFAULTS = {
  enabled: true,
  textColumn: 'text',
  shingle: DEFAULT_MINHASH.shingles.unit,
  ngram: DEFAULT_MINHASH.shingles.n,
  permutations: DEFAULT_MINHASH.permutations,
  bands: DEFAULT_MINHASH.bands,
  rows: DEFAULT_MINHASH.rows,
} as const;

export interface MinHashStepConfig {
  datanet?: string;
  enabled?: boolean;
  textColumn?: string;
  shingle?: 'word' | 'char';
  ngram?: number;
  permutations?: number;
  bands?: number;
  rows?: number;
  jaccardThreshold: number;
  seed: number;
}

export interface ResolvedMinHash {
  datanet: Omit<DatanetDedupe, 'dedupe'> | undefined;
  enabled: Resolved<boolean>;
  textColumn: Resolved<string>;
  shingle: Resolved<'word' | 'char'>;
  ngram: Resolved<number>;
  permutations: Resolved<number>;
  bands: Resolved<number>;
  rows: Resolved<number>;
}

/** The settings a `dedupe.minhash` step runs with, each with where it came from. */
export function resolveMinHash(config: MinHashStepConfig, pipelineDir: string): ResolvedMinHash {
  const dn = readDatanetDedupe(config.datanet, pipelineDir);
  const near = dn?.dedupe?.near;
  const resolved: ResolvedMinHash = {
    datanet: dn && { id: dn.id, definition: dn.definition },
    enabled: pick(config.enabled, near?.enabled, MINHASH_DEFAULTS.enabled),
    textColumn: pick(config.textColumn, dn?.dedupe?.textColumn, MINHASH_DEFAULTS.textColumn),
    shingle: pick(config.shingle, near?.shingle, MINHASH_DEFAULTS.shingle),
    ngram: pick(config.ngram, near?.ngram, MINHASH_DEFAULTS.ngram),
    permutations: pick(config.permutations, near?.permutations, MINHASH_DEFAULTS.permutations),
    bands: pick(config.bands, near?.bands, MINHASH_DEFAULTS.bands),
    rows: pick(config.rows, near?.rows, MINHASH_DEFAULTS.rows),
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
  return {
    shingles: { unit: r.shingle.value, n: r.ngram.value },
    permutations: r.permutations.value,
    bands: r.bands.value,
    rows: r.rows.value,
    seed,
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
    seed: { value: config.seed, source: config.seed === DEFAULT_MINHASH.seed ? 'default' : 'step' },
  };
}
