import { stringify } from 'yaml';

export interface AdapterLineage {
  baseModel: string;
  baseModelDigest: string;
  specHash: string;
  /** `medical-qa@3` style id and the version's Merkle root, when the dataset input carried them. */
  datasetVersion?: string;
  datasetRoot?: string;
  datasetDigest: string;
  backend: 'builtin' | 'peft';
  method: 'lora' | 'qlora';
}

/**
 * Metrics that measure the run rather than the model (wall time, throughput). They belong in the
 * `metrics` report, not in the adapter folder, whose digest must depend only on the data, the spec
 * and the seed: two trainings of the same dataset version give the same adapter digest.
 */
const RUN_MEASUREMENT = /(^|[._])(seconds|runtime)$|persecond$|_per_second$/i;

/** README.md of an adapter: Hugging Face model-card front matter, then the lineage a reviewer checks. */
export function renderModelCard(lineage: AdapterLineage, metrics: Record<string, unknown>, spec: unknown): string {
  const front = {
    library_name: 'peft',
    base_model: lineage.baseModel,
    tags: ['datanet', 'lora', lineage.method, `backend:${lineage.backend}`],
    datanet: {
      dataset_version: lineage.datasetVersion ?? null,
      dataset_root: lineage.datasetRoot ?? null,
      dataset_digest: lineage.datasetDigest,
      spec_hash: lineage.specHash,
      base_model_digest: lineage.baseModelDigest,
    },
  };
  const rows = Object.entries(metrics)
    .filter(([k, v]) => (typeof v === 'number' || typeof v === 'string') && !RUN_MEASUREMENT.test(k))
    .map(([k, v]) => `| ${k} | ${typeof v === 'number' ? Number(v.toPrecision(6)) : v} |`);
  return [
    '---',
    stringify(front).trimEnd(),
    '---',
    '',
    `# LoRA adapter for ${lineage.baseModel}`,
    '',
    `Trained by datanet's \`train.lora\` operator (backend \`${lineage.backend}\`, method \`${lineage.method}\`).`,
    '',
    '## Lineage',
    '',
    `- Dataset version: ${lineage.datasetVersion ?? '(not versioned)'}`,
    `- Dataset Merkle root: ${lineage.datasetRoot ?? '(none)'}`,
    `- Dataset artifact digest: ${lineage.datasetDigest}`,
    `- Training spec hash: ${lineage.specHash}`,
    `- Base model: ${lineage.baseModel} (${lineage.baseModelDigest})`,
    '',
    '## Metrics',
    '',
    '| metric | value |',
    '|---|---|',
    ...rows,
    '',
    '## Training spec',
    '',
    '```json',
    JSON.stringify(spec, null, 2),
    '```',
    '',
  ].join('\n');
}
