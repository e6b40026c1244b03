import { stringify } from 'yaml';
import { pushFiles, pullFile, type HubTarget, type PushResult } from './hub-client.js';

/** What a dataset version needs on the Hub; plain paths and facts, so this connector knows no operator. */
export interface DatasetVersionFiles {
  /** `medical-qa@3` */
  name: string;
  parquetPath: string;
  croissantPath: string;
  manifestPath?: string;
  license?: string;
  description?: string;
  merkleRoot?: string;
  rows?: number;
  parentVersion?: number | null;
}

/** Repo layout of a pushed version; Croissant's contentUrls are relative to it. */
export const HUB_DATASET_LAYOUT = {
  parquet: 'data/dataset.parquet',
  croissant: 'croissant.json',
  manifest: 'manifest.json',
  readme: 'README.md',
} as const;

const SPDX: Record<string, string> = {
  'https://creativecommons.org/licenses/by/4.0/': 'cc-by-4.0',
  'https://creativecommons.org/licenses/by-sa/4.0/': 'cc-by-sa-4.0',
  'https://creativecommons.org/publicdomain/zero/1.0/': 'cc0-1.0',
  'https://www.apache.org/licenses/LICENSE-2.0': 'apache-2.0',
  'https://opensource.org/licenses/MIT': 'mit',
};

/** A Hub dataset card: YAML front matter the Hub's viewer reads, then a short description. */
export function datasetCard(v: DatasetVersionFiles): string {
  const front = {
    license: v.license ? (SPDX[v.license] ?? 'other') : undefined,
    pretty_name: v.name,
    tags: ['datanet', 'croissant'],
    configs: [{ config_name: 'default', data_files: [{ split: 'all', path: HUB_DATASET_LAYOUT.parquet }] }],
  };
  const lines = [
    '---',
    stringify(front, { lineWidth: 0 }).trimEnd(),
    '---',
    '',
    `# ${v.name}`,
    '',
    v.description ?? `Dataset version ${v.name}, built by datanet.`,
    '',
    ...(v.rows !== undefined ? [`- Rows: ${v.rows}`] : []),
    ...(v.merkleRoot
      ? [`- Merkle root of the contributions: \`${v.merkleRoot}\` (OpenZeppelin StandardMerkleTree; see manifest.json)`]
      : []),
    ...(v.parentVersion ? [`- Parent version: ${v.name.split('@')[0]}@${v.parentVersion}`] : []),
    `- Metadata: [Croissant](${HUB_DATASET_LAYOUT.croissant})`,
    '',
  ];
  return lines.join('\n');
}

/** Pushes Parquet, Croissant, manifest and README card in one commit. */
export async function pushDatasetVersion(target: HubTarget, v: DatasetVersionFiles): Promise<PushResult> {
  return pushFiles(
    { ...target, type: 'dataset' },
    [
      { path: HUB_DATASET_LAYOUT.parquet, source: v.parquetPath },
      { path: HUB_DATASET_LAYOUT.croissant, source: v.croissantPath },
      ...(v.manifestPath ? [{ path: HUB_DATASET_LAYOUT.manifest, source: v.manifestPath }] : []),
      { path: HUB_DATASET_LAYOUT.readme, source: new TextEncoder().encode(datasetCard(v)) },
    ],
    `datanet: dataset ${v.name}`,
  );
}

/** Downloads a pushed version into `outDir` with the same layout; the manifest only if present. */
export async function pullDatasetVersion(
  target: HubTarget,
  outDir: string,
): Promise<Record<keyof typeof HUB_DATASET_LAYOUT, string | undefined>> {
  const t = { ...target, type: 'dataset' as const };
  const out = {} as Record<keyof typeof HUB_DATASET_LAYOUT, string | undefined>;
  for (const [key, path] of Object.entries(HUB_DATASET_LAYOUT) as [keyof typeof HUB_DATASET_LAYOUT, string][]) {
    const dest = `${outDir}/${path}`;
    const found = await pullFile(t, path, dest);
    if (!found && key !== 'manifest') throw new Error(`${target.repo} has no ${path}: not a datanet dataset version`);
    out[key] = found ? dest : undefined;
  }
  return out;
}
