import type { DatasetManifest } from '../build/manifest.js';
import { CROISSANT_1_1, croissantContext } from './croissant-vocab.js';

export interface CroissantDescription {
  /** Human title; the Datanet id when absent. */
  title?: string;
  description?: string;
  /** SPDX licence URL, e.g. https://creativecommons.org/licenses/by/4.0/ */
  license: string;
  /** Landing page of the dataset. */
  url?: string;
  creator?: { name: string; url?: string };
  citeAs?: string;
  keywords?: string[];
  rai?: {
    dataCollection?: string;
    dataCollectionType?: string;
    personalSensitiveInformation?: string;
    dataUseCases?: string;
    dataLimitations?: string;
  };
  /** List each contribution as a `prov:Entity` up to this many; beyond it only the set is named. */
  provenanceLimit?: number;
}

export interface CroissantVersionInfo {
  version: number;
  parentVersion: number | null;
  /** When the version was recorded (ms since epoch): the publication date. */
  createdAt: number;
  manifestSha256: string;
  runId?: string;
}

/** Where files sit relative to the metadata file when a version is published (HF layout too). */
export const CROISSANT_LAYOUT = { dataset: 'data/dataset.parquet', manifest: 'manifest.json' } as const;

const FIELD_DOCS: Record<string, string> = {
  prompt: 'The question, used as the training prompt.',
  response: 'The answer, used as the training target.',
  text: 'The contributed text.',
  contribution_id: 'sha256 content hash of the contribution the row comes from.',
  contributor: 'Account (or name) of the contributor credited for the row.',
  split: 'train or eval; a pure function of the contribution id (see the manifest).',
};

/**
 * Croissant 1.1 JSON-LD for one dataset version. Deterministic: the same manifest, version and
 * description give the same bytes.
 */
export function emitCroissant(manifest: DatasetManifest, info: CroissantVersionInfo, about: CroissantDescription): Record<string, unknown> {
  const name = manifest.datanet;
  const ref = `${name}@${info.version}`;
  const file = manifest.files[0];
  const columns = manifest.kind === 'qa' ? ['prompt', 'response'] : ['text'];
  const contributors = [...new Set(manifest.contributions.map((c) => c[1]))].sort();
  const limit = about.provenanceLimit ?? 20_000;
  const setEntity = {
    '@type': 'prov:Entity',
    '@id': `urn:datanet:${name}:contributions:${manifest.merkle.root}`,
    'prov:label': `${manifest.counts.contributions} accepted contributions to ${name}, Merkle root ${manifest.merkle.root} (OpenZeppelin StandardMerkleTree, leaf ${manifest.merkle.leafEncoding.join(', ')})`,
    'prov:locatedAt': CROISSANT_LAYOUT.manifest,
  };
  const perContribution =
    manifest.contributions.length <= limit
      ? manifest.contributions.map(([id]) => ({ '@type': 'prov:Entity', '@id': `urn:datanet:contribution:${id}` }))
      : [];
  const rai = about.rai ?? {};
  return {
    '@context': croissantContext(),
    '@type': 'sc:Dataset',
    conformsTo: CROISSANT_1_1,
    name,
    alternateName: about.title && about.title !== name ? [about.title, ref] : [ref],
    description:
      (about.description ?? `Dataset version ${ref} of the ${name} Datanet.`) +
      ` Version ${info.version}${info.parentVersion ? ` (parent ${name}@${info.parentVersion})` : ''}: ${manifest.counts.rows} rows from ${manifest.counts.contributions} contributions, ${manifest.counts.train} train / ${manifest.counts.eval} eval.`,
    license: about.license,
    url: about.url ?? `urn:datanet:dataset:${ref}`,
    version: `${info.version}.0.0`,
    datePublished: new Date(info.createdAt).toISOString(),
    creator: {
      '@type': 'sc:Organization',
      name: about.creator?.name ?? `${name} Datanet contributors`,
      ...(about.creator?.url ? { url: about.creator.url } : {}),
    },
    citeAs: about.citeAs ?? `${name} Datanet, dataset version ${info.version}, Merkle root ${manifest.merkle.root}.`,
    keywords: about.keywords ?? ['datanet', manifest.kind === 'qa' ? 'question-answering' : 'text'],
    isLiveDataset: false,
    contributor: contributors.map((c) =>
      /^0x[0-9a-f]{40}$/i.test(c) ? { '@type': 'sc:Person', identifier: c, name: c } : { '@type': 'sc:Organization', name: c },
    ),
    'rai:dataCollection':
      rai.dataCollection ??
      `Contributed by ${contributors.length} contributors to the ${name} Datanet; each accepted contribution passed format validation, deduplication and quality filtering and is recorded with its content hash, contributor, licence and consent.`,
    'rai:dataCollectionType': rai.dataCollectionType ?? 'Crowdsourced (Datanet contributions)',
    'rai:personalSensitiveInformation':
      rai.personalSensitiveInformation ??
      'Contributors attest consent and licence on submission; contributor identities appear only as account addresses or source names.',
    ...(rai.dataUseCases ? { 'rai:dataUseCases': rai.dataUseCases } : {}),
    ...(rai.dataLimitations ? { 'rai:dataLimitations': rai.dataLimitations } : {}),
    'prov:wasDerivedFrom': [setEntity, ...perContribution],
    'prov:wasGeneratedBy': {
      '@type': 'prov:Activity',
      '@id': `urn:datanet:dataset-build:${ref}`,
      'prov:label': 'dataset.build',
      description: `Built by the datanet dataset.build operator${info.runId ? ` in run ${info.runId}` : ''}; split ${manifest.split.method} (evalFraction ${manifest.split.evalFraction}).`,
    },
    distribution: [
      {
        '@type': 'cr:FileObject',
        '@id': 'dataset-parquet',
        name: 'dataset.parquet',
        description: `All rows of ${ref}, zstd Parquet, sorted by contribution id.`,
        contentUrl: CROISSANT_LAYOUT.dataset,
        contentSize: `${file.bytes} B`,
        encodingFormat: 'application/x-parquet',
        sha256: file.sha256,
      },
      {
        '@type': 'cr:FileObject',
        '@id': 'manifest',
        name: 'manifest.json',
        description: 'Contribution ids, file digests and the Merkle root of this version.',
        contentUrl: CROISSANT_LAYOUT.manifest,
        encodingFormat: 'application/json',
        sha256: info.manifestSha256,
      },
    ],
    recordSet: [
      {
        '@type': 'cr:RecordSet',
        '@id': 'examples',
        name: 'examples',
        description: `Training examples of ${ref}.`,
        key: { '@id': 'examples/contribution_id' },
        field: [...columns, 'contribution_id', 'contributor', 'split'].map((col) => ({
          '@type': 'cr:Field',
          '@id': `examples/${col}`,
          name: `examples/${col}`,
          description: FIELD_DOCS[col],
          dataType: 'sc:Text',
          source: { fileObject: { '@id': 'dataset-parquet' }, extract: { column: col } },
        })),
      },
    ],
  };
}
